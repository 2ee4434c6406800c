// Executes one run this process has claimed, while it holds the run's stack lock: every step is
// recorded under the claim's fence before it happens, and a watcher ends the run's processes as soon
// as the claim or the lock is lost, a Cancel is recorded, or a Confirm or Discard is decided.
import { policyForRun } from './policyGate';
import type { BitbucketCredential } from '../bitbucket/gateway';
import { describeError, invalid } from '../errors';
import { redact } from '../log';
import type { Runner } from '../protocol';
import { LOCAL_RUNNER_OFF } from '../registry/access';
import { runSettingsOf, type StoredStack } from '../registry/state';
import { credentialOf } from '../secrets/credentialStore';
import { allSecretValues, variableEnvironment } from '../secrets/variableSecrets';
import { variablesOfStack } from '../registry/variables';
import { THIS_PROCESS } from '../store/processIdentity';
import { maskCredential } from '../store/runLogText';
import type { StackLease } from '../store/storeEngine';
import { RunHalted, type Execution, type Outcome } from './execution';
import { runnerKindOf } from './runners/runnerKinds';
import { report, reportPlanned } from './reporters/report';
import type { ReportContext } from './reporters/reporter';
import { withRetries } from './retries';
import type { RunBook, RunChange } from './runBook';
import { checkDrift } from './driftCheck';
import type { RunRequest } from './queue';
import { isFinal, type RunRecord } from './runEvent';
import type { RunHost } from './service';
import type { RunSettings } from './settings';

/** A run queued this long ago that never started is not started any more: its commit may be long superseded. */
export const ABANDONED_AFTER_MS = 15 * 60_000;

/** What the engine keeps of a run this process executes, for requests that reach it. */
export interface ActiveRun {
  readonly controller: AbortController;
  /** Why the run was aborted, once it was. */
  halt: 'stop' | 'lost' | 'timeout' | 'detached' | null;
  decide: ((decision: 'confirm' | 'discard') => void) | null;
}

export interface ExecutionDeps {
  readonly context: RunHost;
  readonly book: RunBook;
  readonly settings: RunSettings;
  readonly webOrigin: string;
  readonly runLink: (run: { id: string }) => string;
  /** Local runs take a slot of this machine's limit. */
  readonly slot: <T>(work: () => Promise<T>) => Promise<T>;
  /** Drift checks also take one of this machine's drift slots (R27). */
  readonly driftSlot: <T>(work: () => Promise<T>) => Promise<T>;
  /** Queues a run as a person's request would (a drifted check's reconcile run, R28); absent where nothing queues. */
  readonly queue?: ((request: RunRequest) => Promise<unknown>) | undefined;
}

/**
 * Runs `runId`, claimed at `fence`; `takeOverFrom` names the process that held it before, when it
 * started elsewhere. Resolves when the run has ended and reported (or was lost to another process).
 */
