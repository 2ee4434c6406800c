// The endpoints the fake answers, with Bitbucket's paths (as OpenAPI templates), scopes, status
// codes and envelopes. Each handler sees an authenticated user and answers one request.
import { errorBody, renderBranch, renderHook, renderPullRequest, renderRepository, renderUser, renderWorkspaceAccess } from './render';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { renderComment, renderPipeline, renderStatus, renderStep } from './renderRuns';
import { braced, type FakeHook, type FakeRepository, type FakeUser, type FakeWorkspace, type World } from './world';

export interface Reply {
  status: number;
  /** JSON body; `text` for anything else (plain text 429s, HTML 404s). */
  body?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface RouteContext {
  world: World;
  user: FakeUser;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  origin: string;
  rawPath: string;
  refuseInternalUrls: boolean;
}

interface Route {
  method: string;
  template: string;
  scope: string;
  pattern: RegExp;
  names: string[];
  handle(context: RouteContext): Reply;
}

/** Listed in the OpenAPI document, removed from Bitbucket: 410 for everyone. */
export const REMOVED_ROUTES = [
  { method: 'GET', template: '/workspaces' },
  { method: 'GET', template: '/repositories' },
  { method: 'GET', template: '/user/permissions/workspaces' },
  { method: 'GET', template: '/user/permissions/repositories' },
];

/** The events a hook may subscribe to (the OpenAPI document's enum). */
export const KNOWN_EVENTS = new Set([
  'issue:comment_created', 'issue:created', 'issue:updated', 'pipeline:span_created', 'project:updated',
  'pullrequest:approved', 'pullrequest:changes_request_created', 'pullrequest:changes_request_removed',
  'pullrequest:comment_created', 'pullrequest:comment_deleted', 'pullrequest:comment_reopened', 'pullrequest:comment_resolved',
  'pullrequest:comment_updated', 'pullrequest:created', 'pullrequest:fulfilled', 'pullrequest:push', 'pullrequest:rejected',
  'pullrequest:unapproved', 'pullrequest:updated', 'repo:commit_comment_created', 'repo:commit_status_created',
  'repo:commit_status_updated', 'repo:created', 'repo:deleted', 'repo:fork', 'repo:imported', 'repo:push', 'repo:transfer', 'repo:updated',
]);

const REPOSITORY_NOT_FOUND =
  'You may not have access to this repository or it no longer exists in this workspace. If you think this repository exists and you have access, make sure you are authenticated.';

const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ status, body, ...(headers ? { headers } : {}) });
const failure = (status: number, message: string, detail?: string, fields?: Record<string, string[]>) => json(status, errorBody(message, detail, fields));

/** `{values, pagelen, size, page, next?, previous?}`; pagelen defaults to 10 and is capped at 100. */
export function paginate(items: unknown[], context: Pick<RouteContext, 'query' | 'origin' | 'rawPath'>, defaultPagelen = 10): Reply {
  const asked = Number(context.query.get('pagelen') ?? defaultPagelen);
  const pagelen = Math.min(100, Math.max(1, Number.isInteger(asked) ? asked : defaultPagelen));
  const page = Number(context.query.get('page') ?? 1);
  if (!Number.isInteger(page) || page < 1) return failure(400, 'Invalid page');
  const start = (page - 1) * pagelen;
  const linkTo = (target: number) => {
    const query = new URLSearchParams(context.query);
    query.set('page', String(target));
    query.set('pagelen', String(pagelen));
    return `${context.origin}${context.rawPath}?${query.toString()}`;
  };
  return json(200, {
    pagelen,
    size: items.length,
    page,
    values: items.slice(start, start + pagelen),
    ...(start + pagelen < items.length ? { next: linkTo(page + 1) } : {}),
    ...(page > 1 ? { previous: linkTo(page - 1) } : {}),
  });
}

