// R26, R27: drift schedules are checked before anything changes, and the scheduler claims each slot
// once across processes, collapses slots missed while it was down into one, and picks up where the
// store says after a restart, driven by a clock of the test's own (nothing waits).
import { strict as assert } from 'node:assert';
import { StackhookError } from '../../../server/errors';
import { Logger } from '../../../server/log';
import { dueSlot, requireDriftSchedule } from '../../../server/registry/driftSchedule';
import { emptyState, type RegistryState, type StoredStack } from '../../../server/registry/state';
import { editStack } from '../../../server/registry/stacks';
import { DriftScheduler } from '../../../server/runs/driftScheduler';
import { FileDriftSlots } from '../../../server/store/files/driftSlots';
import { tempStore } from '../../support/serverProcess';

const hourly = { cron: '0 * * * *', timeZone: 'UTC' };
const at = (iso: string) => new Date(iso);
const quiet = new Logger(() => undefined);

function stateWith(stacks: Partial<StoredStack>[]): RegistryState {
  const state = emptyState('ana');
  for (const [i, stack] of stacks.entries()) {
    state.stacks.push({
      id: `s${i}`,
      name: `s${i}`,
      spaceId: 'root',
      integrationId: 'acme-main',
      detachedFrom: null,
      repository: 'acme/net',
      branch: 'main',
      projectRoot: '',
      createdAt: '2026-01-01T00:00:00.000Z',
      driftSchedule: hourly,
      driftSince: '2026-01-01T00:00:00.000Z',
      ...stack,
    });
  }
  return state;
}

function scheduler(state: RegistryState, slots: FileDriftSlots, clock: { now: Date }, queued: string[], owner = 'p1') {
  return new DriftScheduler({
    store: { read: () => Promise.resolve(state) },
    slots,
    owner,
    now: () => clock.now,
    log: quiet,
    queue: (stack, slot) => {
      queued.push(`${owner} ${stack.id} ${slot.toISOString()}`);
      return Promise.resolve();
    },
  });
}

