// A run's log document in the extension: it shows what the log holds, follows a live run, and stops
// reading once the server says the log is complete.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
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

  it('shows the readable lines the server rendered exactly as they came: the extension renders and parses no log (rule: the log document shows readable lines, not the JSON stream)', async () => {
    // An OpenTofu run's log as the server writes it: its `-json` stream already rendered, line by line.
    const text = [
      'OpenTofu v1.9.0 on linux_amd64',
      'aws_instance.web: Plan to replace (replace_because_cannot_update)',
      'aws_db_instance.main: Plan to delete',
      'Plan: 2 to add, 0 to change, 3 to destroy.',
      // A line of the tool's own that happens to look like JSON is the log's, not the extension's to read.
      '{"@level":"info","@message":"as the tool printed it"}',
      '',
    ].join('\n');
    const server = new FakeServer({ 'stackhook/runs/log': () => ({ text, nextOffset: Buffer.byteLength(text), complete: true }) });
    const documents = new RunLogDocuments(server);
    assert.equal(await documents.provideTextDocumentContent(runLogUri('r2')), text);
    documents.dispose();
    // And nothing of the extension could: no module that touches run logs parses JSON or renders plan messages.
    const root = path.resolve(__dirname, '../../../extension');
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts'));
    assert.ok(files.length > 40, 'the extension\'s sources were read');
    const logModules = files.filter((file) => /RunsLog|runLog/.test(readFileSync(path.join(root, file), 'utf8')));
    assert.ok(logModules.includes(path.join('surfaces', 'runLogDocument.ts')));
    for (const file of logModules) {
      const source = readFileSync(path.join(root, file), 'utf8');
      assert.doesNotMatch(source, /JSON\.parse|@message|planned_change|change_summary/, `${file} would re-render the log`);
    }
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