function visibleRepository(context: RouteContext): FakeRepository | Reply {
  const repository = context.world.repository(`${context.params.workspace}/${context.params.repo_slug}`);
  if (!repository) return failure(404, REPOSITORY_NOT_FOUND);
  if (!context.user.workspaces.has(repository.workspace) && repository.isPrivate) return failure(404, REPOSITORY_NOT_FOUND);
  return repository;
}

const isReply = (value: unknown): value is Reply => typeof value === 'object' && value !== null && 'status' in value;

function adminRepository(context: RouteContext): FakeRepository | Reply {
  const repository = visibleRepository(context);
  if (isReply(repository)) return repository;
  if (context.user.workspaces.get(repository.workspace) !== 'admin') {
    return failure(403, 'You must be an administrator of this repository to manage its webhooks.');
  }
  return repository;
}

function adminWorkspace(context: RouteContext): FakeWorkspace | Reply {
  const workspace = context.world.workspaces.get(context.params.workspace ?? '');
  if (!workspace || !context.user.workspaces.has(workspace.slug)) return failure(404, `No workspace with identifier '${context.params.workspace}'.`);
  if (context.user.workspaces.get(workspace.slug) !== 'admin') return failure(403, 'You must be an administrator of this workspace to manage its webhooks.');
  return workspace;
}

function isInternalHost(host: string): boolean {
  return /^(localhost|127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|\[?::1\]?$|0\.0\.0\.0)/.test(host);
}

/** Checks a hook body as Bitbucket does; on create, url and events are required. */
function hookFields(context: RouteContext, creating: boolean): { fields: Partial<Omit<FakeHook, 'uuid' | 'createdAt'>> } | { reply: Reply } {
  const body = context.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { reply: failure(400, 'Bad request', 'The body must be a JSON object.') };
  const input = body as Record<string, unknown>;
  const problems: Record<string, string[]> = {};
  const fields: Partial<Omit<FakeHook, 'uuid' | 'createdAt'>> = {};
  if (input.url !== undefined || creating) {
    if (typeof input.url !== 'string' || !/^https?:\/\/[^/\s]+/.test(input.url)) problems.url = ['Enter a valid URL.'];
    else if (context.refuseInternalUrls && isInternalHost(new URL(input.url).hostname)) problems.url = ['The URL must be publicly routable.'];
    else fields.url = input.url;
  }
  if (input.events !== undefined || creating) {
    const events = input.events;
    if (!Array.isArray(events) || events.length === 0) problems.events = ['At least one event is required.'];
    else if (events.some((event) => typeof event !== 'string' || !KNOWN_EVENTS.has(event))) problems.events = ['Unknown event.'];
    else if (new Set(events).size !== events.length) problems.events = ['Events must be unique.'];
    else fields.events = events as string[];
  }
  if (input.active !== undefined) {
    if (typeof input.active !== 'boolean') problems.active = ['Must be a boolean.'];
    else fields.active = input.active;
  }
  if (input.description !== undefined) {
    if (typeof input.description !== 'string') problems.description = ['Must be a string.'];
    else fields.description = input.description;
  }
  if ('secret' in input) {
    if (input.secret === null || input.secret === '') fields.secret = null;
    else if (typeof input.secret !== 'string' || input.secret.length > 128) problems.secret = ['At most 128 characters.'];
    else fields.secret = input.secret;
  }
  if (Object.keys(problems).length > 0) return { reply: failure(400, 'Bad request', undefined, problems) };
  return { fields };
}

