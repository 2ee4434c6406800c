// A run's log document in the extension: it shows what the log holds, follows a live run, and stops
// reading once the server says the log is complete.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import { FOLLOW_MS, RunLogDocuments, runLogUri } from '../../../extension/surfaces/runLogDocument';
import { RunItem } from '../../../extension/views/stacksTree';
import * as Protocol from '../../../server/protocol';
import { FakeServer, run, stack } from './fakeServer';

describe('extension run log document', () => {
  it('shows what the log holds and follows a live run until the server says the log is complete', async function () {
    this.timeout(FOLLOW_MS * 3 + 5_000);
    const parts = [
      { text: 'Checking out 501bf5b99365.\n', nextOffset: 27, complete: false },
      { text: 'Plan: 1 to add, 0 to change, 0 to destroy.\n', nextOffset: 71, complete: true },
    ];
    const server = new FakeServer({ 'stackhook/runs/log': () => parts.shift() ?? { text: '', nextOffset: 71, complete: true } });
    const documents = new RunLogDocuments(server);
    const uri = runLogUri('r1');
    assert.equal(await documents.provideTextDocumentContent(uri), 'Checking out 501bf5b99365.\n');
    await new Promise<void>((resolve) => documents.onDidChange(() => resolve()));
    assert.equal(await documents.provideTextDocumentContent(uri), 'Checking out 501bf5b99365.\nPlan: 1 to add, 0 to change, 0 to destroy.\n');
    // Longer than the document waits between two reads: a reread of a complete log would have happened.
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_MS + 300));
    assert.deepEqual(server.sent('stackhook/runs/log'), [{ runId: 'r1', offset: 0 }, { runId: 'r1', offset: 27 }], 'a complete log is not read again');
    documents.dispose();
  });

  it('is named by stack and run (one tab per run), starts with a header, and says a report Bitbucket refused, as the run\'s row does', async () => {
    const failed = run('r9', {
      stackId: 'prod-infra',
      kind: 'proposed',
      trigger: 'pullrequest',
      pullRequestId: 7,
      commit: '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b',
      state: 'finished',
      reports: { status: 'posted', comment: 'failed', commentReason: 'Bitbucket answered 404: the pull request is not there.' },
    });
    const server = new FakeServer({
      'stackhook/runs/log': () => ({ text: 'Plan: 1 to add, 0 to change, 0 to destroy.\n', nextOffset: 44, complete: true }),
      'stackhook/runs/get': () => failed,
      'stackhook/stacks/list': () => [stack('prod-infra', { name: 'Prod Infra' })],
    });
    const uri = runLogUri('r9', { stackName: 'Prod Infra', kind: 'proposed', commit: failed.commit as string });
    assert.equal(uri.path, '/Prod Infra · proposed run 1a2b3c4d5e6f.log', 'the tab says which stack and run, not a run id');
    assert.equal(runLogUri('r9', { stackName: 'Prod Infra', kind: 'proposed', commit: failed.commit as string }).toString(), uri.toString(), 'the same run, the same document');
    const documents = new RunLogDocuments(server);
    const text = await documents.provideTextDocumentContent(uri);
    const [first, second, third] = text.split('\n');
    assert.equal(first, 'Stack Prod Infra · proposed run · commit 1a2b3c4d5e6f on main');
    assert.match(second ?? '', /^started by a pull request · pull request #7 · queued /);
    assert.equal(third, 'Pull request comment not written to Bitbucket: Bitbucket answered 404: the pull request is not there.');
    assert.match(text, /─{60}\nPlan: 1 to add/);
    assert.deepEqual(server.sent('stackhook/runs/log'), [{ runId: 'r9', offset: 0 }], 'the run id comes from the document\'s address');
    documents.dispose();
    const row = new RunItem(Protocol.Run.parse(failed));
    assert.match(String(row.description), /comment not written$/);
  });
});
