// The `pipelines` runner: Bitbucket Pipelines executes the run, plan → review → apply, with no
// Bitbucket credential ever in a pipeline. A run triggers the stack's plan pipeline on its commit
// with its variables, STACKHOOK_URL and a run token (secured); the plan step sends the `show -json`
// plan and the plan file back (runCallbacks.ts), which Stackhook reads as it reads a local run's
// plan: counts, summary, `unconfirmed`. Confirm (or autodeploy) triggers the apply pipeline on the
// same commit with a fresh token, and its step fetches and applies exactly that plan file; a stale
// plan is refused before anything is triggered. Each pipeline is followed live (pipelineFollow.ts).
// A pipeline whose steps send nothing back ends the run as its pipeline ended, as before. A run taken
// over after its server died is followed again (the pipeline is found by the run's id if the
// trigger's answer was lost); it takes none of this machine's slots; a team server always allows it.
import { promises as fs } from 'node:fs';
import type { PipelineProgress, PipelineTrigger } from '../../bitbucket/gateway';
import { applyPipelineOf, type PlanCounts, type Runner, type RunnerCheck } from '../../protocol';
import { readStructuredPlan } from '../../plans/structuredPlan';
import { webhookUrlProblem } from '../../registry/reachability';
import { RunHalted, type Execution, type Outcome } from '../execution';
import { removeUploads, uploadLabel, uploadPath, uploadSize } from '../pipelinePlans';
import { ensurePlanDocuments, openProtected, planDocumentOf, removePlanFile } from '../planFiles';
import { pipelineEnded, planSummary, renderCounts } from '../planSummary';
import { isTransient, sleep, withRetries } from '../retries';
import { newRunToken } from '../runTokens';
import { followPipeline, type Followed } from './pipelineFollow';
import { customPipelinesOf, PIPELINES_FILE, suggestedPipelinesYaml } from './pipelinesYaml';
import type { RunnerCheckTarget, RunnerKind } from './runnerKind';

export { definesCustomPipeline, PIPELINES_FILE } from './pipelinesYaml';

/** A `pipelines` runner's settings: the custom pipelines it triggers. */
type PipelinesRunner = Extract<Runner, { type: 'pipelines' }>;

/** The scopes a `pipelines` run uses, as the OpenAPI document names them. */
export const PIPELINES_SCOPES = ['read:repository:bitbucket', 'read:pipeline:bitbucket', 'write:pipeline:bitbucket', 'read:pullrequest:bitbucket'];

export const pipelinesRunner: RunnerKind<PipelinesRunner> = {
  run: (execution, runner, settings) => runOnPipelines(execution, runner, settings.autodeploy),
  check: checkPipelines,
  scopes: PIPELINES_SCOPES,
  afterCrash: 'follow',
  // A pipeline's work is Bitbucket's, and following it costs a poll now and then.
  takesLocalSlot: false,
  needsLocalRunner: false,
};

const TRIGGER_ATTEMPTS = 5;

export function pipelinePage(repositoryPage: string, progress: Pick<PipelineProgress, 'uuid' | 'buildNumber'>): string {
  return `${repositoryPage}/pipelines/results/${progress.buildNumber ?? encodeURIComponent(progress.uuid)}`;
}

/** Whether a plan changes anything that an apply would do. */
const changesSomething = (counts: PlanCounts) => counts.add + counts.change + counts.replace + counts.destroy + counts.import + counts.move + counts.forget + counts.outputs > 0;

/** A plan's counts in Stackhook's words: a replace is an add and a destroy, as the tool's own line says. */
export function countsSummary(counts: PlanCounts): string {
  if (!changesSomething(counts)) return 'No changes.';
  const line = renderCounts({ operation: 'plan', add: counts.add + counts.replace, change: counts.change, remove: counts.destroy + counts.replace, import: counts.import, forget: counts.forget });
  return line === 'No changes.' ? 'Plan: changes to outputs or moves only.' : line;
}