export async function executeRun(deps: ExecutionDeps, active: ActiveRun, runId: string, fence: number, takeOverFrom: string | null, lease: StackLease): Promise<void> {
  const { book, context } = deps;
  const now = () => context.now().toISOString();
  const record = book.record(runId) as RunRecord;
  const fenced = async (change: RunChange) => book.write(runId, { ...change, fence });
  // Said in the run's own log, because on replicas each keeps its own log files: this is where to look for the rest.
  if (takeOverFrom !== null && takeOverFrom !== THIS_PROCESS) await book.logs.append(runId, `Taken over by ${THIS_PROCESS} from ${takeOverFrom}: that server stopped before the run ended.\n`);
  const state = await context.store.read();
  const stack = state.stacks.find((candidate) => candidate.id === record.run.stackId);
  const integration = stack?.integrationId ? state.integrations.find((candidate) => candidate.id === stack.integrationId) : undefined;
  if (!stack || !integration) {
    const why = !stack ? 'its stack was deleted' : 'its stack is detached (R12): give it an integration to run it';
    await fenced({ state: 'failed', endedAt: now(), summary: `not run: ${why}` });
    return;
  }
  const { runner } = runSettingsOf(stack);
  const kind = runnerKindOf(runner);
  if (kind.needsLocalRunner && context.team?.localRunner === false) {
    await fenced({ state: 'failed', endedAt: now(), summary: `not run: ${LOCAL_RUNNER_OFF}` });
    return;
  }
  const started = record.run.state !== 'queued';
  if (!started && context.now().getTime() - Date.parse(record.run.createdAt) > ABANDONED_AFTER_MS && (takeOverFrom !== null || record.origin !== THIS_PROCESS)) {
    // Its server stopped before starting it, long ago: applying an old commit now could undo newer work.
    await fenced({ state: 'failed', endedAt: now(), summary: 'not run: it waited too long for a server that stopped; trigger a new run for the branch as it is now' });
    return;
  }
  let credential: BitbucketCredential;
  try {
    credential = await credentialOf(context.credentials, integration);
  } catch (error) {
    await fenced({ state: 'failed', endedAt: now(), summary: firstLine(redact(describeError(error))) });
    return;
  }
  const attached = () => stillAttached(context, stack.id, integration.id);
  const reporting: ReportContext = {
    gateway: context.bitbucket,
    book,
    credential,
    stack,
    runLink: deps.runLink,
    retryDelayMs: deps.settings.retryDelayMs,
    fence,
    attached,
    runPlans: context.runPlans,
  };

  // Taken over: a run that was still waiting its turn runs here; one that had started is followed
  // again where its kind's work goes on elsewhere (a pipeline, looked for first if its trigger's answer
  // was lost), and otherwise does not run twice: what it left running is ended, and it is interrupted.
  if (takeOverFrom !== null && started && kind.afterCrash === 'interrupted') {
    kind.endLeftovers?.(record, book.folder);
    const marked = await fenced({ state: 'failed', endedAt: now(), summary: 'interrupted: the Stackhook server running it stopped before it ended' });
    if (marked.accepted) await report(reporting, runId, 'interrupted');
    return;
  }

  const timeout = setTimeout(() => abort(active, 'timeout'), deps.settings.timeoutMs);
  const onLost = () => abort(active, 'lost');
  lease.lost.addEventListener('abort', onLost, { once: true });
  if (lease.lost.aborted) onLost();
  const watcher = setInterval(() => void watch(book, runId, fence, active, attached), Math.max(100, Math.min(deps.settings.pollMs, 1_000)));
  let outcome: Outcome | null = null;
  try {
    outcome = await runWith(deps, runId, fence, reporting, active, runner, takeOverFrom !== null && started, attached);
  } catch (error) {
    if (error instanceof RunHalted) {
      if (error.reason === 'stopped') outcome = { state: 'stopped', summary: 'stopped' };
    } else {
      const message = maskCredential(redact(describeError(error)), credential.secret);
      await book.logs.append(runId, `\n${message}\n`, [credential.secret]);
      outcome = { state: 'failed', summary: firstLine(message) };
    }
  } finally {
    clearTimeout(timeout);
    clearInterval(watcher);
    lease.lost.removeEventListener('abort', onLost);
  }
  if (active.halt === 'lost') {
    context.log.warn(`Run ${runId} was taken over by another process (or this one lost the stack's lock): it stopped here and recorded nothing more.`);
    return;
  }
  if (outcome && !isFinal(book.record(runId)?.run ?? { state: 'queued' })) {
    const summary = active.halt === 'detached' ? 'stopped: its stack was detached (R12)' : outcome.summary;
    const ended = await fenced({ state: outcome.state, endedAt: now(), ...(summary !== null ? { summary: redact(summary) } : {}) });
    if (!ended.accepted && ended.record?.fence !== fence) return;
  }
  if ((book.record(runId)?.fence ?? fence) !== fence) return;
  await report(reporting, runId, 'ended');
}

