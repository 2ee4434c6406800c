// A drift check on the local runner (R18): in a worktree of the tracked branch's head, `init`, then
// `plan -refresh-only -json -detailed-exitcode` into a plan file, then `show -json` of that file, and
// nothing is ever applied. The plan's `-json` stream goes to the run's log as readable lines; the
// `show -json` document, which holds the real values (sensitive ones too), never goes to the log: it
// is written to the run's own folder (0600, removed with it) and read from there, masked, into the
// result: in sync (exit 0), drifted (exit 2: the resources `resource_drift` names, each with its
// before and after, every value the plan marks sensitive replaced), or unknown (anything else, with
// the reason). The tool is the stack's plan command's program (`tofu`, `terraform`, `bin/tofu`).
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { describeError } from '../../errors';
import { readResourceChange } from '../../plans/resourceChange';
import { readStructuredPlan } from '../../plans/structuredPlan';
import { renderUiLine } from '../../plans/uiStream';
import { MAX_DRIFT_ROWS, MAX_DRIFT_VALUE, SENSITIVE, type DriftResource, type PlanValue, type Runner } from '../../protocol';
import type { DriftOutcome, Execution } from '../execution';
import { GitCheckouts, runFolderOf } from '../gitCheckout';
import { resolveProjectRoot } from '../projectRoot';
import { withRetries } from '../retries';
import { startRunProcess, type RunPlace } from '../runProcess';

type LocalRunner = Extract<Runner, { type: 'local' }>;

/** The plan file, in the project root (inside the worktree, which the sandbox sees; removed with it). */
const PLAN_FILE = '.stackhook-drift.tfplan';
const SHOW_FILE = 'drift-show.json';

export async function checkDriftLocally(execution: Execution, runner: LocalRunner): Promise<DriftOutcome> {
  const { stack, credential, gateway } = execution;
  const { run } = execution.record();
  const checkouts = new GitCheckouts(path.join(execution.book.folder, 'checkouts'));
  const program = runner.plan[0] as string;
  const unknown = (reason: string, stopped = false): DriftOutcome => ({ result: { state: 'unknown', resources: [], count: 0, reason, truncated: false }, summary: `drift unknown: ${reason}`, stopped });
  try {
    const url = await withRetries(execution.settings.retryDelayMs, () => gateway.cloneUrl(credential, stack.repository, {}));
    await execution.write(`Checking ${stack.repository} at ${run.commit?.slice(0, 12)} for drift: a refresh-only plan, never applied.\n`);
    const worktree = await checkouts.checkout(stack.repository, { url, token: credential.secret }, run.commit as string, run.id, execution.signal);
    const place = await resolveProjectRoot(worktree, stack.projectRoot, run.commit ?? '');
    await execution.advance({ state: 'running', step: 'init' });
    const init = await step(execution, [program, 'init', '-input=false', '-no-color'], place, 'log');
    if (init.stopped) return unknown('the check was stopped', true);
    if (init.code !== 0) return unknown(`init failed (exit ${init.code}); see the check's log`);
    await execution.advance({ step: 'plan' });
    const plan = await step(execution, [program, 'plan', '-refresh-only', '-input=false', '-json', '-detailed-exitcode', `-out=${PLAN_FILE}`], place, 'ui');
    if (plan.stopped) return unknown('the check was stopped', true);
    if (plan.code === 0) return { result: { state: 'in-sync', resources: [], count: 0, truncated: false }, summary: 'in sync: no drift found', stopped: false };
    if (plan.code !== 2) return unknown(`the refresh-only plan failed (exit ${plan.code}); see the check's log`);
    const showFile = path.join(runFolderOf(worktree), SHOW_FILE);
    const show = await step(execution, [program, 'show', '-json', PLAN_FILE], place, { file: showFile });
    if (show.stopped) return unknown('the check was stopped', true);
    if (show.code !== 0) return unknown(`show -json failed (exit ${show.code}); see the check's log`);
    return await driftOf(showFile);
  } catch (error) {
    if (execution.signal.aborted) return unknown('the check was stopped', true);
    return unknown(describeError(error).split('\n')[0] ?? 'the check failed');
  } finally {
    await checkouts.remove(stack.repository, run.id).catch(() => undefined);
  }
}

