// A pipeline's steps as they stand, and a step's log read on from where the last read ended, with
// HTTP Range as Bitbucket's OpenAPI document encourages for its (possibly very large) logs: so a run
// follows a step's log while it runs, each line fetched once.
import { Endpoints, pathOf, repositoryParams } from './endpoints';
import type { PipelineStepProgress, StepLogChunk } from './gateway';
import { collectPages } from './pagination';
import { PipelineStepPage } from './schemas';
import type { BitbucketHttp } from './transport';

const pipelineParams = (fullName: string, uuid: string) => ({ ...repositoryParams(fullName), pipeline_uuid: uuid });

/** Every step of a pipeline, as Bitbucket lists them (paged). */
export function listSteps(http: BitbucketHttp, fullName: string, uuid: string, signal?: AbortSignal) {
  return collectPages(
    http,
    {
      endpoint: Endpoints.pipelineSteps,
      target: pathOf(Endpoints.pipelineSteps.template, pipelineParams(fullName, uuid)),
      schema: PipelineStepPage,
      what: `list the steps of the pipeline ${uuid} of ${fullName}`,
    },
    signal,
  );
}

export async function pipelineSteps(http: BitbucketHttp, fullName: string, uuid: string, signal?: AbortSignal): Promise<PipelineStepProgress[]> {
  const steps = await listSteps(http, fullName, uuid, signal);
  return steps.map((step) => ({
    uuid: step.uuid,
    name: step.name ?? null,
    state: step.state?.name ?? 'PENDING',
    result: step.state?.result?.name ?? null,
    startedOn: step.started_on ?? null,
    completedOn: step.completed_on ?? null,
  }));
}

/**
 * The step's log from byte `offset`: 206 is the new part; 416 (the range starts at the log's end)
 * and 404 (no log yet) are nothing new; a 200 (a server that ignores Range) is cut at the offset.
 */
export async function stepLog(http: BitbucketHttp, fullName: string, uuid: string, stepUuid: string, offset: number, maxBytes: number, signal?: AbortSignal): Promise<StepLogChunk> {
  const answer = await http.text(
    {
      endpoint: Endpoints.pipelineStepLog,
      target: pathOf(Endpoints.pipelineStepLog.template, { ...pipelineParams(fullName, uuid), step_uuid: stepUuid }),
      headers: { Range: `bytes=${offset}-${offset + maxBytes - 1}` },
      what: `read the log of step ${stepUuid} of the pipeline ${uuid}`,
      accept: [404, 416],
    },
    signal,
  );
  if (answer.data === null) return { text: '', nextOffset: offset };
  const bytes = Buffer.from(answer.data, 'utf8');
  const fresh = answer.status === 206 ? bytes : bytes.subarray(Math.min(offset, bytes.length));
  const kept = fresh.subarray(0, maxBytes);
  return { text: kept.toString('utf8'), nextOffset: offset + kept.length };
}