export async function runOnPipelines(execution: Execution, runner: PipelinesRunner, autodeploy: boolean): Promise<Outcome> {
  const { runId } = execution;
  const folder = execution.book.folder;
  try {
    const outcome = await phases(execution, runner, autodeploy);
    await removeUploads(folder, runId);
    return outcome;
  } catch (error) {
    // Lost to another process: the uploads are the run's still, for whoever follows it now.
    if (!(error instanceof RunHalted && error.reason === 'lost')) await removeUploads(folder, runId).catch(() => undefined);
    throw error;
  }
}

async function phases(execution: Execution, runner: PipelinesRunner, autodeploy: boolean): Promise<Outcome> {
  const state = execution.record().run.state;
  if (state === 'applying') return applyPhase(execution, runner);
  if (state !== 'unconfirmed') {
    const planned = await planPhase(execution, runner);
    if ('state' in planned) return planned;
    if (execution.record().run.kind !== 'tracked') return { state: 'finished', summary: planned.summary };
    if (!autodeploy) {
      await execution.advance({ state: 'unconfirmed', summary: planned.summary });
    } else {
      return applyPhase(execution, runner);
    }
  }
  const decision = await execution.decision();
  if (decision === 'discard') {
    await removeUploads(execution.book.folder, execution.runId);
    return { state: 'discarded', summary: execution.record().run.summary };
  }
  return applyPhase(execution, runner);
}

/** Triggers (or finds again) the plan pipeline and follows it; answers the plan's summary once a plan came back, or how the run ended. */
async function planPhase(execution: Execution, runner: PipelinesRunner): Promise<Outcome | { summary: string }> {
  const uuid = await startPipeline(execution, runner, 'plan');
  const followed = await followPipeline(execution, uuid);
  const ended = endedBy(followed);
  if (ended) return ended;
  const folder = execution.book.folder;
  if ((await uploadSize(folder, execution.runId, 'plan')) === null) {
    // A pipeline of before the callbacks (or whose step sent nothing back): the run is what its log says.
    await execution.write(`The pipeline sent no plan back to Stackhook, so this run cannot be confirmed and applied here. Check Runner gives the ${PIPELINES_FILE} that does.\n`);
    return { state: 'finished', summary: planSummary(await logTail(execution)) ?? pipelineEnded(followed.progress.buildNumber, followed.progress.result) };
  }
  let counts: PlanCounts;
  // The plan becomes the run's plan document, where stackhook/runs/resourceChange reads it (sealed as the upload was).
  const document = planDocumentOf(folder, execution.runId);
  try {
    await ensurePlanDocuments(folder);
    await fs.rename(uploadPath(folder, execution.runId, 'plan'), document);
    const structured = await readStructuredPlan(await openProtected(document, execution.planKey, uploadLabel(execution.runId, 'plan')));
    await execution.runPlans?.put(execution.runId, structured);
    counts = structured.counts;
  } catch (error) {
    await removePlanFile(document);
    await execution.write(`The plan the pipeline sent back could not be read: ${(error as Error).message}\n`);
    return { state: 'failed', summary: "the plan sent back is not a plan's show -json; see the run's log" };
  }
  const summary = countsSummary(counts);
  await execution.note({ plan: counts, summary });
  await execution.write(`Stackhook read the plan: ${summary}\n`);
  if (counts.errored) return { state: 'failed', summary: 'the plan errored; see the run\'s log' };
  if (!changesSomething(counts)) return { state: 'finished', summary };
  if (execution.record().run.kind === 'tracked' && (await uploadSize(folder, execution.runId, 'planfile')) === null) {
    return { state: 'failed', summary: 'the pipeline sent the plan back but not the plan file, so there is nothing to apply' };
  }
  return { summary };
}