function hookRoutes(kind: 'repository' | 'workspace'): Route[] {
  const base = kind === 'repository' ? '/repositories/{workspace}/{repo_slug}/hooks' : '/workspaces/{workspace}/hooks';
  const home = (context: RouteContext) => {
    if (kind === 'repository') {
      const repository = adminRepository(context);
      if (isReply(repository)) return repository;
      return { hooks: repository.hooks, subject: { kind: 'repository' as const, repository } };
    }
    const workspace = adminWorkspace(context);
    if (isReply(workspace)) return workspace;
    const hooks = context.world.workspaceHooks.get(workspace.slug) ?? [];
    context.world.workspaceHooks.set(workspace.slug, hooks);
    return { hooks, subject: { kind: 'workspace' as const, workspace } };
  };
  const withHook = (context: RouteContext, act: (hooks: FakeHook[], hook: FakeHook, render: (hook: FakeHook) => unknown) => Reply): Reply => {
    const found = home(context);
    if (isReply(found)) return found;
    const hook = found.hooks.find((candidate) => candidate.uuid.toLowerCase() === (context.params.uid ?? '').toLowerCase());
    if (!hook) return failure(404, 'Webhook not found.');
    return act(found.hooks, hook, (h) => renderHook(h, found.subject));
  };
  return [
    route('GET', base, 'read:webhook:bitbucket', (context) => {
      const found = home(context);
      if (isReply(found)) return found;
      return paginate(found.hooks.map((hook) => renderHook(hook, found.subject)), context);
    }),
    route('POST', base, 'write:webhook:bitbucket', (context) => {
      const found = home(context);
      if (isReply(found)) return found;
      const checked = hookFields(context, true);
      if ('reply' in checked) return checked.reply;
      const hook = context.world.newHook({ url: checked.fields.url ?? '', events: checked.fields.events ?? [] });
      Object.assign(hook, checked.fields);
      found.hooks.push(hook);
      return json(201, renderHook(hook, found.subject), { Location: `${context.origin}${context.rawPath}/${encodeURIComponent(hook.uuid)}` });
    }),
    route('GET', `${base}/{uid}`, 'read:webhook:bitbucket', (context) => withHook(context, (_hooks, hook, render) => json(200, render(hook)))),
    route('PUT', `${base}/{uid}`, 'write:webhook:bitbucket', (context) =>
      withHook(context, (_hooks, hook, render) => {
        const checked = hookFields(context, false);
        if ('reply' in checked) return checked.reply;
        Object.assign(hook, checked.fields);
        return json(200, render(hook));
      }),
    ),
    route('DELETE', `${base}/{uid}`, 'delete:webhook:bitbucket', (context) =>
      withHook(context, (hooks, hook) => {
        hooks.splice(hooks.indexOf(hook), 1);
        return { status: 204 };
      }),
    ),
  ];
}

function route(method: string, template: string, scope: string, handle: (context: RouteContext) => Reply): Route {
  const names: string[] = [];
  const pattern = new RegExp(
    `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
      names.push(name);
      // A file path keeps its slashes.
      return name === 'path' ? '(.+)' : '([^/]+)';
    })}$`,
  );
  return { method, template, scope, pattern, names, handle };
}

const REPO = '/repositories/{workspace}/{repo_slug}';