describe('drift schedules (R26, R27)', () => {
  it('R26: a schedule that is not five cron fields, names an unknown time zone or checks too often is refused with how to fix it', () => {
    const refused = (schedule: { cron: string; timeZone: string }, words: RegExp) => {
      assert.throws(() => requireDriftSchedule(schedule), (error: unknown) => error instanceof StackhookError && error.kind === 'Invalid' && words.test(error.message) && error.extra.field === 'driftSchedule');
    };
    refused({ cron: '61 * * * *', timeZone: 'UTC' }, /not a cron expression.*five fields/);
    refused({ cron: 'every hour', timeZone: 'UTC' }, /not a cron expression/);
    refused({ cron: '0 * * * * *', timeZone: 'UTC' }, /not a cron expression/);
    refused({ cron: '0 * * * *', timeZone: 'Mars/Olympus' }, /time zone "Mars\/Olympus".*IANA/);
    refused({ cron: '* * * * *', timeZone: 'UTC' }, /more often than every 5 minutes/);
    assert.deepEqual(requireDriftSchedule({ cron: ' 30 6 * * 1-5 ', timeZone: 'Europe/Stockholm' }), { cron: '30 6 * * 1-5', timeZone: 'Europe/Stockholm' });
  });

  it('R26: a bad schedule in an edit changes nothing of the stack', () => {
    const state = stateWith([{ driftSchedule: null, driftSince: undefined }]);
    const before = JSON.stringify(state);
    assert.throws(() => editStack(state, 's0', { driftSchedule: { cron: 'nope', timeZone: 'UTC' }, reconcile: 'propose', branch: 'other' }));
    assert.equal(JSON.stringify(state), before);
  });

  it('R27: the slot due is the latest at or before now, later than the last claimed; a named time zone moves it', () => {
    assert.equal(dueSlot(hourly, at('2026-01-01T10:00:00Z'), at('2026-01-01T10:59:59Z')), null);
    assert.equal(dueSlot(hourly, at('2026-01-01T10:00:00Z'), at('2026-01-01T11:00:00Z'))?.toISOString(), '2026-01-01T11:00:00.000Z');
    assert.equal(dueSlot(hourly, at('2026-01-01T10:00:00Z'), at('2026-01-01T15:30:00Z'))?.toISOString(), '2026-01-01T15:00:00.000Z', 'five missed slots are due as one, the latest');
    const stockholm = { cron: '0 6 * * *', timeZone: 'Europe/Stockholm' };
    assert.equal(dueSlot(stockholm, at('2026-01-01T00:00:00Z'), at('2026-01-01T12:00:00Z'))?.toISOString(), '2026-01-01T05:00:00.000Z', '06:00 in Stockholm is 05:00 UTC in winter');
  });

  it('R27: two processes on one store claim each slot once, whoever looks first', async () => {
    const folder = tempStore('stackhook-slots-');
    const state = stateWith([{}, {}, {}]);
    const clock = { now: at('2026-01-01T00:30:00Z') };
    const queued: string[] = [];
    const [one, two] = [scheduler(state, new FileDriftSlots(folder), clock, queued, 'p1'), scheduler(state, new FileDriftSlots(folder), clock, queued, 'p2')];
    await Promise.all([one.tick(), two.tick()]);
    assert.deepEqual(queued, [], 'nothing due before the first slot after the schedule was set');
    for (const hour of ['01', '02', '03']) {
      clock.now = at(`2026-01-01T${hour}:00:00Z`);
      const before: number = queued.length;
      await Promise.all([one.tick(), two.tick()]);
      await Promise.all([two.tick(), one.tick()]);
      assert.equal(queued.length - before, 3, `three checks queued for ${hour}:00, one per stack`);
    }
    const perSlot = new Map<string, number>();
    for (const line of queued) {
      const key = String(line).split(' ').slice(1).join(' ');
      perSlot.set(key, (perSlot.get(key) ?? 0) + 1);
    }
    assert.equal(perSlot.size, 9);
    assert.ok([...perSlot.values()].every((count) => count === 1), `each slot once: ${queued.join('; ')}`);
  });

  it('R27: slots missed while every process was down run once at start-up, and the schedule survives the restart', async () => {
    const folder = tempStore('stackhook-slots-');
    const state = stateWith([{}]);
    const clock = { now: at('2026-01-01T01:00:00Z') };
    const queued: string[] = [];
    await scheduler(state, new FileDriftSlots(folder), clock, queued).tick();
    assert.deepEqual(queued, ['p1 s0 2026-01-01T01:00:00.000Z']);
    // Down from 01:05 to 06:20: five slots missed. A new process on the same store runs one, the latest.
    clock.now = at('2026-01-01T06:20:00Z');
    const restarted = scheduler(state, new FileDriftSlots(folder), clock, queued, 'p3');
    await restarted.tick();
    await restarted.tick();
    assert.deepEqual(queued.slice(1), ['p3 s0 2026-01-01T06:00:00.000Z']);
    // And after a restart within an hour, the slot it already ran is not run again.
    await scheduler(state, new FileDriftSlots(folder), clock, queued, 'p4').tick();
    assert.equal(queued.length, 2);
  });

  it('R27: a detached stack or one without a schedule is never checked; a changed schedule starts from when it changed', async () => {
    const folder = tempStore('stackhook-slots-');
    const state = stateWith([{ integrationId: null }, { driftSchedule: null }, {}]);
    const clock = { now: at('2026-01-01T05:00:00Z') };
    const queued: string[] = [];
    const one = scheduler(state, new FileDriftSlots(folder), clock, queued);
    await one.tick();
    assert.deepEqual(queued, ['p1 s2 2026-01-01T05:00:00.000Z']);
    editStack(state, 's2', { driftSchedule: { cron: '30 * * * *', timeZone: 'UTC' } }, at('2026-01-01T05:10:00Z'));
    clock.now = at('2026-01-01T05:29:00Z');
    await one.tick();
    assert.equal(queued.length, 1);
    clock.now = at('2026-01-01T05:30:00Z');
    await one.tick();
    assert.deepEqual(queued.slice(1), ['p1 s2 2026-01-01T05:30:00.000Z']);
  });
});
