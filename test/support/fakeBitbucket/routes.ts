// The endpoints the fake answers, with Bitbucket's paths (as OpenAPI templates), scopes, status
// codes and envelopes: the account, workspaces, repositories, branches and webhooks here; runs,
// pull requests, repository rules and Code Insights in the routes* modules beside this one.
import { renderBranch, renderHook, renderPullRequestStub, renderRepository, renderUser, renderWorkspaceAccess } from './render';
import { renderPullRequest } from './renderPullRequests';
import { REPO, adminRepository, failure, isReply, json, paginate, route, visibleRepository, type Reply, type Route, type RouteContext } from './routeKit';
import { insightsRoutes } from './routesInsights';
import { pullRequestRoutes } from './routesPullRequests';
import { repositoryRoutes } from './routesRepository';
import { runRoutes } from './routesRuns';
import type { FakeHook, FakeWorkspace } from './world';

export type { Reply, RouteContext } from './routeKit';

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
  route('GET', REPO, 'read:repository:bitbucket', (context) => {
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
    const values = ids.map((id) => {
      const pull = repository.pulls.get(id);
      return pull ? renderPullRequest(context.world, repository, pull, context.origin, false) : renderPullRequestStub(id);
    });
    return paginate(values, context, 30);
  }),
  ...runRoutes(),
  ...pullRequestRoutes(),
  ...repositoryRoutes(),
  ...insightsRoutes(),
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
