// What every store engine must do, whichever holds it: the file store or PostgreSQL. Each engine's
// test opens two handles on one store, as two processes (or replicas) would.
import { strict as assert } from 'node:assert';
import * as z from 'zod';
import { registerSecret } from '../../server/log';
import type { StructuredPlan } from '../../server/protocol';
import type { RecordLog, Registry, RunLogs, RunPlans } from '../../server/store/storeEngine';

export const Entry = z.object({ id: z.string(), n: z.number() });
/** The cap of the run logs the engines open for these cases: small, so a case can reach it. */
export const RUN_LOG_CAP = 4096;

export interface StoreHandles {
  registries: [Registry, Registry];
  logs: [RecordLog<typeof Entry>, RecordLog<typeof Entry>];
  /** Run logs capped at RUN_LOG_CAP. */
  runLogs: [RunLogs, RunLogs];
  /** Structured plans, keeping the newest RUN_PLANS_KEPT_IN_TESTS. */
  runPlans: [RunPlans, RunPlans];
}

/** How many structured plans the engines keep in these cases: few, so a case can go past it. */
export const RUN_PLANS_KEPT_IN_TESTS = 3;

export function storeBehaviour(engine: string, open: () => Promise<StoreHandles>, close: (handles: StoreHandles) => Promise<void>): void {
  describe(`the store's behaviour (${engine})`, function () {
    this.timeout(60_000);
    let handles: StoreHandles;
    beforeEach(async () => {
      handles = await open();
    });
    afterEach(() => close(handles));

    it('a new store has the root space and its first user as admin', async () => {
      const state = await handles.registries[0].read();
      assert.deepEqual(state.spaces.map((space) => space.id), ['root']);
      assert.deepEqual(state.grants, [{ user: 'ana', spaceId: 'root', role: 'admin' }]);
    });

    it('a change that throws writes nothing; one that returns is seen by the other handle', async () => {
      const [one, two] = handles.registries;
      await assert.rejects(
        one.update((draft) => {
          draft.grants.push({ user: 'eve', spaceId: 'root', role: 'admin' });
          throw new Error('refused');
        }),
        /refused/,
      );
      assert.equal((await two.read()).grants.some((grant) => grant.user === 'eve'), false);
      assert.equal((await one.read()).grants.some((grant) => grant.user === 'eve'), false, 'the handle that failed rolled back too');
      const revision = (await two.read()).revision;
      await one.update((draft) => void draft.grants.push({ user: 'bo', spaceId: 'root', role: 'read' }));
      const seen = await two.read();
      assert.equal(seen.revision, revision + 1);
      assert.ok(seen.grants.some((grant) => grant.user === 'bo'));
    });

    it('concurrent changes through both handles lose none', async () => {
      const [one, two] = handles.registries;
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? one : two).update((draft) => void draft.grants.push({ user: `u${i}`, spaceId: 'root', role: 'read' }))),
      );
      const users = new Set((await one.read()).grants.map((grant) => grant.user));
      assert.deepEqual(Array.from({ length: 40 }, (_, i) => `u${i}`).filter((user) => !users.has(user)), []);
    });

    it('a log lists what both handles appended, each once, in one order both agree on', async () => {
      const [one, two] = handles.logs;
      await Promise.all([one.append([{ id: 'a1', n: 1 }]), two.append([{ id: 'b1', n: 1 }, { id: 'b2', n: 2 }]), one.append([{ id: 'a2', n: 2 }])]);
      await Promise.all([one.refresh(), two.refresh()]);
      const ids = (log: RecordLog<typeof Entry>) => log.all().map((entry) => entry.id);
      assert.deepEqual([...ids(one)].sort(), ['a1', 'a2', 'b1', 'b2']);
      assert.deepEqual(ids(one), ids(two));
      assert.equal(await one.refresh(), false, 'nothing new: refresh says so');
    });

    it('a run log appended through one handle is read through the other, by offset and in whole lines', async () => {
      const [writer, reader] = handles.runLogs;
      await writer.append('run-read', 'Refreshing state...\nPlan: 1 to');
      await writer.append('run-read', ' add.\nstill writ');
      await writer.settle('run-read');
      const live = await reader.read('run-read', 0, false);
      assert.deepEqual(live, { text: 'Refreshing state...\nPlan: 1 to add.\n', nextOffset: 36, size: 46 });
      assert.deepEqual(await reader.read('run-read', live.nextOffset, false), { text: '', nextOffset: 36, size: 46 }, 'a line still being written waits');
      assert.deepEqual(await reader.read('run-read', live.nextOffset, true), { text: 'still writ', nextOffset: 46, size: 46 }, 'an ended run gives its last line as it is');
      assert.deepEqual(await reader.read('run-read', 46, true), { text: '', nextOffset: 46, size: 46 });
      assert.equal(await reader.tail('run-read', 2), 'Plan: 1 to add.\nstill writ');
      assert.deepEqual(await reader.read('run-never', 0, true), { text: '', nextOffset: 0, size: 0 }, 'a run that wrote nothing has an empty log');
    });

    it('offsets count bytes: text beyond ASCII is read back whole from where the last read stopped', async () => {
      const [writer, reader] = handles.runLogs;
      await writer.append('run-bytes', 'Zürich → ok\n');
      await writer.settle('run-bytes');
      const first = await reader.read('run-bytes', 0, false);
      assert.equal(first.nextOffset, Buffer.byteLength('Zürich → ok\n'));
      await writer.append('run-bytes', 'zweite Zeile ✓\n');
      await writer.settle('run-bytes');
      assert.equal((await reader.read('run-bytes', first.nextOffset, true)).text, 'zweite Zeile ✓\n', 'an ended run\'s log is read to its end at once');
      // A follower of a live log on another replica hears of new output by a notice: within a second.
      const deadline = Date.now() + 1_000;
      let live = await reader.read('run-bytes', first.nextOffset, false);
      while (live.text === '' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        live = await reader.read('run-bytes', first.nextOffset, false);
      }
      assert.equal(live.text, 'zweite Zeile ✓\n');
    });

    it('a run log is masked before it is kept: known secrets and the run\'s credential', async () => {
      const [writer, reader] = handles.runLogs;
      registerSecret('hook-secret-3f9a1c77');
      await writer.append('run-mask', 'webhook hook-secret-3f9a1c77 and token ATATT-run-credential-55\n', ['ATATT-run-credential-55']);
      await writer.settle('run-mask');
      const { text } = await reader.read('run-mask', 0, true);
      assert.equal(text, 'webhook •••••• and token ••••••\n');
    });

    it('a structured plan kept through one handle is read through the other; the newest are kept', async () => {
      const [writer, reader] = handles.runPlans;
      const plan = (add: number): StructuredPlan => ({
        counts: { add, change: 0, replace: 1, destroy: 0, import: 0, move: 0, forget: 0, read: 0, drift: 0, outputs: 0, errored: false },
        resources: [{ address: 'aws_db_instance.main', module: '', type: 'aws_db_instance', name: 'main', action: 'replace', reason: 'replace_because_cannot_update', replacePaths: [['engine']], importing: false }],
        drift: [],
        outputs: [],
        checks: [],
        diagnostics: [],
        truncated: false,
      });
      assert.equal(await reader.get('run-none'), null);
      await writer.put('run-plan-1', plan(1));
      assert.deepEqual(await reader.get('run-plan-1'), plan(1));
      await writer.put('run-plan-1', plan(2));
      assert.equal((await reader.get('run-plan-1'))?.counts.add, 2, 'a plan put again replaces the one kept');
      // Past PRUNE_EVERY (50) puts the oldest go, the newest RUN_PLANS_KEPT_IN_TESTS stay.
      for (let i = 0; i < 60; i++) {
        await writer.put(`run-many-${i}`, plan(i));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      assert.equal(await reader.get('run-plan-1'), null, 'the oldest was pruned');
      assert.equal((await reader.get('run-many-59'))?.counts.add, 59);
    });

    it('a run log stops at its cap, with one note that the rest was dropped', async () => {
      const [writer, reader] = handles.runLogs;
      const line = `${'x'.repeat(99)}\n`;
      for (let i = 0; i < 50; i++) await writer.append('run-cap', line);
      await writer.settle('run-cap');
      const note = `\n[log cut at ${RUN_LOG_CAP} bytes]\n`;
      const { text, size } = await reader.read('run-cap', 0, true);
      assert.equal(size, RUN_LOG_CAP + note.length);
      assert.ok(text.endsWith(`x${note}`), text.slice(-80));
      assert.equal(text.split('[log cut').length, 2, 'one note');
      await writer.append('run-cap', 'after the cap\n');
      await writer.settle('run-cap');
      assert.equal((await reader.read('run-cap', 0, true)).size, size, 'nothing more is kept');
    });
  });
}
