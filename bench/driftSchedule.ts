// Benchmark 9, drift schedules (R27): 1,000 stacks on an hourly schedule, two schedulers on one file
// store (the registry file and drift-slots.json, as two processes on one machine keep them; both in
// this process, each with its own handles), driven by a clock of the benchmark's own. Measured: the
// checks queued per slot ÷ the stacks due (goal 1.00: each slot once, none missed, across both
// schedulers, over three slots), how long the look that claims a slot of 1,000 stacks takes, and the
// CPU the schedulers spend in an idle hour, looking every 20 s (STACKHOOK_DRIFT_TICK_MS's default)
// with nothing due.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Logger } from '../server/log';
import { DriftScheduler } from '../server/runs/driftScheduler';
import { DEFAULT_RUN_SETTINGS } from '../server/runs/settings';
import { FileDriftSlots } from '../server/store/files/driftSlots';
import { RegistryStore } from '../server/store/files/registry';
import { atLeast, atMost, type BenchmarkResult } from './support/result';

const STACKS = 1_000;
const SLOTS = 3;
const HOUR = 60 * 60_000;

export async function driftSchedule(): Promise<BenchmarkResult> {
  const folder = mkdtempSync(path.join(tmpdir(), 'stackhook-bench-drift-'));
  try {
    const start = Date.UTC(2026, 0, 1, 0, 0, 0);
    const writer = await RegistryStore.open(folder, 'ana');
    await writer.update((draft) => {
      for (let i = 0; i < STACKS; i++) {
        draft.stacks.push({
          id: `stack-${i}`,
          name: `stack-${i}`,
          spaceId: 'root',
          integrationId: 'acme-main',
          detachedFrom: null,
          repository: `acme/repo-${i}`,
          branch: 'main',
          projectRoot: '',
          createdAt: new Date(start).toISOString(),
          driftSchedule: { cron: '0 * * * *', timeZone: 'UTC' },
          driftSince: new Date(start).toISOString(),
        });
      }
    });
    writer.close();
    const clock = { now: start + 30 * 60_000 };
    const queued = new Map<number, number>();
    const quiet = new Logger(() => undefined);
    const schedulers = await Promise.all(
      ['p1', 'p2'].map(async (owner) => {
        const store = await RegistryStore.open(folder, 'ana');
        return new DriftScheduler({
          store,
          slots: new FileDriftSlots(folder),
          owner,
          now: () => new Date(clock.now),
          log: quiet,
          queue: (_stack, slot) => {
            queued.set(slot.getTime(), (queued.get(slot.getTime()) ?? 0) + 1);
            return Promise.resolve();
          },
        });
      }),
    );
    const lookAll = () => Promise.all(schedulers.map((scheduler) => scheduler.tick()));
    await lookAll();

    const claimMs: number[] = [];
    let idleCpuMs = 0;
    let idleLooks = 0;
    for (let slot = 1; slot <= SLOTS; slot++) {
      clock.now = start + slot * HOUR;
      const began = performance.now();
      await lookAll();
      claimMs.push(performance.now() - began);
      // An idle hour: every 20 s each scheduler looks and finds nothing due.
      const cpu = process.cpuUsage();
      for (let at = clock.now + DEFAULT_RUN_SETTINGS.driftTickMs; at < start + (slot + 1) * HOUR; at += DEFAULT_RUN_SETTINGS.driftTickMs) {
        clock.now = at;
        await lookAll();
        idleLooks += 1;
      }
      const used = process.cpuUsage(cpu);
      idleCpuMs += (used.user + used.system) / 1_000;
    }
    const perSlot = [...queued.values()];
    const ratio = perSlot.length === SLOTS ? Math.max(...perSlot.map((count) => count / STACKS)) : 0;
    const lowest = perSlot.length === SLOTS ? Math.min(...perSlot.map((count) => count / STACKS)) : 0;
    const cpuPerHour = idleCpuMs / SLOTS;
    const claimMedian = [...claimMs].sort((a, b) => a - b)[Math.floor(claimMs.length / 2)] ?? 0;
    return {
      title: 'Drift schedules',
      rows: [
        ['figure', 'value'],
        ['stacks on an hourly schedule', String(STACKS)],
        ['schedulers on one file store', String(schedulers.length)],
        ['checks queued per slot (3 slots)', perSlot.join(', ')],
        ['look that claims a slot of 1,000 stacks (median)', `${claimMedian.toFixed(1)} ms`],
        ['idle looks per hour (both schedulers)', String((idleLooks / SLOTS) * schedulers.length)],
        ['CPU per idle hour (both schedulers)', `${cpuPerHour.toFixed(1)} ms`],
      ],
      goals: [
        // 1.00 exactly: the most never above (no slot twice), the fewest never below (none missed).
        atMost('drift checks queued per slot ÷ stacks due (most)', ratio, 1, '', 2),
        atLeast('drift checks queued per slot ÷ stacks due (fewest)', lowest, 1, '', 2),
        atMost('drift scheduler CPU per idle hour', cpuPerHour, 1_000, 'ms', 1, 'each look reads the registry (re-read only when another process changed it) and compares each stack\'s next slot with the clock'),
      ],
      notes: [
        `${STACKS} stacks, "0 * * * *" UTC; two DriftSchedulers on one store folder, each with its own RegistryStore and FileDriftSlots; a clock of the benchmark's own; ${SLOTS} slots; a look every ${DEFAULT_RUN_SETTINGS.driftTickMs / 1_000} s between them.`,
        'Queued checks are counted, not run: what a check costs is the runs benchmark\'s.',
      ],
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
