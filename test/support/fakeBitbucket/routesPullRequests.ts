// The pull request endpoints: listing and reading pull requests, approving and requesting changes,
// declining and merging, their comments (anyone's, inline, replies, edits and deletions) and tasks,
// their build statuses, and their diffstat (a redirect to the repository's, as Bitbucket does).
import { PullRequestStore, Refusal } from './pullRequests';
import { REPO, equalityFilter, failure, isReply, json, objectBody, paginate, route, withRepository, type Reply, type Route, type RouteContext } from './routeKit';
import { renderComment, renderParticipant, renderPullRequest, renderTask, shortHash } from './renderPullRequests';
import { renderStatus } from './renderRuns';
import type { FakePullRequest, FakeRepository } from './model';

const PULL = `${REPO}/pullrequests/{pull_request_id}`;
const STATES = new Set(['OPEN', 'MERGED', 'DECLINED', 'SUPERSEDED']);

/** Runs a change of the store, answering Bitbucket's error for what it refuses. */
function attempt(act: () => Reply): Reply {
  try {
    return act();
  } catch (error) {
    if (error instanceof Refusal) return failure(error.status, error.message, error.detail);
    throw error;
  }
}

function withPull(context: RouteContext, act: (store: PullRequestStore, repository: FakeRepository, pull: FakePullRequest, fullName: string) => Reply): Reply {
  return withRepository(context, (repository, fullName) => {
    const id = Number(context.params.pull_request_id);
    const pull = Number.isInteger(id) ? repository.pulls.get(id) : undefined;
    if (!pull) return failure(404, `Pull request #${context.params.pull_request_id} not found`);
    return attempt(() => act(new PullRequestStore(context.world, context.git), repository, pull, fullName));
  });
}

function rawOf(body: unknown): string | null {
  const raw = (body as { content?: { raw?: unknown } } | null)?.content?.raw;
  return typeof raw === 'string' && raw.trim() !== '' ? raw : null;
}

function commentRoutes(): Route[] {
  const base = `${PULL}/comments`;
  const withComment = (context: RouteContext, act: (store: PullRequestStore, pull: FakePullRequest, fullName: string, commentId: number) => Reply) =>
    withPull(context, (store, _repository, pull, fullName) => {
      const commentId = Number(context.params.comment_id);
      store.commentOf(fullName, pull.id, commentId);
      return act(store, pull, fullName, commentId);
    });
  const own = (context: RouteContext, store: PullRequestStore, pull: FakePullRequest, fullName: string, commentId: number, doing: string) => {
    if (store.commentOf(fullName, pull.id, commentId).author !== context.user) throw new Refusal(403, `You can only ${doing} your own comments.`);
  };
  return [
    route('GET', base, 'read:pullrequest:bitbucket', (context) =>
      withPull(context, (_store, _repository, pull, fullName) => paginate(pull.comments.map((comment) => renderComment(comment, fullName, pull, context.origin)), context)),
    ),
    route('POST', base, 'read:pullrequest:bitbucket', (context) =>
      withPull(context, (store, _repository, pull, fullName) => {
        const raw = rawOf(context.body);
        if (raw === null) return failure(400, 'Bad request', 'content.raw is required.');
        const input = context.body as { inline?: { path?: unknown; from?: unknown; to?: unknown }; parent?: { id?: unknown } };
        const inline = input.inline
          ? { path: String(input.inline.path ?? ''), ...(typeof input.inline.from === 'number' ? { from: input.inline.from } : {}), ...(typeof input.inline.to === 'number' ? { to: input.inline.to } : {}) }
          : undefined;
        const comment = store.comment(fullName, pull.id, {
          author: context.user,
          raw,
          ...(inline ? { inline } : {}),
          ...(typeof input.parent?.id === 'number' ? { parentId: input.parent.id } : {}),
        });
        return json(201, renderComment(comment, fullName, pull, context.origin));
      }),
    ),
    route('GET', `${base}/{comment_id}`, 'read:pullrequest:bitbucket', (context) =>
      withComment(context, (store, pull, fullName, commentId) => json(200, renderComment(store.commentOf(fullName, pull.id, commentId), fullName, pull, context.origin))),
    ),
    route('PUT', `${base}/{comment_id}`, 'read:pullrequest:bitbucket', (context) =>
      withComment(context, (store, pull, fullName, commentId) => {
        own(context, store, pull, fullName, commentId, 'edit');
        const raw = rawOf(context.body);
        if (raw === null) return failure(400, 'Bad request', 'content.raw is required.');
        return json(200, renderComment(store.editComment(fullName, pull.id, commentId, raw), fullName, pull, context.origin));
      }),
    ),
    route('DELETE', `${base}/{comment_id}`, 'read:pullrequest:bitbucket', (context) =>
      withComment(context, (store, pull, fullName, commentId) => {
        own(context, store, pull, fullName, commentId, 'delete');
        store.deleteComment(fullName, pull.id, commentId);
        return { status: 204 };
      }),
    ),
  ];
}

