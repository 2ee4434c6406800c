// Registry scale: how start-up (loading the store) and deleting an integration that detaches many
// stacks grow from a small registry (10 stacks) to a large one (1,000 integrations, 10,000 stacks).
//   node --import tsx bench/registryScale.ts
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Logger } from '../server/log';
import { deleteIntegration } from '../server/operations/integrations';
import type { ServerContext } from '../server/context';
import { RegistryStore } from '../server/store/files/registry';
import { emptyState, type RegistryState } from '../server/registry/state';
import { tempStore } from '../test/support/serverProcess';

interface Shape {
  label: string;
  integrations: number;
  stacks: number;
  /** Stacks on the integration that gets deleted. */
  detached: number;
}

function registryOf(shape: Shape): RegistryState {
  const state = emptyState('ana');
  for (let i = 0; i < shape.integrations; i += 1) {
    state.integrations.push({
      id: `bb-${i}`, name: `BB ${i}`, type: i === 0 ? 'default' : 'space', spaceId: 'root', username: `team${i}@example.com`,
      credentialType: 'api_token', labels: ['prod', `team-${i}`], description: `Integration ${i}`, webhookSecret: `secret-${i}-`.padEnd(43, 'x'), createdAt: new Date().toISOString(),
    });
  }
  for (let s = 0; s < shape.stacks; s += 1) {
    const integration = s < shape.detached ? 0 : 1 + (s % Math.max(1, shape.integrations - 1));
    state.stacks.push({
      id: `stack-${s}`, name: `stack ${s}`, spaceId: 'root', integrationId: `bb-${integration}`, detachedFrom: null,
      repository: `acme/repo-${s % 700}`, branch: 'main', projectRoot: `envs/${s}`, createdAt: new Date().toISOString(),
    });
  }
  return state;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function measure(shape: Shape, repeats: number): Promise<{ load: number; delete: number }> {
  const loads: number[] = [];
  const deletes: number[] = [];
  for (let r = 0; r < repeats; r += 1) {
    const folder = tempStore('stackhook-bench-');
    writeFileSync(path.join(folder, 'registry.json'), JSON.stringify(registryOf(shape)), { mode: 0o600 });
    let started = performance.now();
    const store = await RegistryStore.open(folder, 'ana');
    loads.push(performance.now() - started);
    const context = {
      user: 'ana', store, publicUrl: 'https://hooks.example.com', now: () => new Date(), changed: () => undefined,
      credentials: { get: async () => null, set: async () => undefined }, log: new Logger(() => undefined),
    } as unknown as ServerContext;
    started = performance.now();
    const { detachedStackIds } = await deleteIntegration(context, { id: 'bb-0' });
    deletes.push(performance.now() - started);
    if (detachedStackIds.length !== shape.detached) throw new Error(`expected ${shape.detached} detached, got ${detachedStackIds.length}`);
    store.close();
  }
  return { load: median(loads), delete: median(deletes) };
}

export async function registryScale(): Promise<{ rows: string[][]; goals: { name: string; value: number; goal: number; met: boolean }[] }> {
  const small: Shape = { label: '10 stacks, 2 integrations', integrations: 2, stacks: 10, detached: 10 };
  const large: Shape = { label: '10,000 stacks, 1,000 integrations', integrations: 1_000, stacks: 10_000, detached: 1_000 };
  await measure(small, 2); // warm-up
  const a = await measure(small, 7);
  const b = await measure(large, 7);
  const rows = [
    ['registry', 'load (ms)', 'delete detaching (ms)'],
    [small.label, a.load.toFixed(1), `${a.delete.toFixed(1)} (10 stacks)`],
    [large.label, b.load.toFixed(1), `${b.delete.toFixed(1)} (1,000 stacks)`],
    ['growth (large ÷ small)', (b.load / a.load).toFixed(1), (b.delete / a.delete).toFixed(1)],
  ];
  return { rows, goals: [{ name: 'delete detaching 1,000 of 10,000 stacks (ms)', value: b.delete, goal: 50, met: b.delete <= 50 }] };
}

if (require.main === module) {
  void registryScale().then(({ rows, goals }) => {
    for (const row of rows) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(36) : cell.padStart(24))).join(''));
    for (const goal of goals) console.log(`${goal.name}: ${goal.value.toFixed(1)} (goal ≤ ${goal.goal}) ${goal.met ? 'met' : 'MISSED'}`);
  });
}