/** Refuses a stale plan, then triggers (or finds again) the apply pipeline with a fresh token and follows it. */
async function applyPhase(execution: Execution, runner: PipelinesRunner): Promise<Outcome> {
  const record = execution.record();
  if (record.pipelineUuid === null || record.callback?.phase !== 'apply') {
    const { stack, gateway, credential, settings } = execution;
    const head = await withRetries(settings.retryDelayMs, () => gateway.getBranch(credential, stack.repository, record.run.branch, {}));
    const appliedSince = execution.appliedSincePlan();
    if (appliedSince !== null) {
      await execution.write(`Not applied: ${appliedSince}. Nothing was triggered.\n`);
      return { state: 'failed', summary: `not applied: the plan is stale (${appliedSince}); plan again` };
    }
    if (record.run.kind === 'tracked' && head !== null && head.commit !== record.run.commit) {
      await execution.write(`Not applied: ${record.run.branch} is at ${head.commit.slice(0, 12)} now, not at the planned ${record.run.commit?.slice(0, 12)}. Nothing was triggered.\n`);
      return { state: 'failed', summary: `not applied: the plan is stale (${record.run.branch} moved on since it was made); plan again` };
    }
  }
  const uuid = await startPipeline(execution, runner, 'apply');
  const followed = await followPipeline(execution, uuid);
  const ended = endedBy(followed);
  if (ended) return ended;
  return { state: 'finished', summary: planSummary(await logTail(execution)) ?? pipelineEnded(followed.progress.buildNumber, followed.progress.result) };
}

/** How a pipeline that did not succeed ends the run (null when it succeeded). */
function endedBy({ progress, limit }: Followed): Outcome | null {
  if (limit !== null) return { state: 'failed', summary: `pipeline #${progress.buildNumber ?? '?'} failed: ${limit}` };
  if (progress.result === 'SUCCESSFUL') return null;
  if (progress.result === 'STOPPED') return { state: 'stopped', summary: 'stopped' };
  return { state: 'failed', summary: pipelineEnded(progress.buildNumber, progress.result) };
}

async function logTail(execution: Execution): Promise<string> {
  return execution.book.logs.tail(execution.runId, 200).catch(() => '');
}

/**
 * The phase's pipeline: followed again when this run already has one for the phase, found by the run's
 * id when a server died after triggering it, else triggered with a fresh run token (whose hash is
 * recorded, under this process's claim, before the trigger).
 */
async function startPipeline(execution: Execution, runner: PipelinesRunner, phase: 'plan' | 'apply'): Promise<string> {
  const { stack, gateway, credential } = execution;
  const record = execution.record();
  if (record.pipelineUuid !== null && (record.callback?.phase ?? 'plan') === phase) {
    await execution.write(`Following pipeline ${record.pipelineUuid} again.\n`);
    return record.pipelineUuid;
  }
  const { run } = record;
  const pipeline = phase === 'plan' ? runner.pipeline : applyPipelineOf(runner);
  const token = newRunToken();
  // The stack's variables go first, so Stackhook's own names (which no variable may take) are the run's.
  const variables = await execution.variablesApart(runner.passSecrets === true);
  if (variables.secretNames.length > 0 && runner.passSecrets !== true) {
    await execution.write(`The stack's secret variables (${variables.secretNames.join(', ')}) are not passed to Bitbucket Pipelines: keep them in the repository's or the deployment's variables in Bitbucket, or turn on passSecrets.\n`);
  }
  const trigger: PipelineTrigger = {
    branch: run.branch,
    commit: run.commit as string,
    pipeline,
    variables: { ...variables.plain, STACKHOOK_RUN_ID: run.id, STACKHOOK_STACK: stack.id, STACKHOOK_RUN_KIND: run.kind, STACKHOOK_PROJECT_ROOT: stack.projectRoot, STACKHOOK_URL: execution.publicUrl },
    secured: { ...variables.secret, STACKHOOK_RUN_TOKEN: token.token },
  };
  // Its server may have died after Bitbucket started the pipeline and before the answer was recorded.
  const resumedPhase = execution.resumed && (record.callback?.phase ?? 'plan') === phase;
  const started = resumedPhase ? await withRetries(execution.settings.retryDelayMs, () => gateway.findTriggeredPipeline(credential, stack.repository, trigger, {})) : null;
  if (started) await execution.write(`Found pipeline ${pipeline} #${started.buildNumber ?? '?'}, which the server that stopped had started.\n`);
  // Recorded before the trigger, under this process's claim: a process that lost the run triggers nothing.
  const callback = { tokenHash: token.hash, phase, repositoryUuid: null };
  if (!started) await execution.advance(phase === 'plan' ? { step: 'trigger', callback } : { state: 'applying', step: 'apply', callback });
  const progress = started ?? (await triggerOnce(execution, trigger));
  const kept = execution.record().callback ?? callback;
  // Said before the state changes: whoever sees the run running finds in its log which pipeline runs it.
  await execution.write(`Pipeline ${pipeline} #${progress.buildNumber ?? '?'} started on ${run.commit?.slice(0, 12)} (${progress.uuid}).\n`);
  await execution.advance({
    pipelineUuid: progress.uuid,
    externalUrl: pipelinePage(execution.repositoryPage, progress),
    callback: { ...kept, repositoryUuid: progress.repositoryUuid ?? null },
    ...(phase === 'plan' ? { state: 'running' as const } : {}),
  });
  return progress.uuid;
}

