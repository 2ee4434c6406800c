// A fake Bitbucket Cloud REST 2.0 on loopback, for tests, benchmarks and the demo. It keeps the
// real API's paths (under /2.0), envelopes, error bodies, status codes, Basic auth with API tokens
// and scopes, the 410s of removed endpoints and webhook semantics, and can misbehave on demand.
// Beyond the API: git over HTTPS, pipelines that can execute, an OIDC issuer, and read-only web pages
// where Bitbucket's html links land.
//
//   const bitbucket = await startFakeBitbucket();
//   bitbucket.world.addUser({ email: 'ana@example.com', token: 'ATATT-…', workspaces: { acme: 'admin' } });
//   bitbucket.world.addRepositories('acme', 250);
//   … node dist/server.js --stdio --bitbucket-api ${bitbucket.url} …
//   await bitbucket.stop();
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { demoControl, type DemoPeople } from './demoControl';
import { FaultPlan, echoReply, type CallInfo, type FaultKind, type FaultOptions, type RateLimitOptions } from './faults';
import { FakeGit, GIT_PATH, type FakeFile } from './git';
import type { FakeUser } from './model';
import { OidcIssuer } from './oidc';
import { renderPage } from './pages';
import { PipelineRunner } from './pipelineRunner';
import { PullRequestStore } from './pullRequests';
import { errorBody } from './render';
import { matchRoute, type Reply } from './routes';
import { World, type FakeHook, type HookSeed } from './world';

export type { FakeFile } from './git';
export { ALL_FAULTS, type FaultKind, type FaultOptions, type RateLimitOptions } from './faults';
export { ALL_SCOPES, DEFAULT_PIPELINE_SCRIPT, EVERY_SCOPE, World, fakeCommit, type FakeHook, type FakePipeline, type FakePullRequest, type FakeRepository, type FakeUser, type PipelineScript, type UserSeed } from './world';
export type { DiffstatSettings, FakeComment, FakeParticipant, FakeReport, FakeStepRun, FakeTask, PipelineExecutionSettings } from './model';
export { PullRequestStore, Refusal, type PullRequestSeed } from './pullRequests';
export { LIMITS as CODE_INSIGHTS_LIMITS } from './insights';

export interface FakeBitbucketOptions {
  /** 0 (the default) picks a free port. Always 127.0.0.1. */
  port?: number;
  faults?: FaultOptions;
  rateLimit?: RateLimitOptions;
  /** Refuse webhook URLs on loopback or private addresses, as Bitbucket does. Off by default for local demos. */
  refuseInternalUrls?: boolean;
  /** Keep every request and answer body in `exchanges` (for the OpenAPI conformance test). */
  record?: boolean;
  /** The demo's actions under /_demo/ (demoControl.ts), done as these people: only the demo starts the fake with them. */
  demo?: DemoPeople;
}

export interface Exchange {
  method: string;
  template: string;
  status: number;
  body: unknown;
  /** The JSON the client sent, if any. */
  request: unknown;
  /** The answer was text (a log, a file), not JSON. */
  text?: boolean;
}

/** A point in the fake's call counts (`mark()`), to count the calls one delivery or one step made. */
export type CallMark = ReadonlyMap<string, number>;

