// A local run of OpenTofu or Terraform, driven step by step so that Confirm applies exactly the plan
// that was confirmed: `version` (recorded on the run), `init`, the workspace (selected, or created
// when missing), `plan -out=<plan file> -json -detailed-exitcode` with the UI stream rendered into
// the log as readable lines as it comes, `show -json` into the structured plan kept with the run,
// and on Confirm (or autodeploy) `apply` of that plan file and nothing else. Every step that starts
// a process is recorded under the run's claim before it starts (execution.advance). A plan without
// changes finishes "No changes." and never waits. The plan file (0600, sealed on a team server)
// lives in the run's folder and goes when the run ends, or once PLAN_KEPT_MS has passed.
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_TOOL_PROGRAM, type LocalRunner, type PlanCounts, type StructuredPlan } from '../../protocol';
import { locatePlan } from '../../plans/resourceLocations';
import { readStructuredPlan } from '../../plans/structuredPlan';
import { renderUiLine, UiStreamTally } from '../../plans/uiStream';
import { cleanLine } from '../../plans/text';
import type { Execution, Outcome } from '../execution';
import { runFolderOf } from '../gitCheckout';
import { ensurePlanDocuments, PLAN_FILE, PLAN_KEPT_MS, planDocumentOf, protectFile, removePlanFile, unprotectTo } from '../planFiles';
import { renderCounts, stepFailed } from '../planSummary';
import { heldByPolicy } from '../policyGate';
import { sandboxSupport } from '../sandbox';
import type { RunPlace } from '../runProcess';
import { LineSplitter, runCommand, type CommandResult, type LocalControl } from './localCommand';

type ToolRunner = LocalRunner & { tool: 'opentofu' | 'terraform' };

/** What the tool run needs beyond the execution: where its commands run and their environment. */
export interface ToolRunPlace {
  place: RunPlace;
  /** The run's environment: Stackhook's run variables and the stack's variables. */
  env: Readonly<Record<string, string>>;
  control: LocalControl;
}

/** The plan file, as the server sees it and as the tool (in its sandbox, /tmp is the run's tmp folder) names it. */
async function planFilePaths(place: RunPlace): Promise<{ host: string; tool: string }> {
  const host = path.join(runFolderOf(place.worktree), 'tmp', PLAN_FILE);
  return { host, tool: (await sandboxSupport()).available ? `/tmp/${PLAN_FILE}` : host };
}

/** The plan's counts in the tool's words (what `summary` and the build status say). */
export function countsSummary(counts: PlanCounts): string {
  return renderCounts({ operation: 'plan', add: counts.add + counts.replace, change: counts.change, remove: counts.destroy + counts.replace, import: counts.import, forget: counts.forget });
}