/**
 * Triggers the pipeline; when the answer is lost or Bitbucket fails, looks for the pipeline before
 * trying again, so a trigger that did start one is not repeated (the run would execute twice).
 */
async function triggerOnce(execution: Execution, trigger: PipelineTrigger): Promise<PipelineProgress> {
  const { stack, gateway, credential, settings } = execution;
  for (let attempt = 1; ; attempt++) {
    try {
      return await gateway.triggerPipeline(credential, stack.repository, trigger, {});
    } catch (error) {
      if (!isTransient(error) || attempt >= TRIGGER_ATTEMPTS) throw error;
    }
    await sleep(settings.retryDelayMs * 2 ** (attempt - 1));
    const started = await withRetries(settings.retryDelayMs, () => gateway.findTriggeredPipeline(credential, stack.repository, trigger, {}));
    if (started) return started;
  }
}

/** Both custom pipelines on the stack's branch, and a public URL Bitbucket can call back. */
async function checkPipelines({ gateway, credential, stack, runner, publicUrl, signal }: RunnerCheckTarget<PipelinesRunner>): Promise<RunnerCheck['problems']> {
  const problems: RunnerCheck['problems'] = [];
  const unreachable = webhookUrlProblem(publicUrl);
  if (unreachable) {
    problems.push({ problem: 'unreachable-public-url', message: `A pipeline sends its plan back to ${publicUrl}, and ${unreachable.replace(/^Bitbucket cannot reach /, 'Bitbucket Pipelines cannot reach ')}`, fix: 'Set stackhook.publicUrl (or serve --public-url) to an https address Bitbucket Pipelines can reach.' });
  }
  const branch = await gateway.getBranch(credential, stack.repository, stack.branch, { signal });
  if (!branch) return [...problems, { problem: 'no-branch', message: `${stack.repository} has no branch ${stack.branch}.`, fix: 'Push the branch, or point the stack at another branch (Edit Stack).' }];
  const text = await gateway.readSourceFile(credential, stack.repository, branch.commit, PIPELINES_FILE, { signal });
  const defined = text === null ? new Set<string>() : customPipelinesOf(text);
  const wanted = [runner.pipeline, applyPipelineOf(runner)];
  const missing = wanted.filter((name) => !defined.has(name));
  if (missing.length === 0) return problems;
  const yaml = suggestedPipelinesYaml(runner.pipeline, applyPipelineOf(runner));
  problems.push({
    problem: text === null ? 'no-pipelines-file' : 'no-custom-pipeline',
    message:
      text === null
        ? `${stack.branch} of ${stack.repository} has no ${PIPELINES_FILE}, so Bitbucket Pipelines cannot run the stack.`
        : `${PIPELINES_FILE} on ${stack.branch} of ${stack.repository} does not define ${missing.map((name) => `pipelines.custom.${name}`).join(' or ')}.`,
    fix: `Add this to ${PIPELINES_FILE} on ${stack.branch} (and turn Pipelines on in the repository settings):\n${yaml}`,
  });
  return problems;
}
