// How the fake's REST API writes pull requests, participants, comments and tasks, in the shapes of
// Bitbucket's OpenAPI document (test/unit/bitbucket/openapiFake.test.ts checks them). Like Bitbucket,
// commit hashes in a pull request are 12 characters, and a list of pull requests leaves out
// `participants` and `reviewers` (only a pull request asked for by id carries them).
import { renderUser } from './render';
import type { FakeComment, FakeParticipant, FakePullRequest, FakeRepository, FakeTask, FakeUser } from './model';
import type { World } from './world';

const link = (href: string) => ({ href });
export const shortHash = (hash: string) => hash.slice(0, 12);
const escapeHtml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
export const markup = (raw: string) => ({ raw, markup: 'markdown' as const, html: raw === '' ? '' : `<p>${escapeHtml(raw)}</p>` });

export function pullRequestLinks(fullName: string, pull: FakePullRequest, origin: string) {
  const api = `${origin}/2.0/repositories/${fullName}/pullrequests/${pull.id}`;
  const spec = `${pull.source.repository}:${shortHash(pull.source.commit)}%0D${shortHash(pull.destination.commit)}?from_pullrequest_id=${pull.id}&topic=true`;
  return {
    self: link(api),
    html: link(`${origin}/${fullName}/pull-requests/${pull.id}`),
    commits: link(`${api}/commits`),
    approve: link(`${api}/approve`),
    diff: link(`${origin}/2.0/repositories/${fullName}/diff/${spec}`),
    diffstat: link(`${origin}/2.0/repositories/${fullName}/diffstat/${spec}`),
    comments: link(`${api}/comments`),
    activity: link(`${api}/activity`),
    merge: link(`${api}/merge`),
    decline: link(`${api}/decline`),
  };
}

export function repositoryRef(world: World, fullName: string, origin: string) {
  const repository = world.repository(fullName);
  const name = repository ? `${repository.workspace}/${repository.slug}` : fullName;
  return {
    type: 'repository',
    full_name: name,
    name: repository?.name ?? name.split('/')[1] ?? name,
    uuid: repository?.uuid ?? '{00000000-0000-4000-8000-000000000000}',
    links: { self: link(`${origin}/2.0/repositories/${name}`), html: link(`${origin}/${name}`), avatar: link(`${origin}/${name}/avatar/32/`) },
  };
}

export function renderParticipant(participant: FakeParticipant, origin: string) {
  return {
    type: 'participant',
    user: renderUser(participant.user, origin),
    role: participant.role,
    approved: participant.approved,
    state: participant.state,
    ...(participant.participatedOn !== null ? { participated_on: participant.participatedOn } : {}),
  };
}

/** `full`: as `GET …/pullrequests/{id}` answers, with participants and reviewers. */
export function renderPullRequest(world: World, repository: FakeRepository, pull: FakePullRequest, origin: string, full: boolean) {
  const fullName = `${repository.workspace}/${repository.slug}`;
  const end = (side: FakePullRequest['source']) => ({
    repository: repositoryRef(world, side.repository, origin),
    branch: { name: side.branch },
    commit: { hash: shortHash(side.commit) },
  });
  return {
    type: 'pullrequest',
    id: pull.id,
    title: pull.title,
    description: pull.description,
    rendered: { title: markup(pull.title), description: markup(pull.description), reason: markup(pull.reason) },
    summary: markup(pull.description),
    state: pull.state,
    draft: pull.draft,
    queued: false,
    author: renderUser(pull.author, origin),
    source: end(pull.source),
    destination: { ...end(pull.destination), branch: { name: pull.destination.branch, merge_strategies: ['merge_commit', 'squash', 'fast_forward'], default_merge_strategy: 'merge_commit' } },
    merge_commit: pull.mergeCommit !== null ? { hash: shortHash(pull.mergeCommit) } : null,
    comment_count: pull.comments.filter((comment) => !comment.deleted).length,
    task_count: pull.tasks.filter((task) => task.state === 'UNRESOLVED').length,
    close_source_branch: pull.closeSourceBranch,
    closed_by: pull.closedBy !== null ? renderUser(pull.closedBy, origin) : null,
    reason: pull.reason,
    created_on: pull.createdOn,
    updated_on: pull.updatedOn,
    links: pullRequestLinks(fullName, pull, origin),
    ...(full
      ? {
          reviewers: pull.participants.filter((participant) => participant.role === 'REVIEWER').map((participant) => renderUser(participant.user, origin)),
          participants: pull.participants.map((participant) => renderParticipant(participant, origin)),
        }
      : {}),
  };
}

export function renderComment(comment: FakeComment, fullName: string, pull: Pick<FakePullRequest, 'id' | 'title'>, origin: string) {
  const base = `${origin}/2.0/repositories/${fullName}/pullrequests/${pull.id}`;
  return {
    type: 'pullrequest_comment',
    id: comment.id,
    created_on: comment.createdOn,
    updated_on: comment.updatedOn,
    content: markup(comment.raw),
    user: renderUser(comment.author, origin),
    deleted: comment.deleted ?? false,
    pending: false,
    ...(comment.inline ? { inline: { path: comment.inline.path, ...(comment.inline.from ? { from: comment.inline.from } : {}), ...(comment.inline.to ? { to: comment.inline.to } : {}) } } : {}),
    ...(comment.parentId ? { parent: { type: 'pullrequest_comment', id: comment.parentId, links: { self: link(`${base}/comments/${comment.parentId}`), html: link(`${origin}/${fullName}/pull-requests/${pull.id}/_/diff#comment-${comment.parentId}`) } } } : {}),
    pullrequest: { type: 'pullrequest', id: pull.id, title: pull.title, links: { self: link(base), html: link(`${origin}/${fullName}/pull-requests/${pull.id}`) } },
    links: {
      self: link(`${base}/comments/${comment.id}`),
      html: link(`${origin}/${fullName}/pull-requests/${pull.id}/_/diff#comment-${comment.id}`),
    },
  };
}

export function renderTask(task: FakeTask, fullName: string, pull: FakePullRequest, origin: string) {
  const comment = task.commentId !== null ? pull.comments.find((candidate) => candidate.id === task.commentId) : undefined;
  const user = (who: FakeUser) => renderUser(who, origin);
  return {
    id: task.id,
    created_on: task.createdOn,
    updated_on: task.updatedOn,
    state: task.state,
    content: markup(task.raw),
    creator: user(task.creator),
    pending: false,
    ...(task.resolvedOn !== null ? { resolved_on: task.resolvedOn } : {}),
    ...(task.resolvedBy !== null ? { resolved_by: user(task.resolvedBy) } : {}),
    ...(comment ? { comment: { type: 'pullrequest_comment', id: comment.id, content: markup(comment.raw) } } : {}),
    links: {
      self: link(`${origin}/2.0/repositories/${fullName}/pullrequests/${pull.id}/tasks/${task.id}`),
      html: link(`${origin}/${fullName}/pull-requests/${pull.id}`),
    },
  };
}