export async function runTool(execution: Execution, runner: ToolRunner, autodeploy: boolean, at: ToolRunPlace): Promise<Outcome> {
  const { run } = execution.record();
  const program = runner.program ?? DEFAULT_TOOL_PROGRAM[runner.tool];
  const planFile = await planFilePaths(at.place);
  const label = `plan:${run.id}`;
  const keptMs = Math.min(PLAN_KEPT_MS, execution.settings.planKeptMs);
  const key = execution.planKey;
  const step = async (name: string, argv: string[], handle: (result: CommandResult) => void = () => undefined) => {
    await execution.advance({ state: 'running', step: name });
    const result = await rendered(execution, [program, ...argv], at);
    handle(result);
    return result;
  };
  try {
    // 1. The version, on the run and in its log; then init and the workspace.
    await execution.advance({ state: 'running', step: 'version' });
    let versionLine = '';
    const version = await runCommand(execution, [program, 'version'], at.place, at.env, at.control, {
      stdout: async (chunk) => {
        const text = chunk.toString('utf8');
        if (versionLine === '') versionLine = cleanLine(text.split('\n')[0] ?? '', 200);
        await execution.write(text);
      },
      stderr: (chunk) => execution.write(chunk.toString('utf8')),
    });
    if (version.stopped) return { state: 'stopped', summary: 'stopped' };
    if (version.code !== 0) return { state: 'failed', summary: `${program} version failed (${version.code === 127 ? `${program} is not installed on this machine` : `exit ${version.code}`}); see the run's log` };
    if (versionLine) await execution.note({ toolVersion: versionLine });
    const init = await step('init', ['init', '-input=false', '-no-color']);
    if (init.stopped) return { state: 'stopped', summary: 'stopped' };
    if (init.code !== 0) return { state: 'failed', summary: `init failed (exit ${init.code}); see the run's log` };
    if (runner.workspace !== undefined) {
      const selected = await step('workspace', ['workspace', 'select', '-no-color', runner.workspace]);
      if (selected.stopped) return { state: 'stopped', summary: 'stopped' };
      if (selected.code !== 0) {
        await execution.write(`Creating the workspace ${runner.workspace}.\n`);
        const created = await step('workspace', ['workspace', 'new', '-no-color', runner.workspace]);
        if (created.stopped) return { state: 'stopped', summary: 'stopped' };
        if (created.code !== 0) return { state: 'failed', summary: `the workspace ${runner.workspace} could not be selected or created; see the run's log` };
      }
    }

    // 2. The plan, to a file, its UI stream rendered into the log.
    await execution.advance({ state: 'running', step: 'plan' });
    const tally = new UiStreamTally();
    const planArgs = ['plan', '-input=false', `-out=${planFile.tool}`, '-json', '-detailed-exitcode', ...(runner.varFiles ?? []).map((file) => `-var-file=${file}`), ...(runner.extraArgs ?? [])];
    const planned = await rendered(execution, [program, ...planArgs], at, tally);
    if (planned.stopped) return { state: 'stopped', summary: 'stopped' };
    const planExists = await fs.stat(planFile.host).then(() => true, () => false);
    if (planExists) await protectFile(planFile.host, key, label);

    // 3. `show -json` of the plan file into the structured plan (also when the plan errored: it says why).
    let structured: StructuredPlan | null = null;
    if (planExists) structured = await show(execution, program, planFile, tally, at, label);
    if (planned.code !== 0 && planned.code !== 2) {
      if (structured) await execution.note({ plan: { ...structured.counts, errored: true } });
      const first = tally.diagnostics.find((diagnostic) => diagnostic.severity === 'error');
      return { state: 'failed', summary: first ? `plan failed: ${cleanLine(first.summary, 150)}` : stepFailed('plan', planned.code) };
    }
    const counts = structured?.counts ?? tally.counts;
    // R30: the stack's plan policies judge the structured plan; the verdict goes with the counts.
    const policy = structured ? await execution.evaluatePolicy(structured) : undefined;
    await execution.note({ plan: counts, ...(policy ? { policy } : {}) });
    const summary = countsSummary(counts);
    if (planned.code === 0) return { state: 'finished', summary: 'No changes.' };
    if (run.kind === 'proposed') return { state: 'finished', summary };

    // 4. Confirm (unless autodeploy), at most until the plan file's time is up, then apply that file.
    // R31: a plan a policy denies waits for an acknowledgement and a Confirm, autodeploy or not.
    if (!autodeploy || heldByPolicy(execution.record().run)) {
      await execution.advance({ state: 'unconfirmed', summary });
      await execution.planned();
      const decision = await Promise.race([execution.decision(), aborted(execution.signal), expired()]);
      if (execution.signal.aborted) return { state: 'stopped', summary: 'stopped while waiting for confirmation' };
      if (decision === 'expired') return { state: 'failed', summary: `not applied: the plan was not confirmed within ${within(keptMs)}, and its plan file was deleted; plan again` };
      if (decision === 'discard') return { state: 'discarded', summary: `discarded: ${summary}` };
      const stale = execution.appliedSincePlan();
      if (stale) return { state: 'failed', summary: `not applied: the plan is stale (${stale}); plan again` };
    }
    // R12: a stack detached while its run waited applies nothing, and uses nothing of the integration it lost.
    if (!(await execution.attached())) return { state: 'failed', summary: 'not applied: its stack was detached (R12)' };
    await execution.advance({ state: 'applying', step: 'apply' });
    await unprotectTo(planFile.host, key, label, planFile.host);
    const apply = new UiStreamTally();
    const applied = await rendered(execution, [program, 'apply', '-input=false', '-json', planFile.tool], at, apply);
    if (applied.stopped) return { state: 'stopped', summary: 'stopped while applying' };
    if (applied.code !== 0) return { state: 'failed', summary: stepFailed('apply', applied.code) };
    const done = apply.changeSummary;
    return { state: 'finished', summary: done ? renderCounts({ operation: 'apply', add: done.add, change: done.change, remove: done.remove, import: done.import ?? 0, forget: done.forget ?? 0 }) : 'applied' };
  } finally {
    // The plan file never outlives its run (its folder goes too; this is the first line of defence).
    await removePlanFile(planFile.host).catch(() => undefined);
  }

  function expired(): Promise<'expired'> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve('expired'), keptMs);
      timer.unref();
      execution.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    });
  }
}