/** The drifted resources of a refresh-only plan's `show -json` document, masked and bounded. */
export async function driftOf(showFile: string): Promise<DriftOutcome> {
  try {
    const plan = await readStructuredPlan(showFile);
    const resources: DriftResource[] = [];
    for (const row of plan.drift.slice(0, MAX_DRIFT_ROWS)) {
      const change = await readResourceChange(showFile, row.address, { drift: true });
      const before = bounded(change?.before ?? null);
      const after = bounded(change?.after ?? null);
      resources.push({ address: row.address, action: change?.action ?? row.action, before: before.value, after: after.value, truncated: (change?.truncated ?? false) || before.cut || after.cut });
    }
    const count = Math.max(plan.counts.drift, plan.drift.length);
    if (count === 0) return { result: { state: 'in-sync', resources: [], count: 0, truncated: false }, summary: 'in sync: no drift found', stopped: false };
    const truncated = plan.truncated || plan.drift.length > MAX_DRIFT_ROWS;
    return { result: { state: 'drifted', resources, count, truncated }, summary: `drifted: ${count} resource${count === 1 ? '' : 's'} changed outside ${'OpenTofu/Terraform'}`, stopped: false };
  } finally {
    await rm(showFile, { force: true }).catch(() => undefined);
  }
}

/** A value kept whole when its JSON is small enough; otherwise a note in its place. */
function bounded(value: PlanValue): { value: PlanValue; cut: boolean } {
  const json = JSON.stringify(value);
  if (json === undefined || json.length <= MAX_DRIFT_VALUE) return { value, cut: false };
  return { value: `(${json.length.toLocaleString('en')} characters, too large to keep; ${SENSITIVE} values were masked)`, cut: true };
}

/**
 * Runs one command of the check: its stdout to the log as it is (`log`), as readable lines of the
 * tool's `-json` UI stream (`ui`), or to a file the log never sees; stderr always to the log.
 */
async function step(execution: Execution, argv: string[], place: RunPlace, stdout: 'log' | 'ui' | { file: string }): Promise<{ code: number | null; stopped: boolean }> {
  const { run } = execution.record();
  // As local.ts's runEnvironment: the run's own variables, nothing of the server's.
  const variables = { STACKHOOK_RUN_ID: run.id, STACKHOOK_STACK: execution.stack.id, STACKHOOK_RUN_KIND: run.kind, STACKHOOK_COMMIT: run.commit ?? '' };
  const started = await startRunProcess(argv, place, variables, execution.book.folder);
  const { child } = started;
  if (child.pid !== undefined) void execution.note({ processGroup: child.pid }).catch(() => undefined);
  let writes = Promise.resolve();
  const log = (text: string) => {
    writes = writes.then(() => execution.write(text));
  };
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    started.signal('SIGTERM');
    killTimer = setTimeout(() => started.signal('SIGKILL'), execution.settings.killGraceMs);
  };
  if (execution.signal.aborted) stop();
  execution.signal.addEventListener('abort', stop, { once: true });
  child.stderr.on('data', (chunk: Buffer) => log(chunk.toString('utf8')));
  let written: Promise<void> = Promise.resolve();
  if (stdout === 'log') child.stdout.on('data', (chunk: Buffer) => log(chunk.toString('utf8')));
  else if (stdout === 'ui') {
    let pending = '';
    const take = (line: string) => {
      const shown = renderUiLine(line);
      if (shown !== null) log(`${shown}\n`);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) take(line);
    });
    child.stdout.on('end', () => pending && take(pending));
  } else {
    const out = createWriteStream(stdout.file, { mode: 0o600 });
    child.stdout.pipe(out);
    written = new Promise((resolve, reject) => {
      out.on('finish', resolve);
      out.on('error', reject);
    });
  }
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', (error) => {
      log(`\n${argv[0]} could not start: ${error.message}\n`);
      resolve(127);
    });
    child.on('close', (exit) => resolve(exit));
  });
  execution.signal.removeEventListener('abort', stop);
  clearTimeout(killTimer);
  await written.catch(() => undefined);
  await writes;
  return { code, stopped: execution.signal.aborted };
}
