// Webhook bodies of pull request events, built from the fake Bitbucket's world as it is when they
// are built, in the shape Bitbucket Cloud sends (the real bodies in /work/shared/fixtures/webhooks are
// the oracle: test/unit/fakeBitbucket/pullRequestEvents.test.ts compares every key). Webhook bodies
// are richer than the REST API's answers: links include `request-changes` and `statuses`, commits
// carry their links, texts carry `type: rendered`, the repository its owner, project and workspace.
//
//   const event = pullRequestEvent(bitbucket, 'pullrequest:comment_created', { repository: 'acme/net', id: 3, actor: bo, commentId });
//   await sendWebhook(receiverUrl, event, { secret });          // or deliverToHooks(bitbucket, 'acme/net', event)
import type { FakeBitbucket } from './fakeBitbucket';
import type { FakeComment, FakeParticipant, FakePullRequest, FakeRepository, FakeUser } from './fakeBitbucket/model';

export const PULL_REQUEST_EVENT_KEYS = [
  'pullrequest:created',
  'pullrequest:updated',
  'pullrequest:approved',
  'pullrequest:unapproved',
  'pullrequest:changes_request_created',
  'pullrequest:changes_request_removed',
  'pullrequest:fulfilled',
  'pullrequest:rejected',
  'pullrequest:comment_created',
  'pullrequest:comment_updated',
  'pullrequest:comment_deleted',
] as const;
export type PullRequestEventKey = (typeof PULL_REQUEST_EVENT_KEYS)[number];

export interface WebhookEvent {
  eventKey: string;
  /** The exact bytes to send (and sign). */
  body: string;
  json: Record<string, unknown>;
}

export interface PullRequestEventOptions {
  repository: string;
  id: number;
  /** Who did it: a user or the email of one. The pull request's author by default. */
  actor?: FakeUser | string;
  /** For comment events: the comment. The newest by default. */
  commentId?: number;
}

type Fake = Pick<FakeBitbucket, 'world' | 'origin'>;

const link = (href: string) => ({ href });
const short = (hash: string) => hash.slice(0, 12);
const escapeHtml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const rendered = (raw: string) => ({ raw, markup: 'markdown', html: raw === '' ? '' : `<p>${escapeHtml(raw)}</p>`, type: 'rendered' });

function user(person: FakeUser, origin: string) {
  const id = encodeURIComponent(person.uuid);
  return {
    account_id: person.accountId,
    display_name: person.displayName,
    links: { avatar: link(`${origin}/account/${person.nickname}/avatar/`), html: link(`${origin}/${id}/`), self: link(`${origin}/2.0/users/${id}`) },
    nickname: person.nickname,
    type: 'user',
    uuid: person.uuid,
  };
}

function repositoryLinks(fullName: string, uuid: string, origin: string) {
  return { avatar: link(`${origin}/ravatar/${encodeURIComponent(uuid)}?ts=default`), html: link(`${origin}/${fullName}`), self: link(`${origin}/2.0/repositories/${fullName}`) };
}

function repositoryRef(fake: Fake, fullName: string) {
  const repository = fake.world.repository(fullName);
  const name = repository ? `${repository.workspace}/${repository.slug}` : fullName;
  const uuid = repository?.uuid ?? '{00000000-0000-4000-8000-000000000000}';
  return { full_name: name, links: repositoryLinks(name, uuid, fake.origin), name: repository?.name ?? name.split('/')[1] ?? name, type: 'repository', uuid };
}

function commit(fake: Fake, fullName: string, hash: string) {
  return {
    hash: short(hash),
    links: { html: link(`${fake.origin}/${fullName}/commits/${short(hash)}`), self: link(`${fake.origin}/2.0/repositories/${fullName}/commit/${short(hash)}`) },
    type: 'commit',
  };
}

function participant(entry: FakeParticipant, origin: string) {
  return { approved: entry.approved, participated_on: entry.participatedOn, role: entry.role, state: entry.state, type: 'participant', user: user(entry.user, origin) };
}

/** The `repository` of every event: with its owner (the workspace, as a team), project and workspace. */
export function webhookRepository(fake: Fake, repository: FakeRepository) {
  const fullName = `${repository.workspace}/${repository.slug}`;
  const workspace = fake.world.addWorkspace(repository.workspace);
  const workspaceLinks = {
    avatar: link(`${fake.origin}/workspaces/${workspace.slug}/avatar/`),
    html: link(`${fake.origin}/${workspace.slug}/`),
    self: link(`${fake.origin}/2.0/workspaces/${workspace.slug}`),
  };
  return {
    full_name: fullName,
    is_private: repository.isPrivate,
    links: repositoryLinks(fullName, repository.uuid, fake.origin),
    name: repository.name,
    owner: { display_name: workspace.name, links: workspaceLinks, type: 'team', uuid: workspace.uuid },
    parent: null,
    project: {
      key: 'INFRA',
      links: {
        avatar: link(`${fake.origin}/account/user/${workspace.slug}/projects/INFRA/avatar/32`),
        html: link(`${fake.origin}/${workspace.slug}/workspace/projects/INFRA`),
        self: link(`${fake.origin}/2.0/workspaces/${workspace.slug}/projects/INFRA`),
      },
      name: 'Infrastructure',
      type: 'project',
      uuid: '{00000000-0000-4000-8000-000000000001}',
    },
    scm: 'git',
    type: 'repository',
    uuid: repository.uuid,
    website: null,
    workspace: { links: workspaceLinks, name: workspace.name, slug: workspace.slug, type: 'workspace', uuid: workspace.uuid },
  };
}