function fileAt(repository: FakeRepository, commit: string, file: string): string | null {
  const stored = repository.files.get(`${commit}:${file}`);
  if (stored !== undefined) return stored;
  if (repository.gitDir === null) return null;
  try {
    return execFileSync('git', ['--git-dir', repository.gitDir, 'show', `${commit}:${file}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

/** Bitbucket answers 400 when the commit's bitbucket-pipelines.yml does not define the pipeline asked for. */
function definesCustom(repository: FakeRepository, commit: string, pattern: string): boolean {
  const text = fileAt(repository, commit, 'bitbucket-pipelines.yml');
  if (text === null) return false;
  try {
    const custom = (parseYaml(text) as { pipelines?: { custom?: Record<string, unknown> } } | null)?.pipelines?.custom;
    return typeof custom === 'object' && custom !== null && pattern in custom;
  } catch {
    return false;
  }
}

function withRepository(context: RouteContext, act: (repository: FakeRepository, fullName: string) => Reply): Reply {
  const repository = visibleRepository(context);
  if (isReply(repository)) return repository;
  return act(repository, `${repository.workspace}/${repository.slug}`);
}

function withPipeline(context: RouteContext, act: (repository: FakeRepository, pipeline: FakeRepository['pipelines'][number]) => Reply): Reply {
  return withRepository(context, (repository) => {
    const pipeline = repository.pipelines.find((candidate) => candidate.uuid.toLowerCase() === (context.params.pipeline_uuid ?? '').toLowerCase());
    if (!pipeline) return failure(404, 'Pipeline not found', `No pipeline with UUID ${context.params.pipeline_uuid}.`);
    return act(repository, pipeline);
  });
}

const STATUS_STATES = new Set(['INPROGRESS', 'SUCCESSFUL', 'FAILED', 'STOPPED']);

function statusFields(body: unknown): { key: string; state: string; name: string; description: string; url: string; refname: string | null } | string {
  if (typeof body !== 'object' || body === null) return 'The body must be a JSON object.';
  const input = body as Record<string, unknown>;
  if (typeof input.key !== 'string' || input.key === '' || input.key.length > 40) return 'key: at most 40 characters, required.';
  if (typeof input.state !== 'string' || !STATUS_STATES.has(input.state)) return 'state: one of INPROGRESS, SUCCESSFUL, FAILED, STOPPED.';
  if (typeof input.url !== 'string' || !/^[a-z][a-z0-9+.-]*:/i.test(input.url)) return 'url: a URL is required.';
  return {
    key: input.key,
    state: input.state,
    name: typeof input.name === 'string' ? input.name : input.key,
    description: typeof input.description === 'string' ? input.description : '',
    url: input.url,
    refname: typeof input.refname === 'string' ? input.refname : null,
  };
}

function commentText(body: unknown): string | null {
  const raw = (body as { content?: { raw?: unknown } } | null)?.content?.raw;
  return typeof raw === 'string' && raw.trim() !== '' ? raw : null;
}

function runRoutes(): Route[] {
  return [
    route('GET', `${REPO}/src/{commit}/{path}`, 'read:repository:bitbucket', (context) =>
      withRepository(context, (repository) => {
        const text = fileAt(repository, context.params.commit ?? '', context.params.path ?? '');
        return text === null ? failure(404, 'No such file or directory', `${context.params.path} at ${context.params.commit}`) : { status: 200, text, contentType: 'text/plain; charset=utf-8' };
      }),
    ),
    route('POST', `${REPO}/pipelines`, 'write:pipeline:bitbucket', (context) =>
      withRepository(context, (repository) => {
        const input = context.body as { target?: Record<string, unknown>; variables?: unknown } | undefined;
        const target = input?.target as { type?: unknown; ref_type?: unknown; ref_name?: unknown; commit?: { hash?: unknown }; selector?: { type?: unknown; pattern?: unknown } } | undefined;
        if (!target || target.type !== 'pipeline_ref_target' || typeof target.ref_name !== 'string') return failure(400, 'Bad request', 'target must be a pipeline_ref_target with a ref_name.');
        const commit = typeof target.commit?.hash === 'string' ? target.commit.hash : repository.branches.get(target.ref_name);
        if (!commit) return failure(400, 'Bad request', `No commit for ${target.ref_name}.`);
        const pattern = typeof target.selector?.pattern === 'string' ? target.selector.pattern : 'default';
        if (target.selector?.type === 'custom' && !definesCustom(repository, commit, pattern)) {
          return failure(400, `The pipeline "custom.${pattern}" was not found in bitbucket-pipelines.yml at ${commit.slice(0, 12)}.`);
        }
        const variables = Array.isArray(input?.variables)
          ? (input.variables as { key?: unknown; value?: unknown; secured?: unknown }[]).map((variable) => ({
              key: String(variable.key ?? ''),
              value: String(variable.value ?? ''),
              secured: variable.secured === true,
            }))
          : [];
        const pipeline = {
          uuid: braced(),
          buildNumber: repository.pipelines.length + 1,
          createdAt: Date.now(),
          refName: target.ref_name,
          commit,
          pattern,
          variables,
          script: { ...repository.pipelineScript, steps: [...repository.pipelineScript.steps] },
          stepUuids: repository.pipelineScript.steps.map(() => `{${randomUUID()}}`),
          stoppedAt: null,
        };
        repository.pipelines.push(pipeline);
        return json(201, renderPipeline(pipeline, repository, Date.now()), { Location: `${context.origin}${context.rawPath}/${encodeURIComponent(pipeline.uuid)}` });
      }),
    ),
    route('GET', `${REPO}/pipelines`, 'read:pipeline:bitbucket', (context) =>
      withRepository(context, (repository) => {
        const now = Date.now();
        const newestFirst = context.query.get('sort') === '-created_on';
        const pipelines = newestFirst ? [...repository.pipelines].reverse() : repository.pipelines;
        return paginate(pipelines.map((pipeline) => renderPipeline(pipeline, repository, now)), context);
      }),
    ),
    route('GET', `${REPO}/pipelines/{pipeline_uuid}`, 'read:pipeline:bitbucket', (context) =>
      withPipeline(context, (repository, pipeline) => json(200, renderPipeline(pipeline, repository, Date.now()))),
    ),
    route('POST', `${REPO}/pipelines/{pipeline_uuid}/stopPipeline`, 'write:pipeline:bitbucket', (context) =>
      withPipeline(context, (repository, pipeline) => {
        if (renderPipeline(pipeline, repository, Date.now()).state.name === 'COMPLETED') return failure(400, 'The pipeline has already completed.');
        pipeline.stoppedAt = Date.now();
        return { status: 204 };
      }),
    ),
    route('GET', `${REPO}/pipelines/{pipeline_uuid}/steps`, 'read:pipeline:bitbucket', (context) =>
      withPipeline(context, (_repository, pipeline) => paginate(pipeline.stepUuids.map((_uuid, index) => renderStep(pipeline, index)), context)),
    ),
    route('GET', `${REPO}/pipelines/{pipeline_uuid}/steps/{step_uuid}/log`, 'read:pipeline:bitbucket', (context) =>
      withPipeline(context, (_repository, pipeline) => {
        const index = pipeline.stepUuids.findIndex((uuid) => uuid.toLowerCase() === (context.params.step_uuid ?? '').toLowerCase());
        if (index < 0) return failure(404, 'Step not found');
        return { status: 200, text: pipeline.script.steps[index]?.log ?? '', contentType: 'application/octet-stream' };
      }),
    ),
    route('GET', `${REPO}/commit/{commit}/statuses`, 'read:repository:bitbucket', (context) =>
      withRepository(context, (repository, fullName) => {
        const commit = context.params.commit ?? '';
        return paginate([...(repository.statuses.get(commit)?.values() ?? [])].map((status) => renderStatus(status, fullName, commit, context.origin)), context);
      }),
    ),
    route('POST', `${REPO}/commit/{commit}/statuses/build`, 'read:repository:bitbucket', (context) =>
      withRepository(context, (repository, fullName) => {
        const commit = context.params.commit ?? '';
        const fields = statusFields(context.body);
        if (typeof fields === 'string') return failure(400, 'Bad request', fields);
        const statuses = repository.statuses.get(commit) ?? new Map();
        repository.statuses.set(commit, statuses);
        const now = new Date().toISOString();
        const existing = statuses.get(fields.key);
        // Bitbucket keeps one status per key: posting the key again updates it.
        const status = existing ? Object.assign(existing, fields, { updatedOn: now }) : { ...fields, createdOn: now, updatedOn: now, history: [] as string[] };
        status.history.push(fields.state);
        statuses.set(fields.key, status);
        return json(201, renderStatus(status, fullName, commit, context.origin));
      }),
    ),
    route('GET', `${REPO}/commit/{commit}/statuses/build/{key}`, 'read:repository:bitbucket', (context) =>
      withRepository(context, (repository, fullName) => {
        const commit = context.params.commit ?? '';
        const status = repository.statuses.get(commit)?.get(context.params.key ?? '');
        return status ? json(200, renderStatus(status, fullName, commit, context.origin)) : failure(404, 'Commit status not found');
      }),
    ),
    route('PUT', `${REPO}/commit/{commit}/statuses/build/{key}`, 'read:repository:bitbucket', (context) =>
      withRepository(context, (repository, fullName) => {
        const commit = context.params.commit ?? '';
        const status = repository.statuses.get(commit)?.get(context.params.key ?? '');
        if (!status) return failure(404, 'Commit status not found');
        const fields = statusFields({ key: status.key, ...(context.body as object) });
        if (typeof fields === 'string') return failure(400, 'Bad request', fields);
        if (fields.key !== status.key) return failure(400, 'Bad request', 'The key of a status cannot change.');
        Object.assign(status, fields, { updatedOn: new Date().toISOString() });
        status.history.push(fields.state);
        return json(200, renderStatus(status, fullName, commit, context.origin));
      }),
    ),
    ...commentRoutes(),
  ];
}

function commentRoutes(): Route[] {
  const withPullRequest = (context: RouteContext, act: (comments: FakeRepository['pullRequests'] extends Map<number, infer C> ? C : never, fullName: string, id: number) => Reply) =>
    withRepository(context, (repository, fullName) => {
      const id = Number(context.params.pull_request_id);
      const comments = repository.pullRequests.get(id);
      if (!comments) return failure(404, `Pull request #${context.params.pull_request_id} not found`);
      return act(comments, fullName, id);
    });
  const base = `${REPO}/pullrequests/{pull_request_id}/comments`;
  return [
    route('GET', base, 'read:pullrequest:bitbucket', (context) =>
      withPullRequest(context, (comments, fullName, id) => paginate(comments.map((comment) => renderComment(comment, fullName, id, context.origin)), context)),
    ),
    route('POST', base, 'read:pullrequest:bitbucket', (context) =>
      withPullRequest(context, (comments, fullName, id) => {
        const raw = commentText(context.body);
        if (raw === null) return failure(400, 'Bad request', 'content.raw is required.');
        const now = new Date().toISOString();
        const comment = { id: 100_000 + comments.length + id * 1_000, raw, author: context.user, createdOn: now, updatedOn: now, edits: 0 };
        comments.push(comment);
        return json(201, renderComment(comment, fullName, id, context.origin));
      }),
    ),
    route('GET', `${base}/{comment_id}`, 'read:pullrequest:bitbucket', (context) =>
      withPullRequest(context, (comments, fullName, id) => {
        const comment = comments.find((candidate) => String(candidate.id) === context.params.comment_id);
        return comment ? json(200, renderComment(comment, fullName, id, context.origin)) : failure(404, 'Comment not found');
      }),
    ),
    route('PUT', `${base}/{comment_id}`, 'read:pullrequest:bitbucket', (context) =>
      withPullRequest(context, (comments, fullName, id) => {
        const comment = comments.find((candidate) => String(candidate.id) === context.params.comment_id);
        if (!comment) return failure(404, 'Comment not found');
        const raw = commentText(context.body);
        if (raw === null) return failure(400, 'Bad request', 'content.raw is required.');
        Object.assign(comment, { raw, updatedOn: new Date().toISOString(), edits: comment.edits + 1 });
        return json(200, renderComment(comment, fullName, id, context.origin));
      }),
    ),
  ];
}

export const ROUTES: Route[] = [
  route('GET', '/user', 'read:user:bitbucket', (context) => json(200, renderUser(context.user, context.origin))),
  route('GET', '/user/workspaces', 'read:workspace:bitbucket', (context) => {
    const values = [...context.user.workspaces.entries()].flatMap(([slug, membership]) => {
      const workspace = context.world.workspaces.get(slug);
      return workspace ? [renderWorkspaceAccess(workspace, membership === 'admin', context.origin)] : [];
    });
    return paginate(values, context);
  }),
  route('GET', '/repositories/{workspace}', 'read:repository:bitbucket', (context) => {
    const workspace = context.world.workspaces.get(context.params.workspace ?? '');
    if (!workspace) return failure(404, `No workspace with identifier '${context.params.workspace}'.`);
    const member = context.user.workspaces.has(workspace.slug);
    const values = context.world
      .repositoriesOf(workspace.slug)
      .filter((repository) => member || !repository.isPrivate)
      .map((repository) => renderRepository(repository, workspace, context.origin));
    return paginate(values, context);
  }),
  route('GET', '/repositories/{workspace}/{repo_slug}', 'read:repository:bitbucket', (context) => {
    const repository = visibleRepository(context);
    if (isReply(repository)) return repository;
    const workspace = context.world.workspaces.get(repository.workspace) as FakeWorkspace;
    return json(200, renderRepository(repository, workspace, context.origin));
  }),
  route('GET', '/repositories/{workspace}/{repo_slug}/refs/branches', 'read:repository:bitbucket', (context) => {
    const repository = visibleRepository(context);
    if (isReply(repository)) return repository;
    const values = [...repository.branches.entries()].map(([name, hash]) => renderBranch(repository, name, hash, context.origin));
    return paginate(values, context);
  }),
  route('GET', '/repositories/{workspace}/{repo_slug}/refs/branches/{name}', 'read:repository:bitbucket', (context) => {
    const repository = visibleRepository(context);
    if (isReply(repository)) return repository;
    const name = context.params.name ?? '';
    const hash = repository.branches.get(name);
    if (hash === undefined) return failure(404, `Branch "${name}" not found`);
    return json(200, renderBranch(repository, name, hash, context.origin));
  }),
  ...hookRoutes('repository'),
  ...hookRoutes('workspace'),
  route('GET', '/repositories/{workspace}/{repo_slug}/commit/{commit}/pullrequests', 'read:pullrequest:bitbucket', (context) => {
    const repository = visibleRepository(context);
    if (isReply(repository)) return repository;
    if (repository.commitLinks === 'not-installed') {
      return failure(404, 'Pull request commit links have not been indexed for this repository.', 'Install the Pull Request Commit Links app.');
    }
    if (repository.commitLinks === 'indexing') return { ...paginate([], context, 30), status: 202 };
    const ids = repository.pullRequestsByCommit.get(context.params.commit ?? '') ?? [];
    return paginate(ids.map(renderPullRequest), context, 30);
  }),
  ...runRoutes(),
];

export type Matched = { kind: 'route'; route: Route; params: Record<string, string> } | { kind: 'removed'; template: string } | { kind: 'none' };

/** Path parameters must arrive URL-encoded: a hook uid is `%7B…%7D`, never raw braces. */
export function matchRoute(method: string, rawPath: string): Matched {
  const removed = REMOVED_ROUTES.find((candidate) => candidate.method === method && candidate.template === rawPath.replace(/\/+$/, ''));
  if (removed) return { kind: 'removed', template: removed.template };
  for (const candidate of ROUTES) {
    if (candidate.method !== method) continue;
    const match = candidate.pattern.exec(rawPath);
    if (!match) continue;
    const params: Record<string, string> = {};
    let encodedProperly = true;
    candidate.names.forEach((name, index) => {
      const raw = match[index + 1] ?? '';
      if (/[{}]/.test(raw)) encodedProperly = false;
      params[name] = decodeURIComponent(raw);
    });
    if (!encodedProperly) continue;
    return { kind: 'route', route: candidate, params };
  }
  return { kind: 'none' };
}
