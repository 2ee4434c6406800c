// The `local` runner: the stack's commands run on this machine, in a worktree of the run's commit,
// with the stack's variables in their environment. OpenTofu and Terraform runs are driven step by
// step (toolRun.ts: Confirm applies the saved plan file); a custom runner runs its argv plan and
// apply. Proposed runs plan; tracked runs plan, then wait for Confirm or Discard (or apply at once
// with autodeploy). Commands run in their own process group so a cancel ends them all.
// A run cut off when its server died is not run twice: what it left running is ended and the run is
// interrupted. Each run takes one of this machine's slots, and a team server runs it only where its
// host allows (`--local-runner`). The runner check looks for git and the plan command on this machine.
import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_PLAN_COMMAND, DEFAULT_TOOL_PROGRAM, localToolOf, type Runner, type RunnerCheck } from '../../protocol';
import type { Execution, Outcome } from '../execution';
import { GitCheckouts } from '../gitCheckout';
import { planSummary, stepFailed } from '../planSummary';
import { resolveProjectRoot } from '../projectRoot';
import { withRetries } from '../retries';
import { endLeftover, type RunPlace } from '../runProcess';
import { runCommand, type LocalControl } from './localCommand';
import { runTool } from './toolRun';
import type { RunnerCheckTarget, RunnerKind } from './runnerKind';

/** A `local` runner's settings: its plan and apply commands. */
type LocalRunner = Extract<Runner, { type: 'local' }>;

export const LOCAL_SCOPES = ['read:repository:bitbucket', 'read:pullrequest:bitbucket'];

export const localRunner: RunnerKind<LocalRunner> = {
  run: (execution, runner, { autodeploy }) => runLocally(execution, runner, autodeploy),
  check: checkLocal,
  scopes: LOCAL_SCOPES,
  afterCrash: 'interrupted',
  endLeftovers: (record, folder) => {
    if (record.processGroup !== null) endLeftover(record.processGroup, path.join(folder, 'checkouts'));
  },
  takesLocalSlot: true,
  needsLocalRunner: true,
};

export async function runLocally(execution: Execution, runner: LocalRunner, autodeploy: boolean): Promise<Outcome> {
  const { stack, credential, gateway } = execution;
  const { run } = execution.record();
  const checkouts = new GitCheckouts(path.join(execution.book.folder, 'checkouts'));
  const control: LocalControl = { pid: null };
  try {
    const url = await withRetries(execution.settings.retryDelayMs, () => gateway.cloneUrl(credential, stack.repository, {}));
    await execution.write(`Checking out ${run.commit?.slice(0, 12)} of ${stack.repository}.\n`);
    const worktree = await checkouts.checkout(stack.repository, { url, token: credential.secret }, run.commit as string, run.id, execution.signal);
    const place = await resolveProjectRoot(worktree, stack.projectRoot, run.commit ?? '');
    // The stack's variables (space ones first), then what Stackhook tells every run about itself.
    const env = { ...(await execution.variables()), ...runEnvironment(execution) };
    const tool = localToolOf(runner);
    if (tool !== 'custom') return await runTool(execution, { ...runner, tool }, autodeploy, { place, env, control });
    return await runCustom(execution, runner, autodeploy, place, env, control);
  } finally {
    await checkouts.remove(stack.repository, run.id).catch(() => undefined);
  }
}