function taskRoutes(): Route[] {
  const base = `${PULL}/tasks`;
  return [
    route('GET', base, 'read:pullrequest:bitbucket', (context) =>
      withPull(context, (_store, _repository, pull, fullName) => {
        const filter = equalityFilter(context, ['state']);
        if (isReply(filter)) return filter;
        const tasks = filter ? pull.tasks.filter((task) => task.state === filter.value) : pull.tasks;
        return paginate(tasks.map((task) => renderTask(task, fullName, pull, context.origin)), context);
      }),
    ),
    route('POST', base, 'read:pullrequest:bitbucket', (context) =>
      withPull(context, (store, _repository, pull, fullName) => {
        const raw = rawOf(context.body);
        if (raw === null) return failure(400, 'Bad request', 'content.raw is required.');
        const commentId = (context.body as { comment?: { id?: unknown } }).comment?.id;
        const task = store.addTask(fullName, pull.id, { creator: context.user, raw, ...(typeof commentId === 'number' ? { commentId } : {}) });
        return json(201, renderTask(task, fullName, pull, context.origin));
      }),
    ),
    route('GET', `${base}/{task_id}`, 'read:pullrequest:bitbucket', (context) =>
      withPull(context, (_store, _repository, pull, fullName) => {
        const task = pull.tasks.find((candidate) => String(candidate.id) === context.params.task_id);
        return task ? json(200, renderTask(task, fullName, pull, context.origin)) : failure(404, 'Task not found');
      }),
    ),
    route('PUT', `${base}/{task_id}`, 'read:pullrequest:bitbucket', (context) =>
      withPull(context, (store, _repository, pull, fullName) => {
        const input = objectBody(context);
        if (isReply(input)) return input;
        const state = input.state;
        if (state !== undefined && state !== 'RESOLVED' && state !== 'UNRESOLVED') return failure(400, 'Bad request', 'state: one of RESOLVED, UNRESOLVED.');
        const raw = input.content !== undefined ? rawOf(input) : undefined;
        if (raw === null) return failure(400, 'Bad request', 'content.raw must not be empty.');
        const task = store.setTask(fullName, pull.id, Number(context.params.task_id), { ...(state ? { state } : {}), ...(raw ? { raw } : {}) }, context.user);
        return json(200, renderTask(task, fullName, pull, context.origin));
      }),
    ),
  ];
}

