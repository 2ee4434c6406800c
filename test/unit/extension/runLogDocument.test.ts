// A run's log document in the extension: it shows what the log holds, follows a live run, and stops
// reading once the server says the log is complete.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import { FOLLOW_MS, RunLogDocuments, runLogUri } from '../../../extension/runLogDocument';
import { FakeServer } from './fakeServer';

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
});