/** The custom runner: the stack's argv `plan` and `apply`, as they always ran (apply plans again: no plan file). */
async function runCustom(execution: Execution, runner: LocalRunner, autodeploy: boolean, place: RunPlace, env: Record<string, string>, control: LocalControl): Promise<Outcome> {
  const { run } = execution.record();
  const plan = runner.plan ?? DEFAULT_PLAN_COMMAND;
  const apply = runner.apply ?? null;
  // Recorded before the plan starts, under this process's claim: a process that lost the run starts nothing.
  await execution.advance({ state: 'running', step: 'plan' });
  const planned = await command(execution, plan, place, env, control);
  if (planned.stopped) return { state: 'stopped', summary: 'stopped' };
  if (planned.code !== 0) return { state: 'failed', summary: stepFailed('plan', planned.code) };
  const summary = planSummary(planned.output);
  if (run.kind === 'proposed' || apply === null) return { state: 'finished', summary: summary ?? 'plan finished' };
  if (!autodeploy) {
    await execution.advance({ state: 'unconfirmed', ...(summary ? { summary } : {}) });
    const decision = await Promise.race([execution.decision(), aborted(execution.signal)]);
    if (execution.signal.aborted) return { state: 'stopped', summary: 'stopped while waiting for confirmation' };
    if (decision === 'discard') return { state: 'discarded', summary: summary ? `discarded: ${summary}` : 'discarded' };
  }
  // R12: a stack detached while its run waited applies nothing, and uses nothing of the integration it lost.
  if (!(await execution.attached())) return { state: 'failed', summary: 'not applied: its stack was detached (R12)' };
  // The Confirm and this step are one decision in the store: a Discard or Cancel recorded first refuses it.
  await execution.advance({ state: 'applying', step: 'apply' });
  const applied = await command(execution, apply, place, env, control);
  if (applied.stopped) return { state: 'stopped', summary: 'stopped while applying' };
  if (applied.code !== 0) return { state: 'failed', summary: stepFailed('apply', applied.code) };
  return { state: 'finished', summary: planSummary(applied.output) ?? summary ?? 'applied' };
}

function aborted(signal: AbortSignal): Promise<'discard'> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve('discard');
    signal.addEventListener('abort', () => resolve('discard'), { once: true });
  });
}

/** What the run tells its commands about itself; runProcess.ts adds PATH, HOME and the rest, never the server's environment. */
export function runEnvironment(execution: Execution): Record<string, string> {
  const { run } = execution.record();
  return { STACKHOOK_RUN_ID: run.id, STACKHOOK_STACK: execution.stack.id, STACKHOOK_RUN_KIND: run.kind, STACKHOOK_COMMIT: run.commit ?? '' };
}

/** Runs one argv command, its output into the log as it comes (and kept, for the plan line). */
async function command(execution: Execution, argv: string[], place: RunPlace, env: Record<string, string>, control: LocalControl): Promise<{ code: number | null; output: string; stopped: boolean }> {
  let output = '';
  const take = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    if (output.length < 1_000_000) output += text;
    return execution.write(text);
  };
  const result = await runCommand(execution, argv, place, env, control, { stdout: take, stderr: take });
  return { ...result, output };
}

/** git and the plan command are on this machine. */
async function checkLocal({ runner }: RunnerCheckTarget<LocalRunner>): Promise<RunnerCheck['problems']> {
  const problems: RunnerCheck['problems'] = [];
  if (!onPath('git')) problems.push({ problem: 'no-git', message: 'git is not installed on this machine, so the local runner cannot check out the commit.', fix: 'Install git (apt-get install git).' });
  const tool = localToolOf(runner);
  const program = tool === 'custom' ? ((runner.plan ?? DEFAULT_PLAN_COMMAND)[0] ?? '') : (runner.program ?? DEFAULT_TOOL_PROGRAM[tool]);
  // A program given by a path inside the repository is only there in a checkout: nothing to check here.
  const inRepository = tool !== 'custom' && !program.startsWith('/') && program.includes('/');
  if (!inRepository && !onPath(program)) {
    problems.push({ problem: 'no-command', message: `The ${tool === 'custom' ? 'plan command' : 'program'} ${program} is not on this machine's PATH.`, fix: `Install ${program}, or change the stack's ${tool === 'custom' ? 'plan command' : 'program'}.` });
  }
  return problems;
}

function onPath(program: string): boolean {
  const candidates = program.includes('/') ? [program] : (process.env.PATH ?? '').split(path.delimiter).map((folder) => path.join(folder, program));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
