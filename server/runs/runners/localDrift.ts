// A drift check on the local runner (R26): in a worktree of the tracked branch's head, `init`, then
// `plan -refresh-only -json -detailed-exitcode` into a plan file, then `show -json` of that file, and
// nothing is ever applied. The plan's `-json` stream goes to the run's log as readable lines; the
// `show -json` document, which holds the real values (sensitive ones too), never goes to the log: it
// is written to the run's own folder (0600, removed with it) and read from there, masked, into the
// result: in sync (exit 0), drifted (exit 2: the resources `resource_drift` names, each with its
// before and after, every value the plan marks sensitive replaced), or unknown (anything else, with
// the reason). The program is the runner's tool (`program`, or `tofu`/`terraform`), with its
// workspace (selected, never created), var files and extra arguments and the stack's variables; a
// custom runner's is its plan command's program (`tofu`, `bin/tofu`).
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { describeError } from '../../errors';
import { readResourceChange } from '../../plans/resourceChange';
import { readStructuredPlan } from '../../plans/structuredPlan';
import { renderUiLine } from '../../plans/uiStream';
import { cleanLine } from '../../plans/text';
import { DEFAULT_PLAN_COMMAND, DEFAULT_TOOL_PROGRAM, MAX_DRIFT_ROWS, MAX_DRIFT_VALUE, SENSITIVE, localToolOf, type DriftResource, type PlanValue, type Runner } from '../../protocol';
import type { DriftOutcome, Execution } from '../execution';
import { GitCheckouts, runFolderOf } from '../gitCheckout';
import { resolveProjectRoot } from '../projectRoot';
import { withRetries } from '../retries';
import type { RunPlace } from '../runProcess';
import { LineSplitter, runCommand, type CommandResult, type LocalControl } from './localCommand';

type LocalRunner = Extract<Runner, { type: 'local' }>;

/** The plan file, in the project root (inside the worktree, which the sandbox sees; removed with it). */
const PLAN_FILE = '.stackhook-drift.tfplan';
const SHOW_FILE = 'drift-show.json';

export async function checkDriftLocally(execution: Execution, runner: LocalRunner): Promise<DriftOutcome> {
  const { stack, credential, gateway } = execution;
  const { run } = execution.record();
  const checkouts = new GitCheckouts(path.join(execution.book.folder, 'checkouts'));
  const tool = localToolOf(runner);
  // OpenTofu or Terraform as the runner names it; a custom runner's plan command's program (`tofu`, `bin/tofu`).
  const program = tool === 'custom' ? ((runner.plan ?? DEFAULT_PLAN_COMMAND)[0] as string) : (runner.program ?? DEFAULT_TOOL_PROGRAM[tool]);
  const control: LocalControl = { pid: null };
  const unknown = (reason: string, stopped = false): DriftOutcome => ({ result: { state: 'unknown', resources: [], count: 0, reason, truncated: false }, summary: `drift unknown: ${reason}`, stopped });
  try {
    const url = await withRetries(execution.settings.retryDelayMs, () => gateway.cloneUrl(credential, stack.repository, {}));
    await execution.write(`Checking ${stack.repository} at ${run.commit?.slice(0, 12)} for drift: a refresh-only plan, never applied.\n`);
    const worktree = await checkouts.checkout(stack.repository, { url, token: credential.secret }, run.commit as string, run.id, execution.signal);
    const place = await resolveProjectRoot(worktree, stack.projectRoot, run.commit ?? '');
    // The stack's variables (space ones first), then what Stackhook tells every run about itself, as for any local run.
    const env = { ...(await execution.variables()), STACKHOOK_RUN_ID: run.id, STACKHOOK_STACK: stack.id, STACKHOOK_RUN_KIND: run.kind, STACKHOOK_COMMIT: run.commit ?? '' };
    const at = { place, env, control };
    await execution.advance({ state: 'running', step: 'init' });
    const init = await step(execution, [program, 'init', '-input=false', '-no-color'], at, 'log');
    if (init.stopped) return unknown('the check was stopped', true);
    if (init.code !== 0) return unknown(`init failed (exit ${init.code}); see the check's log`);
    if (tool !== 'custom' && runner.workspace !== undefined) {
      // Only selected: a drift check creates nothing, a workspace included.
      await execution.advance({ step: 'workspace' });
      const selected = await step(execution, [program, 'workspace', 'select', '-no-color', runner.workspace], at, 'log');
      if (selected.stopped) return unknown('the check was stopped', true);
      if (selected.code !== 0) return unknown(`the workspace ${runner.workspace} could not be selected (exit ${selected.code}); see the check's log`);
    }
    await execution.advance({ step: 'plan' });
    const extra = tool === 'custom' ? [] : [...(runner.varFiles ?? []).map((file) => `-var-file=${file}`), ...(runner.extraArgs ?? [])];
    const plan = await step(execution, [program, 'plan', '-refresh-only', '-input=false', '-json', '-detailed-exitcode', `-out=${PLAN_FILE}`, ...extra], at, 'ui');
    if (plan.stopped) return unknown('the check was stopped', true);
    if (plan.code === 0) return { result: { state: 'in-sync', resources: [], count: 0, truncated: false }, summary: 'in sync: no drift found', stopped: false };
    if (plan.code !== 2) return unknown(`the refresh-only plan failed (exit ${plan.code}); see the check's log`);
    const showFile = path.join(runFolderOf(worktree), SHOW_FILE);
    await execution.advance({ step: 'show' });
    const show = await step(execution, [program, 'show', '-json', '-no-color', PLAN_FILE], at, { file: showFile });
    if (show.stopped) return unknown('the check was stopped', true);
    if (show.code !== 0) return unknown(`show -json failed (exit ${show.code}); see the check's log`);
    return await driftOf(showFile);
  } catch (error) {
    if (execution.signal.aborted) return unknown('the check was stopped', true);
    return unknown(cleanLine(describeError(error).split('\n')[0] ?? 'the check failed', 300));
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
 * tool's `-json` UI stream (`ui`), or to a file the log never sees (`show -json`: real values); stderr
 * always to the log, cleaned.
 */
async function step(execution: Execution, argv: string[], at: { place: RunPlace; env: Record<string, string>; control: LocalControl }, stdout: 'log' | 'ui' | { file: string }): Promise<CommandResult> {
  const errors = new LineSplitter(async (line) => {
    const text = cleanLine(line, 2_000);
    if (text) await execution.write(`${text}\n`);
  });
  const lines = new LineSplitter(async (line) => {
    const text = stdout === 'ui' ? renderUiLine(line) : cleanLine(line, 2_000);
    if (text) await execution.write(`${text}\n`);
  });
  const out = typeof stdout === 'object' ? createWriteStream(stdout.file, { mode: 0o600 }) : null;
  return runCommand(execution, argv, at.place, at.env, at.control, {
    stdout: (chunk) => (out ? new Promise<void>((resolve) => (out.write(chunk) ? resolve() : out.once('drain', resolve))) : lines.push(chunk)),
    stderr: (chunk) => errors.push(chunk),
    end: async () => {
      await lines.flush();
      await errors.flush();
      if (out) await new Promise<void>((resolve) => out.end(resolve));
    },
  });
}