export function webhookPullRequest(fake: Fake, repository: FakeRepository, pull: FakePullRequest) {
  const fullName = `${repository.workspace}/${repository.slug}`;
  const api = `${fake.origin}/2.0/repositories/${fullName}/pullrequests/${pull.id}`;
  const spec = `${pull.source.repository}:${short(pull.source.commit)}%0D${short(pull.destination.commit)}?from_pullrequest_id=${pull.id}&topic=true`;
  const end = (side: FakePullRequest['source']) => ({ branch: { name: side.branch }, commit: commit(fake, side.repository, side.commit), repository: repositoryRef(fake, side.repository) });
  return {
    author: user(pull.author, fake.origin),
    close_source_branch: pull.closeSourceBranch,
    closed_by: pull.closedBy ? user(pull.closedBy, fake.origin) : null,
    comment_count: pull.comments.filter((comment) => !comment.deleted).length,
    created_on: pull.createdOn,
    description: pull.description,
    destination: end(pull.destination),
    draft: pull.draft,
    id: pull.id,
    links: {
      activity: link(`${api}/activity`),
      approve: link(`${api}/approve`),
      comments: link(`${api}/comments`),
      commits: link(`${api}/commits`),
      decline: link(`${api}/decline`),
      diff: link(`${fake.origin}/2.0/repositories/${fullName}/diff/${spec}`),
      diffstat: link(`${fake.origin}/2.0/repositories/${fullName}/diffstat/${spec}`),
      html: link(`${fake.origin}/${fullName}/pull-requests/${pull.id}`),
      merge: link(`${api}/merge`),
      'request-changes': link(`${api}/request-changes`),
      self: link(api),
      statuses: link(`${api}/statuses`),
    },
    merge_commit: pull.mergeCommit ? commit(fake, fullName, pull.mergeCommit) : null,
    participants: pull.participants.map((entry) => participant(entry, fake.origin)),
    queued: false,
    reason: pull.reason,
    rendered: { description: rendered(pull.description), title: rendered(pull.title) },
    reviewers: pull.participants.filter((entry) => entry.role === 'REVIEWER').map((entry) => user(entry.user, fake.origin)),
    source: { ...end(pull.source), branch: { links: {}, name: pull.source.branch, sync_strategies: ['merge_commit', 'rebase'] } },
    state: pull.state,
    summary: rendered(pull.description),
    task_count: pull.tasks.filter((task) => task.state === 'UNRESOLVED').length,
    title: pull.title,
    type: 'pullrequest',
    updated_on: pull.updatedOn,
  };
}

export function webhookComment(fake: Fake, fullName: string, pull: FakePullRequest, comment: FakeComment) {
  const api = `${fake.origin}/2.0/repositories/${fullName}/pullrequests/${pull.id}`;
  const html = `${fake.origin}/${fullName}/pull-requests/${pull.id}`;
  return {
    content: rendered(comment.raw),
    created_on: comment.createdOn,
    deleted: comment.deleted ?? false,
    id: comment.id,
    ...(comment.inline ? { inline: { from: comment.inline.from ?? null, path: comment.inline.path, to: comment.inline.to ?? null } } : {}),
    links: { html: link(`${html}/_/diff#comment-${comment.id}`), self: link(`${api}/comments/${comment.id}`) },
    ...(comment.parentId ? { parent: { id: comment.parentId, links: { html: link(`${html}/_/diff#comment-${comment.parentId}`), self: link(`${api}/comments/${comment.parentId}`) } } } : {}),
    pullrequest: { id: pull.id, links: { html: link(html), self: link(api) }, title: pull.title, type: 'pullrequest' },
    type: 'pullrequest_comment',
    updated_on: comment.updatedOn,
    user: user(comment.author, fake.origin),
  };
}

/** The body Bitbucket sends for `eventKey` about pull request `id`, as the world holds it now. */
export function pullRequestEvent(fake: Fake, eventKey: PullRequestEventKey, options: PullRequestEventOptions): WebhookEvent {
  const repository = fake.world.repository(options.repository);
  const pull = repository?.pulls.get(options.id);
  if (!repository || !pull) throw new Error(`No pull request #${options.id} in ${options.repository}: make it with bitbucket.pullRequests.create first.`);
  const actor = options.actor === undefined ? pull.author : typeof options.actor === 'string' ? fake.world.person(options.actor) : options.actor;
  const fullName = `${repository.workspace}/${repository.slug}`;
  const json: Record<string, unknown> = {
    actor: user(actor, fake.origin),
    pullrequest: webhookPullRequest(fake, repository, pull),
    repository: webhookRepository(fake, repository),
  };
  if (eventKey.startsWith('pullrequest:comment_')) {
    const comment = options.commentId !== undefined ? pull.comments.find((candidate) => candidate.id === options.commentId) : pull.comments.at(-1);
    if (!comment) throw new Error(`No comment ${options.commentId ?? '(any)'} on pull request #${pull.id}.`);
    json.comment = webhookComment(fake, fullName, pull, comment);
  }
  const review = pull.participants.find((entry) => entry.user === actor);
  const date = review?.participatedOn ?? pull.updatedOn;
  if (eventKey === 'pullrequest:approved' || eventKey === 'pullrequest:unapproved') json.approval = { date, user: user(actor, fake.origin) };
  if (eventKey === 'pullrequest:changes_request_created' || eventKey === 'pullrequest:changes_request_removed') json.changes_request = { date, user: user(actor, fake.origin) };
  return { eventKey, body: JSON.stringify(json), json };
}