function reviewRoutes(): Route[] {
  const review = (act: 'approve' | 'unapprove' | 'requestChanges' | 'removeChangesRequest') => (context: RouteContext) =>
    withPull(context, (store, _repository, pull, fullName) => {
      const participant = store[act](fullName, pull.id, context.user);
      return act === 'approve' || act === 'requestChanges' ? json(200, renderParticipant(participant, context.origin)) : { status: 204 };
    });
  return [
    route('POST', `${PULL}/approve`, 'write:pullrequest:bitbucket', review('approve')),
    route('DELETE', `${PULL}/approve`, 'write:pullrequest:bitbucket', review('unapprove')),
    route('POST', `${PULL}/request-changes`, 'write:pullrequest:bitbucket', review('requestChanges')),
    route('DELETE', `${PULL}/request-changes`, 'write:pullrequest:bitbucket', review('removeChangesRequest')),
    route('POST', `${PULL}/decline`, 'write:pullrequest:bitbucket', (context) =>
      withPull(context, (store, repository, pull, fullName) => json(200, renderPullRequest(context.world, repository, store.decline(fullName, pull.id, context.user), context.origin, true))),
    ),
    route('POST', `${PULL}/merge`, 'write:pullrequest:bitbucket', (context) =>
      withPull(context, (store, repository, pull, fullName) => {
        const input = (context.body ?? {}) as { message?: unknown; close_source_branch?: unknown; merge_strategy?: unknown };
        const strategy = input.merge_strategy ?? 'merge_commit';
        if (strategy !== 'merge_commit' && strategy !== 'squash' && strategy !== 'fast_forward') {
          return failure(400, 'Bad request', `merge_strategy: the fake Bitbucket merges with merge_commit, squash or fast_forward, not ${String(strategy)}.`);
        }
        const merged = store.merge(fullName, pull.id, context.user, {
          strategy,
          ...(typeof input.message === 'string' ? { message: input.message } : {}),
          ...(typeof input.close_source_branch === 'boolean' ? { closeSourceBranch: input.close_source_branch } : {}),
        });
        return json(200, renderPullRequest(context.world, repository, merged, context.origin, true));
      }),
    ),
  ];
}

export function pullRequestRoutes(): Route[] {
  return [
    route('GET', `${REPO}/pullrequests`, 'read:pullrequest:bitbucket', (context) =>
      withRepository(context, (repository) => {
        const asked = context.query.getAll('state').map((state) => state.toUpperCase());
        const unknown = asked.find((state) => !STATES.has(state));
        if (unknown !== undefined) return failure(400, 'Bad request', `state: one of OPEN, MERGED, DECLINED, SUPERSEDED, not ${unknown}.`);
        const states = new Set(asked.length > 0 ? asked : ['OPEN']);
        const pulls = [...repository.pulls.values()].filter((pull) => states.has(pull.state)).sort((a, b) => b.id - a.id);
        // Bitbucket caps pages of pull requests at 50.
        return paginate(pulls.map((pull) => renderPullRequest(context.world, repository, pull, context.origin, false)), context, { maxPagelen: 50 });
      }),
    ),
    route('GET', PULL, 'read:pullrequest:bitbucket', (context) =>
      withPull(context, (_store, repository, pull) => json(200, renderPullRequest(context.world, repository, pull, context.origin, true))),
    ),
    route('GET', `${PULL}/diffstat`, 'read:pullrequest:bitbucket', (context) =>
      withPull(context, (_store, _repository, pull, fullName) => {
        const spec = `${pull.source.repository}:${shortHash(pull.source.commit)}%0D${shortHash(pull.destination.commit)}`;
        return { status: 302, headers: { Location: `${context.origin}/2.0/repositories/${fullName}/diffstat/${spec}?from_pullrequest_id=${pull.id}&topic=true` } };
      }),
    ),
    route('GET', `${PULL}/statuses`, 'read:pullrequest:bitbucket', (context) =>
      withPull(context, (_store, repository, pull, fullName) => {
        const statuses = [...(repository.statuses.get(pull.source.commit)?.values() ?? [])];
        return paginate(statuses.map((status) => renderStatus(status, fullName, pull.source.commit, context.origin)), context);
      }),
    ),
    ...reviewRoutes(),
    ...commentRoutes(),
    ...taskRoutes(),
  ];
}
