// Bitbucket Pipelines as a run engine: trigger a custom pipeline on a commit, read its state, stop
// it, and read its steps' logs.
import { Endpoints, pathOf, repositoryParams } from './endpoints';
import type { BitbucketHttp } from './transport';
import type { PipelineProgress, PipelineTrigger } from './gateway';
import { BitbucketPipeline, PipelinePage } from './schemas';
import { listSteps } from './pipelineSteps';

const progressOf = (pipeline: BitbucketPipeline): PipelineProgress => ({
  uuid: pipeline.uuid,
  buildNumber: pipeline.build_number ?? null,
  state: pipeline.state.name,
  result: pipeline.state.result?.name ?? null,
  repositoryUuid: pipeline.repository?.uuid ?? null,
});

const pipelineParams = (fullName: string, uuid: string) => ({ ...repositoryParams(fullName), pipeline_uuid: uuid });

export async function triggerPipeline(http: BitbucketHttp, fullName: string, trigger: PipelineTrigger, signal?: AbortSignal): Promise<PipelineProgress> {
  const answer = await http.json(
    {
      endpoint: Endpoints.triggerPipeline,
      target: pathOf(Endpoints.triggerPipeline.template, repositoryParams(fullName)),
      body: {
        target: {
          type: 'pipeline_ref_target',
          ref_type: 'branch',
          ref_name: trigger.branch,
          commit: { type: 'commit', hash: trigger.commit },
          selector: { type: 'custom', pattern: trigger.pipeline },
        },
        variables: [
          ...Object.entries(trigger.variables).map(([key, value]) => ({ type: 'pipeline_variable', key, value, secured: false })),
          ...Object.entries(trigger.secured ?? {}).map(([key, value]) => ({ type: 'pipeline_variable', key, value, secured: true })),
        ],
      },
      schema: BitbucketPipeline,
      what: `run the custom pipeline ${trigger.pipeline} of ${fullName} on ${trigger.commit.slice(0, 12)}`,
    },
    signal,
  );
  return progressOf(answer.data);
}

/**
 * The pipeline a trigger started, when the answer to the trigger was lost (a timeout, a reset): the
 * newest pipelines of the repository, matched by commit, custom pipeline and the run's id variable.
 */
export async function findTriggeredPipeline(http: BitbucketHttp, fullName: string, trigger: PipelineTrigger, signal?: AbortSignal): Promise<PipelineProgress | null> {
  const answer = await http.json(
    {
      endpoint: Endpoints.pipelines,
      target: pathOf(Endpoints.pipelines.template, repositoryParams(fullName)),
      query: { sort: '-created_on', pagelen: 30 },
      schema: PipelinePage,
      what: `look for the pipeline ${trigger.pipeline} of ${fullName} on ${trigger.commit.slice(0, 12)}`,
    },
    signal,
  );
  const runId = trigger.variables.STACKHOOK_RUN_ID;
  const found = answer.data.values.find(
    (pipeline) =>
      pipeline.target?.commit?.hash === trigger.commit &&
      pipeline.target.selector?.pattern === trigger.pipeline &&
      (pipeline.variables === undefined || pipeline.variables.some((variable) => variable.key === 'STACKHOOK_RUN_ID' && variable.value === runId)),
  );
  return found ? progressOf(found) : null;
}

export async function getPipeline(http: BitbucketHttp, fullName: string, uuid: string, signal?: AbortSignal): Promise<PipelineProgress> {
  const answer = await http.json(
    {
      endpoint: Endpoints.pipeline,
      target: pathOf(Endpoints.pipeline.template, pipelineParams(fullName, uuid)),
      schema: BitbucketPipeline,
      what: `read the pipeline ${uuid} of ${fullName}`,
    },
    signal,
  );
  return progressOf(answer.data);
}

export async function stopPipeline(http: BitbucketHttp, fullName: string, uuid: string, signal?: AbortSignal): Promise<void> {
  await http.call(
    {
      endpoint: Endpoints.stopPipeline,
      target: pathOf(Endpoints.stopPipeline.template, pipelineParams(fullName, uuid)),
      schema: null,
      what: `stop the pipeline ${uuid} of ${fullName}`,
      // 400: it has already completed, which is what stopping wants.
      accept: [400],
    },
    signal,
  );
}

/** The steps' logs one after the other, at most `maxBytes` of them. */
export async function pipelineLog(http: BitbucketHttp, fullName: string, uuid: string, maxBytes: number, signal?: AbortSignal): Promise<string> {
  const steps = await listSteps(http, fullName, uuid, signal);
  let text = '';
  for (const step of steps) {
    if (Buffer.byteLength(text) >= maxBytes) break;
    const answer = await http.text(
      {
        endpoint: Endpoints.pipelineStepLog,
        target: pathOf(Endpoints.pipelineStepLog.template, { ...pipelineParams(fullName, uuid), step_uuid: step.uuid }),
        what: `read the log of step ${step.name ?? step.uuid} of the pipeline ${uuid}`,
        accept: [404],
      },
      signal,
    );
    if (answer.data !== null) text += `${step.name ? `== ${step.name}\n` : ''}${answer.data}${answer.data.endsWith('\n') ? '' : '\n'}`;
  }
  return Buffer.byteLength(text) > maxBytes ? `${Buffer.from(text).subarray(0, maxBytes).toString('utf8')}\n[log cut at ${maxBytes} bytes]\n` : text;
}
