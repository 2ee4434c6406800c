// Following one pipeline of a `pipelines` run until it completes: its state at the follow cadence
// (backing off from pollMs to pollMaxMs), and while steps run, each step's log read on from where the
// last read ended (HTTP Range) into the run's log, so the editor shows it live; the steps' names and
// states are the run's progress. A pipeline that waits in Bitbucket's queue past the queue limit is
// stopped and fails the run saying so, as does a step that reaches Bitbucket's step limit (120
// minutes). A Cancel stops the pipeline and follows it to its end.
import type { PipelineProgress, PipelineStepProgress } from '../../bitbucket/gateway';
import { RunHalted, type Execution } from '../execution';
import { isTransient, sleep, withRetries } from '../retries';

/** Polls that may fail in a row (Bitbucket down) before the run gives up following the pipeline. */
const MAX_FAILED_POLLS = 30;

export interface Followed {
  progress: PipelineProgress;
  /** Why Stackhook ended it, or why Bitbucket did, where a limit was the reason. */
  limit: string | null;
}

/** A limit in words: minutes, or seconds where tests make it short. */
const duration = (ms: number) => (ms >= 60_000 ? `${Math.round(ms / 60_000)} minutes` : `${Math.round(ms / 1000)} s`);

function progressLine(steps: readonly PipelineStepProgress[]): string {
  const word = (step: PipelineStepProgress) => (step.state === 'COMPLETED' ? (step.result ?? 'done').toLowerCase() : step.state === 'IN_PROGRESS' ? 'running' : 'pending');
  return steps.map((step, index) => `${step.name ?? `Step ${index + 1}`}: ${word(step)}`).join(' · ').slice(0, 300);
}

/** Follows the pipeline `uuid` to its end, writing its steps' logs into the run's log as they grow. */
export async function followPipeline(execution: Execution, uuid: string): Promise<Followed> {
  const { stack, gateway, credential, settings } = execution;
  const offsets = new Map<string, number>();
  const announced = new Set<string>();
  let logged = 0;
  let progressShown = '';
  let wait = settings.pollMs;
  let failed = 0;
  let stopAsked = false;
  let limit: string | null = null;
  const pendingSince = Date.now();

  const stop = async (why: string) => {
    if (stopAsked) return;
    stopAsked = true;
    await withRetries(settings.retryDelayMs, () => gateway.stopPipeline(credential, stack.repository, uuid, {})).catch(() => undefined);
    await execution.write(`${why}\n`);
  };

  /** Reads what each started step logged since the last look; notes the steps' progress. */
  const readSteps = async (): Promise<readonly PipelineStepProgress[]> => {
    const steps = await gateway.pipelineSteps(credential, stack.repository, uuid, {});
    for (const step of steps) {
      if (step.state === 'PENDING' || logged >= settings.logCap) continue;
      if (!announced.has(step.uuid)) {
        announced.add(step.uuid);
        await execution.write(`== ${step.name ?? 'step'}\n`);
      }
      for (;;) {
        const from = offsets.get(step.uuid) ?? 0;
        const chunk = await gateway.stepLog(credential, stack.repository, uuid, step.uuid, from, Math.min(1024 * 1024, settings.logCap - logged + 1), {});
        if (chunk.nextOffset === from) break;
        offsets.set(step.uuid, chunk.nextOffset);
        logged += chunk.nextOffset - from;
        await execution.write(chunk.text);
        if (step.state !== 'COMPLETED' || logged >= settings.logCap) break;
      }
    }
    const line = progressLine(steps);
    if (line !== progressShown) {
      progressShown = line;
      await execution.note({ progress: line || '' });
    }
    return steps;
  };

  for (;;) {
    const halt = execution.halt();
    // Another process follows it now, or the stack lost its integration (R12): nothing more is asked of Bitbucket from here.
    if (halt === 'lost') throw new RunHalted('lost', `Run ${execution.runId} was taken over by another process.`);
    if (halt === 'detached') throw new RunHalted('stopped', `Run ${execution.runId}'s stack was detached: its pipeline is left to Bitbucket.`);
    if (execution.signal.aborted) await stop('Stop asked of the pipeline.');
    try {
      const progress = await gateway.getPipeline(credential, stack.repository, uuid, {});
      failed = 0;
      if (progress.state === 'PENDING' && !stopAsked && Date.now() - pendingSince > settings.pipelineQueueLimitMs) {
        limit = `the pipeline waited in Bitbucket's queue for more than ${duration(settings.pipelineQueueLimitMs)}`;
        await stop(`Stopped: ${limit}.`);
      }
      if (progress.state !== 'PENDING') {
        const steps = await readSteps();
        const over = steps.find((step) => overLimit(step, settings.pipelineStepLimitMs));
        if (over && limit === null) {
          limit = `${over.name ? `the step ${over.name}` : 'a step'} reached Bitbucket's limit of ${duration(settings.pipelineStepLimitMs)} for a step`;
          if (progress.state !== 'COMPLETED') await stop(`Stopped: ${limit}.`);
        }
      }
      if (progress.state === 'COMPLETED') {
        if (logged >= settings.logCap) await execution.write(`\n[log cut at ${settings.logCap} bytes]\n`);
        await execution.note({ progress: '' });
        return { progress, limit };
      }
    } catch (error) {
      if (!isTransient(error) || ++failed >= MAX_FAILED_POLLS) throw error;
    }
    await sleep(wait, execution.signal).catch(() => undefined);
    wait = nextPollWait(wait, settings.pollMaxMs);
  }
}

/** The wait after `wait` between looks at a pipeline: half as long again, up to `maxMs`. */
export const nextPollWait = (wait: number, maxMs: number): number => Math.min(maxMs, Math.round(wait * 1.5));

/** A step that ran (or has run) as long as the limit: Bitbucket stops it there, and its failure is the limit's. */
function overLimit(step: PipelineStepProgress, limitMs: number): boolean {
  if (step.startedOn === null) return false;
  const started = Date.parse(step.startedOn);
  const ended = step.completedOn !== null ? Date.parse(step.completedOn) : Date.now();
  if (Number.isNaN(started) || Number.isNaN(ended)) return false;
  if (step.state === 'COMPLETED' && step.result === 'SUCCESSFUL') return false;
  // Bitbucket's clock and ours may differ a little: within 2% of the limit counts as reaching it.
  return ended - started >= limitMs * 0.98;
}
