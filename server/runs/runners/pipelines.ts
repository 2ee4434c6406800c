// The `pipelines` runner: Bitbucket Pipelines executes the run. Stackhook triggers the stack's custom
// pipeline on the run's commit, follows it (backing off) until it completes, and keeps its log. A run
// taken over after its server died is followed again (the pipeline is found by the run's id if the
// trigger's answer was lost); it takes none of this machine's slots; a team server always allows it.
// The runner check looks for the branch and the custom pipeline in its bitbucket-pipelines.yml.
import { parse } from 'yaml';
import type { PipelineProgress, PipelineTrigger } from '../../bitbucket/gateway';
import { describeError } from '../../errors';
import type { Runner, RunnerCheck } from '../../protocol';
import { RunHalted, type Execution, type Outcome } from '../execution';
import { pipelineEnded, planSummary } from '../planSummary';
import { isTransient, sleep, withRetries } from '../retries';
import type { RunnerCheckTarget, RunnerKind } from './runnerKind';

/** A `pipelines` runner's settings: the custom pipeline it triggers. */
type PipelinesRunner = Extract<Runner, { type: 'pipelines' }>;

export const PIPELINES_FILE = 'bitbucket-pipelines.yml';

/** The scopes a `pipelines` run uses, as the OpenAPI document names them. */
export const PIPELINES_SCOPES = ['read:repository:bitbucket', 'read:pipeline:bitbucket', 'write:pipeline:bitbucket', 'read:pullrequest:bitbucket'];

/** The YAML to add for a custom pipeline Stackhook triggers. */
export function customPipelineYaml(name: string): string {
  return [
    'pipelines:',
    '  custom:',
    `    ${name}:`,
    '      - step:',
    '          name: Stackhook run',
    '          image: ghcr.io/opentofu/opentofu:latest',
    '          script:',
    '            - cd "${STACKHOOK_PROJECT_ROOT:-.}"',
    '            - tofu init -input=false',
    '            - tofu plan -input=false -no-color',
  ].join('\n');
}

export function definesCustomPipeline(text: string, name: string): boolean {
  try {
    const document: unknown = parse(text);
    const custom = (document as { pipelines?: { custom?: unknown } } | null)?.pipelines?.custom;
    return typeof custom === 'object' && custom !== null && name in custom;
  } catch {
    return false;
  }
}

export const pipelinesRunner: RunnerKind<PipelinesRunner> = {
  run: (execution, runner) => runOnPipelines(execution, runner.pipeline),
  check: checkPipeline,
  scopes: PIPELINES_SCOPES,
  afterCrash: 'follow',
  // A pipeline's work is Bitbucket's, and following it costs a poll now and then.
  takesLocalSlot: false,
  needsLocalRunner: false,
};

/** Polls that may fail in a row (Bitbucket down) before the run gives up following the pipeline. */
const MAX_FAILED_POLLS = 30;
const TRIGGER_ATTEMPTS = 5;

export function pipelinePage(repositoryPage: string, progress: Pick<PipelineProgress, 'uuid' | 'buildNumber'>): string {
  return `${repositoryPage}/pipelines/results/${progress.buildNumber ?? encodeURIComponent(progress.uuid)}`;
}