/** A command whose stdout is the `-json` UI stream (or plain text): each line rendered for a person into the log, never raw JSON. */
async function rendered(execution: Execution, argv: string[], at: ToolRunPlace, tally: UiStreamTally = new UiStreamTally()): Promise<CommandResult> {
  const lines = new LineSplitter(async (line) => {
    tally.push(line);
    const text = renderUiLine(line);
    if (text !== null) await execution.write(`${text}\n`);
  });
  const errors = new LineSplitter(async (line) => {
    const text = cleanLine(line, 2_000);
    if (text) await execution.write(`${text}\n`);
  });
  return runCommand(execution, argv, at.place, at.env, at.control, {
    stdout: (chunk) => lines.push(chunk),
    stderr: (chunk) => errors.push(chunk),
    end: async () => {
      await lines.flush();
      await errors.flush();
    },
  });
}

/** `show -json` of the plan file: the document kept on this host (0600, sealed), the structured plan kept with the run. */
async function show(execution: Execution, program: string, planFile: { host: string; tool: string }, tally: UiStreamTally, at: ToolRunPlace, label: string): Promise<StructuredPlan | null> {
  const { run } = execution.record();
  await execution.advance({ state: 'running', step: 'show' });
  // The tool reads the plain file; it is sealed again (or removed) right after.
  await unprotectTo(planFile.host, execution.planKey, label, planFile.host);
  await ensurePlanDocuments(execution.book.folder);
  const document = planDocumentOf(execution.book.folder, run.id);
  const out = createWriteStream(document, { mode: 0o600 });
  // Its stdout is the plan's JSON, values and all: to the document, never to the log. Its stderr says what went wrong.
  const errors = new LineSplitter(async (line) => {
    const text = cleanLine(line, 2_000);
    if (text) await execution.write(`${text}\n`);
  });
  const shown = await runCommand(execution, [program, 'show', '-json', '-no-color', planFile.tool], at.place, at.env, at.control, {
    stdout: (chunk) => new Promise<void>((resolve) => (out.write(chunk) ? resolve() : out.once('drain', resolve))),
    stderr: (chunk) => errors.push(chunk),
    end: async () => {
      await errors.flush();
      await new Promise<void>((resolve) => out.end(resolve));
    },
  });
  await protectFile(planFile.host, execution.planKey, label);
  if (shown.stopped || shown.code !== 0) {
    await removePlanFile(document);
    await execution.write(`show -json failed (${shown.code === null ? 'stopped' : `exit ${shown.code}`}): the run has no structured plan.\n`);
    return null;
  }
  try {
    // Where each changed resource is declared, read while the checkout exists (for annotations and the editor).
    const structured = await locatePlan(await readStructuredPlan(document, { diagnostics: tally.diagnostics }), at.place.worktree, path.relative(at.place.worktree, at.place.cwd));
    await protectFile(document, execution.planKey, `document:${run.id}`);
    await execution.runPlans?.put(run.id, structured);
    return structured;
  } catch (error) {
    await removePlanFile(document);
    await execution.write(`The plan's JSON could not be read: ${cleanLine(error instanceof Error ? error.message : String(error), 300)}\n`);
    return null;
  }
}

/** A wait in words: hours, or seconds when it is shorter (tests shorten it). */
const within = (ms: number): string => (ms >= 3_600_000 ? `${Math.round(ms / 3_600_000)} h` : `${Math.round(ms / 1_000)} s`);

function aborted(signal: AbortSignal): Promise<'discard'> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve('discard');
    signal.addEventListener('abort', () => resolve('discard'), { once: true });
  });
}
