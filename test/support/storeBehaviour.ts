// What every store engine must do, whichever holds it: the file store or PostgreSQL. Each engine's
// test opens two handles on one store, as two processes (or replicas) would.
import { strict as assert } from 'node:assert';
import * as z from 'zod';
import type { RecordLog, Registry } from '../../server/store/engine';

export const Entry = z.object({ id: z.string(), n: z.number() });

export interface StoreHandles {
  registries: [Registry, Registry];
  logs: [RecordLog<typeof Entry>, RecordLog<typeof Entry>];
}

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
  });
}
