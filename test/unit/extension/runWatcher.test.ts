import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import { answers, recorded, resetStub } from '../../support/vscodeStub';
import { RunWatcher } from '../../../extension/state/runWatcher';
import { FakeServer, run, stack } from './fakeServer';

describe('extension run notifications and counts', () => {
  beforeEach(() => resetStub());

  it('counts running and failed last runs, and speaks only when a tracked run newly fails or waits for confirmation', async () => {
    let stacks = [
      stack('prod-network', { lastRun: run('r1', { state: 'failed' }) }),
      stack('edge', { lastRun: run('e1', { stackId: 'edge', state: 'running' }) }),
      stack('docs', { lastRun: run('d1', { stackId: 'docs', kind: 'proposed', state: 'running' }) }),
    ];
    const watcher = new RunWatcher(new FakeServer({ 'stackhook/stacks/list': () => stacks }));
    await watcher.look();
    assert.deepEqual(watcher.counts, { running: 2, failed: 1, waiting: 0 });
    assert.equal(recorded.messages.length, 0, 'what was so when the window opened is not announced');

    answers.push(() => undefined, () => undefined);
    stacks = [
      stack('prod-network', { lastRun: run('r1', { state: 'failed' }) }),
      stack('edge', { lastRun: run('e1', { stackId: 'edge', state: 'unconfirmed', summary: 'Plan: 2 to add, 0 to change, 0 to destroy.' }) }),
      stack('docs', { lastRun: run('d1', { stackId: 'docs', kind: 'proposed', state: 'failed' }) }),
    ];
    await watcher.look();
    assert.deepEqual(watcher.counts, { running: 0, failed: 2, waiting: 1 }, 'a run waiting for confirmation is counted apart');
    assert.deepEqual(
      recorded.messages.map((m) => [m.severity, m.message, m.items]),
      [['warning', 'The tracked run of "edge" waits for confirmation. Its plan: 2 to add, 0 to change, 0 to destroy.', ['Confirm', 'Open Log']]],
    );
    watcher.dispose();
  });
});
