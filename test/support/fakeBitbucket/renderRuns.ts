// How the fake writes pipelines, steps, build statuses, pull request comments and branches, in the
// shapes of Bitbucket's OpenAPI document (checked by test/unit/bitbucket/openapi.test.ts).
import { renderUser } from './render';
import type { FakeComment, FakePipeline, FakeRepository, FakeStatus } from './world';

const link = (href: string) => ({ href });
const iso = (ms: number) => new Date(ms).toISOString();

export type PipelinePhase = { name: 'PENDING' } | { name: 'IN_PROGRESS' } | { name: 'COMPLETED'; result: string; completedAt: number };

export function phaseOf(pipeline: FakePipeline, now: number): PipelinePhase {
  if (pipeline.stoppedAt !== null) return { name: 'COMPLETED', result: 'STOPPED', completedAt: pipeline.stoppedAt };
  const { pendingMs, durationMs, result } = pipeline.script;
  const elapsed = now - pipeline.createdAt;
  if (elapsed < pendingMs) return { name: 'PENDING' };
  if (elapsed < pendingMs + durationMs) return { name: 'IN_PROGRESS' };
  return { name: 'COMPLETED', result, completedAt: pipeline.createdAt + pendingMs + durationMs };
}

function renderState(phase: PipelinePhase) {
  if (phase.name === 'PENDING') return { type: 'pipeline_state_pending', name: 'PENDING' };
  if (phase.name === 'IN_PROGRESS') return { type: 'pipeline_state_in_progress', name: 'IN_PROGRESS' };
  return { type: 'pipeline_state_completed', name: 'COMPLETED', result: { type: `pipeline_state_completed_${phase.result.toLowerCase()}`, name: phase.result } };
}

export function renderPipeline(pipeline: FakePipeline, repository: FakeRepository, now: number) {
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
    state: renderState(phase),
    variables: pipeline.variables.map((variable) => ({ type: 'pipeline_variable', key: variable.key, value: variable.secured ? '' : variable.value, secured: variable.secured })),
    build_seconds_used: phase.name === 'COMPLETED' ? Math.round((phase.completedAt - pipeline.createdAt) / 1000) : 0,
  };
}

export function renderStep(pipeline: FakePipeline, index: number) {
  return { type: 'pipeline_step', uuid: pipeline.stepUuids[index], name: pipeline.script.steps[index]?.name ?? `Step ${index + 1}` };
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

export function renderComment(comment: FakeComment, fullName: string, pullRequestId: number, origin: string) {
  return {
    type: 'pullrequest_comment',
    id: comment.id,
    created_on: comment.createdOn,
    updated_on: comment.updatedOn,
    content: { raw: comment.raw, markup: 'markdown', html: `<p>${comment.raw.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`)}</p>` },
    user: renderUser(comment.author, origin),
    deleted: false,
    pending: false,
    pullrequest: { type: 'pullrequest', id: pullRequestId, title: `Pull request #${pullRequestId}` },
    links: {
      self: link(`${origin}/2.0/repositories/${fullName}/pullrequests/${pullRequestId}/comments/${comment.id}`),
      html: link(`${origin}/${fullName}/pull-requests/${pullRequestId}/_/diff#comment-${comment.id}`),
    },
  };
}