export interface FakeBitbucket {
  /** The REST base to pass as --bitbucket-api: `http://127.0.0.1:<port>/2.0`. */
  readonly url: string;
  readonly origin: string;
  readonly world: World;
  readonly exchanges: Exchange[];
  setFaults(options: FaultOptions): void;
  setRateLimit(options: RateLimitOptions | null): void;
  /** The next `count` requests matching `match` get `kind`. */
  failNext(kind: FaultKind, match?: Partial<CallInfo> | ((call: CallInfo) => boolean), count?: number): void;
  clearFaults(): void;
  /** When a request (REST or git) last carried this secret, in ms since the epoch; null if none ever did. */
  lastUseOf(secret: string): number | null;
  /** Requests received for `METHOD template`, faulted ones included. */
  count(method: string, template: string): number;
  counts(): Record<string, number>;
  totalCalls(): number;
  resetCounts(): void;
  /** The counts as they are now; `countSince(mark, …)` answers how many came after. */
  mark(): CallMark;
  countSince(mark: CallMark, method: string, template: string): number;
  /** Adds a hook to a repository as if made by hand; returns its braced uuid. */
  addHook(fullName: string, seed: HookSeed): string;
  addWorkspaceHook(workspace: string, seed: HookSeed): string;
  /** The hooks as stored, secrets included (the API never shows them). */
  hooks(fullName: string): FakeHook[];
  workspaceHooks(workspace: string): FakeHook[];
  /** Git over HTTPS behind `links.clone`: commits pushed here can be cloned with an API token. */
  readonly git: FakeGit;
  /** Commits files (or symbolic links; a null deletes the file) on a branch of a repository's git repository; returns the commit hash. Open pull requests from or into the branch follow it. */
  pushCommit(fullName: string, branch: string, files: Record<string, FakeFile | null>, message?: string): string;
  /** Pull requests as people change them: open, push, approve, request changes, comment, merge, decline. */
  readonly pullRequests: PullRequestStore;
  /** The OIDC issuer of the workspaces' pipelines (its keys sign BITBUCKET_STEP_OIDC_TOKEN). */
  readonly oidc: OidcIssuer;
  stop(): Promise<void>;
}

/** Who a public route (an OIDC key set) is answered for: no one, in no workspace. */
const ANONYMOUS: FakeUser = { email: '', nickname: 'anonymous', displayName: 'Anonymous', accountId: '', uuid: '', credentials: [], workspaces: new Map() };

const BASE = '/2.0';

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

