// How the fake writes pipelines, steps and build statuses, in the shapes of Bitbucket's OpenAPI
// document (checked by test/unit/bitbucket/openapi.test.ts and openapiFake.test.ts). A pipeline that
// executes (PipelineRunner) reports its real state; one that pretends follows its PipelineScript's clock.
import { renderUser } from './render';
import type { FakePipeline, FakeRepository, FakeStatus, FakeStepRun } from './model';

const link = (href: string) => ({ href });
const iso = (ms: number) => new Date(ms).toISOString();

export type PipelinePhase = { name: 'PENDING' } | { name: 'IN_PROGRESS' } | { name: 'COMPLETED'; result: string; completedAt: number };

export function phaseOf(pipeline: FakePipeline, now: number): PipelinePhase {
  const execution = pipeline.execution;
  if (execution) {
    if (execution.state === 'COMPLETED') return { name: 'COMPLETED', result: execution.result ?? 'ERROR', completedAt: execution.completedAt ?? now };
    return { name: execution.state };
  }
  if (pipeline.stoppedAt !== null) return { name: 'COMPLETED', result: 'STOPPED', completedAt: pipeline.stoppedAt };
  const { pendingMs, durationMs, result } = pipeline.script;
  const elapsed = now - pipeline.createdAt;
  if (elapsed < pendingMs) return { name: 'PENDING' };
  if (elapsed < pendingMs + durationMs) return { name: 'IN_PROGRESS' };
  return { name: 'COMPLETED', result, completedAt: pipeline.createdAt + pendingMs + durationMs };
}

function renderState(phase: PipelinePhase) {
  if (phase.name === 'PENDING') return { type: 'pipeline_state_pending', name: 'PENDING' };
  if (phase.name === 'IN_PROGRESS') return { type: 'pipeline_state_in_progress', name: 'IN_PROGRESS', stage: { type: 'pipeline_state_in_progress_running', name: 'RUNNING' } };
  return { type: 'pipeline_state_completed', name: 'COMPLETED', result: { type: `pipeline_state_completed_${phase.result.toLowerCase()}`, name: phase.result } };
}

export function renderPipeline(pipeline: FakePipeline, repository: FakeRepository, now: number, origin: string) {
  const phase = phaseOf(pipeline, now);
  return {
    type: 'pipeline',
    uuid: pipeline.uuid,
    build_number: pipeline.buildNumber,
    created_on: iso(pipeline.createdAt),
    ...(phase.name === 'COMPLETED' ? { completed_on: iso(phase.completedAt), duration_in_seconds: Math.round((phase.completedAt - pipeline.createdAt) / 1000) } : {}),
    repository: { type: 'repository', full_name: `${repository.workspace}/${repository.slug}`, uuid: repository.uuid, name: repository.name },
    target: {
      type: 'pipeline_ref_target',
      ref_type: 'branch',
      ref_name: pipeline.refName,
      commit: { type: 'commit', hash: pipeline.commit },
      selector: { type: 'custom', pattern: pipeline.pattern },
    },
    trigger: { type: 'pipeline_trigger_manual' },
    ...(pipeline.creator ? { creator: renderUser(pipeline.creator, origin) } : {}),
    state: renderState(phase),
    variables: pipeline.variables.map((variable) => ({ type: 'pipeline_variable', key: variable.key, value: variable.secured ? '' : variable.value, secured: variable.secured })),
    build_seconds_used: phase.name === 'COMPLETED' ? Math.round((phase.completedAt - pipeline.createdAt) / 1000) : 0,
  };
}

/** The steps of a pipeline: the ones it really ran, or the PipelineScript's (whose state follows the pipeline's). */
export function stepsOf(pipeline: FakePipeline, now: number) {
  if (pipeline.execution) return pipeline.execution.steps.map((step) => renderExecutedStep(pipeline, step));
  const phase = phaseOf(pipeline, now);
  return pipeline.stepUuids.map((uuid, index) => ({
    type: 'pipeline_step',
    uuid,
    name: pipeline.script.steps[index]?.name ?? `Step ${index + 1}`,
    state: renderStepState(phase.name, phase.name === 'COMPLETED' ? phase.result : null),
  }));
}

function renderStepState(name: 'PENDING' | 'IN_PROGRESS' | 'COMPLETED', result: string | null) {
  if (name !== 'COMPLETED') return { type: `pipeline_step_state_${name.toLowerCase()}`, name };
  const outcome = result ?? 'ERROR';
  return { type: 'pipeline_step_state_completed', name, result: { type: `pipeline_step_state_completed_${outcome.toLowerCase()}`, name: outcome } };
}

function renderExecutedStep(pipeline: FakePipeline, step: FakeStepRun) {
  return {
    type: 'pipeline_step',
    uuid: step.uuid,
    ...(step.name !== '' ? { name: step.name } : {}),
    pipeline: { type: 'pipeline', uuid: pipeline.uuid },
    state: renderStepState(step.state, step.result),
    ...(step.startedAt !== null ? { started_on: iso(step.startedAt) } : {}),
    ...(step.completedAt !== null ? { completed_on: iso(step.completedAt), duration_in_seconds: Math.round((step.completedAt - (step.startedAt ?? step.completedAt)) / 1000) } : {}),
    image: { name: 'atlassian/default-image:4' },
    script_commands: step.script.map((command, index) => ({ name: `Command ${index + 1}`, command })),
    max_time: step.maxTimeMinutes,
  };
}

export function renderStatus(status: FakeStatus, fullName: string, commit: string, origin: string) {
  const self = `${origin}/2.0/repositories/${fullName}/commit/${commit}/statuses/build/${encodeURIComponent(status.key)}`;
  return {
    type: 'build',
    key: status.key,
    ...(status.refname !== null ? { refname: status.refname } : {}),
    url: status.url,
    state: status.state,
    name: status.name,
    description: status.description,
    created_on: status.createdOn,
    updated_on: status.updatedOn,
    links: { self: link(self), commit: link(`${origin}/2.0/repositories/${fullName}/commit/${commit}`) },
  };
}