async function runWith(deps: ExecutionDeps, runId: string, fence: number, reporting: ReportContext, active: ActiveRun, runner: Runner, resumed: boolean, attached: () => Promise<boolean>): Promise<Outcome> {
  const { book, context, settings } = deps;
  const { stack, credential } = reporting;
  const advance = async (change: RunChange) => {
    const written = await book.write(runId, { ...change, fence });
    if (written.accepted) return;
    const now = written.record;
    if (!now || now.fence !== fence) {
      abort(active, 'lost');
      throw new RunHalted('lost', `Run ${runId} was taken over by another process.`);
    }
    if (isFinal(now.run)) throw new RunHalted('ended', `Run ${runId} has ended (${now.run.state}).`);
    abort(active, 'stop');
    throw new RunHalted('stopped', `Run ${runId} is being stopped.`);
  };
  const variableSecrets: string[] = [];
  const record = book.record(runId) as RunRecord;
  if (record.run.state === 'queued') {
    let commit = record.run.commit;
    if (commit === null) {
      // A manual run runs the branch's head as it is now.
      const branch = await withRetries(settings.retryDelayMs, () => context.bitbucket.getBranch(credential, stack.repository, record.run.branch, {}));
      if (!branch) throw invalid(`The branch ${record.run.branch} does not exist in ${stack.repository}: create it, or point the stack at another branch.`);
      commit = branch.commit;
    }
    await advance({ state: 'preparing', commit, startedAt: context.now().toISOString(), runner: runner.type });
    await report(reporting, runId, 'started');
  }
  const execution: Execution = {
    runId,
    resumed,
    stack,
    credential,
    gateway: context.bitbucket,
    book,
    settings,
    log: context.log,
    signal: active.controller.signal,
    repositoryPage: `${deps.webOrigin}/${stack.repository}`,
    publicUrl: context.publicUrl.replace(/\/+$/, ''),
    record: () => book.record(runId) as RunRecord,
    advance: async (change) => {
      await advance(change);
      // A run that waits for confirmation says so on its commit, not "preparing" until it ends.
      if (change.state === 'unconfirmed') await report(reporting, runId, 'waiting');
    },
    note: async (change) => {
      await book.write(runId, { ...change, fence });
    },
    write: (text) => book.logs.append(runId, text, [credential.secret, ...variableSecrets]),
    variables: async () => {
      const state = await context.store.read();
      const current = state.stacks.find((candidate) => candidate.id === stack.id) ?? stack;
      const { env, secrets } = await variableEnvironment(context.credentials, variablesOfStack(state, current.id, current.spaceId));
      variableSecrets.push(...secrets, ...(await allSecretValues(context.credentials, state.variables)));
      return env;
    },
    variablesApart: async (withSecrets) => {
      const state = await context.store.read();
      const current = state.stacks.find((candidate) => candidate.id === stack.id) ?? stack;
      const variables = variablesOfStack(state, current.id, current.spaceId);
      const plain = Object.fromEntries(variables.filter((variable) => !variable.secret).map((variable) => [variable.name, variable.value ?? '']));
      const secretOnes = variables.filter((variable) => variable.secret);
      const { env, secrets } = withSecrets ? await variableEnvironment(context.credentials, secretOnes) : { env: {}, secrets: [] };
      variableSecrets.push(...secrets);
      return { plain, secret: env, secretNames: secretOnes.map((variable) => variable.name) };
    },
    appliedSincePlan: () => appliedSince(book, runId),
    planKey: context.planKey ?? null,
    runPlans: context.runPlans ?? null,
    planned: () => reportPlanned(reporting, runId),
    evaluatePolicy: async (plan) => {
      const state = await context.store.read();
      return policyForRun(state, state.stacks.find((candidate) => candidate.id === stack.id) ?? stack, plan);
    },
    decision: () =>
      new Promise((resolve) => {
        active.decide = resolve;
        // Decided before this run got here (another process recorded it): the watcher's next look says so too.
        const decided = book.record(runId);
        if (decided?.decision) resolve(decided.decision.kind);
      }),
    attached,
    halt: () => active.halt,
  };
  const { autodeploy } = runSettingsOf(stack);
  const kind = runnerKindOf(runner);
  if (record.run.kind === 'drift') return deps.driftSlot(() => checkDrift(deps, execution, runner));
  // R28: a run a drift check proposed waits for Confirm, whatever the stack's autodeploy says.
  const run = () => kind.run(execution, runner, { autodeploy: autodeploy && record.run.trigger !== 'drift' });
  return kind.takesLocalSlot ? deps.slot(run) : run();
}

/** Why the run's plan is stale because another run of its stack started to apply after it was made, or null. */
export function appliedSince(book: RunBook, runId: string): string | null {
  const record = book.record(runId);
  if (!record?.plannedAt) return null;
  const plannedAt = record.plannedAt;
  const later = book.recordsOfStack(record.run.stackId).find((other) => other.run.id !== runId && other.appliedAt !== null && other.appliedAt > plannedAt);
  return later ? `the run ${later.run.id} applied to the stack after this plan was made` : null;
}

/** What other processes recorded for the run, looked at every so often: a lost claim, a Cancel, a decision, a detach. */
async function watch(book: RunBook, runId: string, fence: number, active: ActiveRun, attached: () => Promise<boolean>): Promise<void> {
  await book.refresh().catch(() => undefined);
  const record = book.record(runId);
  if (!record) return;
  if (record.fence !== fence) return abort(active, 'lost');
  if (record.stop !== null) return abort(active, 'stop');
  if (record.run.state === 'discarded' || record.decision?.kind === 'discard') return active.decide?.('discard');
  if (record.decision?.kind === 'confirm') active.decide?.('confirm');
  if (!(await attached().catch(() => true))) abort(active, 'detached');
}

/** Ends what the run is doing (its processes get TERM, then KILL) and says why, once. */
export function abort(active: ActiveRun, why: NonNullable<ActiveRun['halt']>): void {
  if (active.halt === null || why === 'lost') active.halt = why;
  active.controller.abort();
  active.decide?.('discard');
}

/** Whether the stack still exists with the integration the run started with. */
async function stillAttached(context: RunHost, stackId: string, integrationId: string): Promise<boolean> {
  const state = await context.store.read();
  const stack = state.stacks.find((candidate) => candidate.id === stackId);
  return stack?.integrationId === integrationId && state.integrations.some((candidate) => candidate.id === integrationId);
}

export function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

export type { StoredStack };
