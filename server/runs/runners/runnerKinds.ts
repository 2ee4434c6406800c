// Every runner kind, one entry per member of the protocol's Runner union: a kind added to the union
// and not here does not compile. Adding one is a file in this folder and its line below.
import type { Runner } from '../../protocol';
import { localRunner } from './local';
import { pipelinesRunner } from './pipelines';
import type { RunnerKind } from './runnerKind';

type RunnerKinds = { readonly [T in Runner['type']]: RunnerKind<Extract<Runner, { type: T }>> };

export const RUNNER_KINDS: RunnerKinds = {
  pipelines: pipelinesRunner,
  local: localRunner,
};

/** The kind of a runner, typed for it. */
export function runnerKindOf<R extends Runner>(runner: R): RunnerKind<R> {
  // TypeScript cannot tie the table's entry to the runner's own type; the mapped type above does.
  return RUNNER_KINDS[runner.type] as unknown as RunnerKind<R>;
}