export async function runOnPipelines(execution: Execution, pipeline: string): Promise<Outcome> {
  const { stack, gateway, credential } = execution;
  let uuid = execution.record().pipelineUuid;
  if (uuid === null) {
    const { run } = execution.record();
    const trigger: PipelineTrigger = {
      branch: run.branch,
      commit: run.commit as string,
      pipeline,
      variables: { STACKHOOK_RUN_ID: run.id, STACKHOOK_STACK: stack.id, STACKHOOK_RUN_KIND: run.kind, STACKHOOK_PROJECT_ROOT: stack.projectRoot },
    };
    // Its server may have died after Bitbucket started the pipeline and before the answer was recorded.
    const started = execution.resumed ? await withRetries(execution.settings.retryDelayMs, () => gateway.findTriggeredPipeline(credential, stack.repository, trigger, {})) : null;
    if (started) await execution.write(`Found pipeline ${pipeline} #${started.buildNumber ?? '?'}, which the server that stopped had started.\n`);
    // Recorded before the trigger, under this process's claim: a process that lost the run triggers nothing.
    if (!started) await execution.advance({ step: 'trigger' });
    const progress = started ?? (await triggerOnce(execution, trigger));
    uuid = progress.uuid;
    // Said before the state changes: whoever sees the run running finds in its log which pipeline runs it.
    await execution.write(`Pipeline ${pipeline} #${progress.buildNumber ?? '?'} started on ${run.commit?.slice(0, 12)} (${uuid}).\n`);
    await execution.advance({ pipelineUuid: uuid, externalUrl: pipelinePage(execution.repositoryPage, progress), state: 'running' });
  } else {
    await execution.write(`Following pipeline ${uuid} again.\n`);
  }
  const done = await follow(execution, uuid);
  const log = await gateway.pipelineLog(credential, stack.repository, uuid, execution.settings.logCap, {}).catch((error: unknown) => {
    return `[the pipeline's log could not be read: ${describeError(error)}]\n`;
  });
  await execution.write(log);
  const summary = planSummary(log);
  if (done.result === 'SUCCESSFUL') return { state: 'finished', summary: summary ?? pipelineEnded(done.buildNumber, done.result) };
  if (done.result === 'STOPPED') return { state: 'stopped', summary: 'stopped' };
  return { state: 'failed', summary: pipelineEnded(done.buildNumber, done.result) };
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

/** Looks at the pipeline until it completes; a cancel stops it and keeps following to the end. */
async function follow(execution: Execution, uuid: string): Promise<PipelineProgress> {
  const { stack, gateway, credential, settings } = execution;
  let wait = settings.pollMs;
  let failed = 0;
  let stopAsked = false;
  for (;;) {
    const halt = execution.halt();
    // Another process follows it now, or the stack lost its integration (R12): nothing more is asked of Bitbucket from here.
    if (halt === 'lost') throw new RunHalted('lost', `Run ${execution.runId} was taken over by another process.`);
    if (halt === 'detached') throw new RunHalted('stopped', `Run ${execution.runId}'s stack was detached: its pipeline is left to Bitbucket.`);
    if (execution.signal.aborted && !stopAsked) {
      stopAsked = true;
      await withRetries(settings.retryDelayMs, () => gateway.stopPipeline(credential, stack.repository, uuid, {})).catch(() => undefined);
      await execution.write('Stop asked of the pipeline.\n');
    }
    try {
      const progress = await gateway.getPipeline(credential, stack.repository, uuid, {});
      failed = 0;
      if (progress.state === 'COMPLETED') return progress;
    } catch (error) {
      if (!isTransient(error) || ++failed >= MAX_FAILED_POLLS) throw error;
    }
    await sleep(wait, execution.signal).catch(() => undefined);
    wait = Math.min(settings.pollMaxMs, Math.round(wait * 1.5));
  }
}

/** The branch exists and its bitbucket-pipelines.yml defines `pipelines.custom.<name>`. */
async function checkPipeline({ gateway, credential, stack, runner, signal }: RunnerCheckTarget<PipelinesRunner>): Promise<RunnerCheck['problems']> {
  const branch = await gateway.getBranch(credential, stack.repository, stack.branch, { signal });
  if (!branch) return [{ problem: 'no-branch', message: `${stack.repository} has no branch ${stack.branch}.`, fix: 'Push the branch, or point the stack at another branch (Edit Stack).' }];
  const text = await gateway.readSourceFile(credential, stack.repository, branch.commit, PIPELINES_FILE, { signal });
  if (text !== null && definesCustomPipeline(text, runner.pipeline)) return [];
  return [
    {
      problem: text === null ? 'no-pipelines-file' : 'no-custom-pipeline',
      message:
        text === null
          ? `${stack.branch} of ${stack.repository} has no ${PIPELINES_FILE}, so Bitbucket Pipelines cannot run the stack.`
          : `${PIPELINES_FILE} on ${stack.branch} of ${stack.repository} does not define pipelines.custom.${runner.pipeline}.`,
      fix: `Add this to ${PIPELINES_FILE} on ${stack.branch} (and turn Pipelines on in the repository settings):\n${customPipelineYaml(runner.pipeline)}`,
    },
  ];
}