function credentialsOf(request: IncomingMessage): { username: string; secret: string } | null {
  const header = request.headers.authorization ?? '';
  const match = /^Basic\s+(.+)$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { username: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

const HTML_404 = '<!DOCTYPE html><html><head><title>Page not found — Bitbucket</title></head><body><h1>Page not found</h1></body></html>';

export async function startFakeBitbucket(options: FakeBitbucketOptions = {}): Promise<FakeBitbucket> {
  const world = new World();
  const git = new FakeGit(world);
  const oidc = new OidcIssuer(() => origin);
  const runner = new PipelineRunner(world, git, oidc, () => origin);
  const pullRequests = new PullRequestStore(world, git);
  const plan = new FaultPlan();
  if (options.faults) plan.set(options.faults);
  if (options.rateLimit) plan.setRateLimit(options.rateLimit);
  const calls = new Map<string, number>();
  const exchanges: Exchange[] = [];
  const lastUse = new Map<string, number>();
  const noteUse = (request: IncomingMessage) => {
    const given = credentialsOf(request);
    if (given) lastUse.set(given.secret, Date.now());
  };
  const sockets = new Set<Socket>();
  let origin = '';
  // The object returned below: the demo's actions need all of it (pushes, pull requests, hooks).
  let self: FakeBitbucket | null = null;

  const send = (response: ServerResponse, reply: Reply, extraHeaders: Record<string, string>) => {
    const headers: Record<string, string> = { ...extraHeaders, ...reply.headers };
    if (reply.raw !== undefined) {
      response.writeHead(reply.status, { ...headers, 'Content-Type': reply.contentType ?? 'application/octet-stream', 'Content-Length': String(reply.raw.length) });
      response.end(reply.raw);
    } else if (reply.body !== undefined) {
      response.writeHead(reply.status, { ...headers, 'Content-Type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(reply.body));
    } else if (reply.text !== undefined) {
      response.writeHead(reply.status, { ...headers, 'Content-Type': reply.contentType ?? 'text/plain; charset=utf-8' });
      response.end(reply.text);
    } else {
      response.writeHead(reply.status, headers);
      response.end();
    }
  };

  const faultReply = (kind: FaultKind): Reply | null => {
    switch (kind) {
      case '429':
        return { status: 429, text: 'Rate limit for this resource has been exceeded' };
      case '429-retry-after':
        return { status: 429, text: 'Rate limit for this resource has been exceeded', headers: { 'Retry-After': String(plan.retryAfterSeconds) } };
      case '500':
        return { status: 500, body: errorBody('Something went wrong', 'An internal error occurred.') };
      case '502':
        return { status: 502, text: '<html><body><h1>502 Bad Gateway</h1></body></html>', contentType: 'text/html' };
      case '503':
        return { status: 503, text: 'Service Unavailable' };
      default:
        return null;
    }
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', origin);
    const method = request.method ?? 'GET';
    noteUse(request);
    if (options.demo && self && url.pathname.startsWith('/_demo/')) {
      const demoText = await readBody(request);
      let demoBody: unknown = undefined;
      try {
        demoBody = demoText === '' ? undefined : (JSON.parse(demoText) as unknown);
      } catch {
        return send(response, { status: 400, body: { error: 'The body is not valid JSON.' } }, {});
      }
      const reply = await demoControl(self, options.demo, method, url.pathname.slice('/_demo/'.length), demoBody);
      return send(response, { status: reply.status, body: reply.body }, {});
    }
    if (GIT_PATH.test(url.pathname)) {
      calls.set('GIT', (calls.get('GIT') ?? 0) + 1);
      return git.handle(request, response, url, credentialsOf(request));
    }
    const rawPath = url.pathname.startsWith(`${BASE}/`) ? url.pathname.slice(BASE.length) : url.pathname;
    const matched = matchRoute(method, rawPath);
    const template = matched.kind === 'route' ? matched.route.template : matched.kind === 'removed' ? matched.template : 'unknown';
    const key = `${method} ${template}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
    const text = await readBody(request);
    let sent: unknown = undefined;
    const record = (status: number, body: unknown, text = false) => {
      if (options.record) exchanges.push({ method, template, status, body, request: sent, ...(text ? { text } : {}) });
    };

    const latency = plan.latency();
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));

    const echo = plan.echoStatus;
    if (echo !== null) return send(response, echoReply(request.headers.authorization, echo), {});

    const fault = plan.pick({ method, template });
    if (fault === 'hang') return; // The socket stays open until the client gives up or the fake stops.
    if (fault === 'reset') {
      request.socket.destroy();
      return;
    }
    const faulted = fault ? faultReply(fault) : null;
    if (faulted) {
      record(faulted.status, faulted.body ?? null);
      return send(response, faulted, {});
    }

    if (!url.pathname.startsWith(`${BASE}/`) && method === 'GET') {
      const page = renderPage(world, url.pathname, origin);
      return send(response, { status: page.status, text: page.html, contentType: 'text/html; charset=utf-8' }, {});
    }
    if (!url.pathname.startsWith(`${BASE}/`) || matched.kind === 'none') {
      record(404, null);
      return send(response, { status: 404, text: HTML_404, contentType: 'text/html; charset=utf-8' }, {});
    }
    if (matched.kind === 'removed') {
      const reply = { status: 410, body: errorBody('This API is no longer supported.', `${method} ${BASE}${template} has been removed. See the Bitbucket Cloud changelog.`) };
      record(reply.status, reply.body);
      return send(response, reply, {});
    }

    const { route, params } = matched;
    const given = credentialsOf(request);
    // A public route (scope null) is answered for anyone, credentials or not.
    const auth =
      route.scope === null
        ? { user: ANONYMOUS, credential: { kind: 'none', scopes: [] as string[], secret: '' } }
        : given
          ? world.authenticate(given.username, given.secret)
          : { refused: 'unknown' as const };
    if ('refused' in auth) {
      const reply = { status: 401, body: errorBody('Unauthorized'), headers: { 'WWW-Authenticate': 'Basic realm="Bitbucket.org HTTP"' } };
      record(reply.status, reply.body);
      return send(response, reply, auth.refused === 'app_password' ? { 'X-Credential-Type': 'app_password' } : {});
    }
    const identity: Record<string, string> =
      route.scope === null
        ? {}
        : {
            'X-OAuth-Scopes': auth.credential.scopes.join(', '),
            'X-Credential-Type': auth.credential.kind,
          };
    const limited = route.scope === null ? null : plan.overLimit(auth.user.email);
    if (limited) {
      const reply: Reply = {
        status: 429,
        text: 'Rate limit for this resource has been exceeded',
        ...(limited.retryAfterSeconds !== null ? { headers: { 'Retry-After': String(limited.retryAfterSeconds) } } : {}),
      };
      record(429, null);
      return send(response, reply, identity);
    }
    if (route.scope !== null && !auth.credential.scopes.includes(route.scope)) {
      const reply = {
        status: 403,
        body: errorBody('Your credentials lack one or more required privilege scopes.', `This API requires the scope ${route.scope}.`),
        headers: { 'X-Accepted-OAuth-Scopes': route.scope },
      };
      record(reply.status, reply.body);
      return send(response, reply, identity);
    }
    let body: unknown = undefined;
    if (text !== '') {
      try {
        body = JSON.parse(text) as unknown;
        sent = body;
      } catch {
        const reply = { status: 400, body: errorBody('Bad request', 'The body is not valid JSON.') };
        record(reply.status, reply.body);
        return send(response, reply, identity);
      }
    }
    const reply = route.handle({
      world,
      user: auth.user,
      params,
      query: url.searchParams,
      body,
      headers: request.headers,
      origin,
      rawPath: url.pathname,
      refuseInternalUrls: options.refuseInternalUrls ?? false,
      git,
      runner,
      oidc,
    });
    record(reply.status, reply.body ?? null, reply.body === undefined && (reply.text !== undefined || reply.raw !== undefined));
    if (fault === 'reset-after') {
      request.socket.destroy();
      return;
    }
    send(response, reply, identity);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, { status: 500, body: errorBody('Fake Bitbucket failed', String(error)) }, {});
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const addHookTo = (hooks: FakeHook[], seed: HookSeed) => {
    const hook = world.newHook(seed);
    hooks.push(hook);
    return hook.uuid;
  };
  const copy = (hooks: FakeHook[]) => hooks.map((hook) => ({ ...hook, events: [...hook.events] }));

  self = {
    url: `${origin}${BASE}`,
    origin,
    world,
    exchanges,
    setFaults: (faults) => plan.set(faults),
    setRateLimit: (limit) => plan.setRateLimit(limit),
    failNext: (kind, match, count) => plan.failNext(kind, match, count),
    clearFaults: () => plan.clear(),
    count: (method, template) => calls.get(`${method} ${template}`) ?? 0,
    lastUseOf: (secret) => lastUse.get(secret) ?? null,
    counts: () => Object.fromEntries(calls),
    totalCalls: () => [...calls.values()].reduce((sum, n) => sum + n, 0),
    resetCounts: () => calls.clear(),
    mark: () => new Map(calls),
    countSince: (mark, method, template) => (calls.get(`${method} ${template}`) ?? 0) - (mark.get(`${method} ${template}`) ?? 0),
    addHook(fullName, seed) {
      const repository = world.repository(fullName) ?? world.addRepository(fullName);
      return addHookTo(repository.hooks, seed);
    },
    addWorkspaceHook(workspace, seed) {
      world.addWorkspace(workspace);
      const hooks = world.workspaceHooks.get(workspace) ?? [];
      world.workspaceHooks.set(workspace, hooks);
      return addHookTo(hooks, seed);
    },
    git,
    pushCommit(fullName, branch, files, message) {
      const commit = git.pushCommit(fullName, branch, files, message);
      pullRequests.followPush(fullName, branch, commit);
      return commit;
    },
    pullRequests,
    oidc,
    hooks: (fullName) => copy(world.repository(fullName)?.hooks ?? []),
    workspaceHooks: (workspace) => copy(world.workspaceHooks.get(workspace) ?? []),
    async stop() {
      await runner.stopAll();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      git.remove();
    },
  };
  return self;
}
