// The endpoints runs use: a file at a commit, pipelines (triggered, read, stopped; executed for real
// when the repository asks for it), their steps and step logs (with HTTP Range, as Bitbucket serves
// them), build statuses (Stackhook's and other tools'), and the OIDC keys of a workspace's pipelines.
import { definesCustom, fileAt } from './pipelineYaml';
import { REPO, failure, json, paginate, route, withRepository, type Reply, type Route, type RouteContext } from './routeKit';
import { renderPipeline, renderStatus, stepsOf } from './renderRuns';
import { braced, type FakePipeline, type FakeRepository } from './world';

function withPipeline(context: RouteContext, act: (repository: FakeRepository, pipeline: FakePipeline) => Reply): Reply {
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

/**
 * A step's log, whole or from `Range: bytes=N-` (or `N-M`, or the last `-N`): 206 with Content-Range
 * (`/*` while the step still runs and the log still grows), 416 when the range starts at or past the
 * end. A step that has not started has no log yet: 404, as Bitbucket answers.
 */
function logReply(context: RouteContext, log: Buffer, growing: boolean): Reply {
  const headers = { 'Accept-Ranges': 'bytes' };
  const asked = /^bytes=(\d*)-(\d*)$/.exec(String(context.headers.range ?? '').trim());
  if (!asked || (asked[1] === '' && asked[2] === '')) return { status: 200, raw: log, contentType: 'application/octet-stream', headers };
  const length = log.length;
  let start: number;
  let end: number;
  if (asked[1] === '') {
    start = Math.max(0, length - Number(asked[2]));
    end = length - 1;
  } else {
    start = Number(asked[1]);
    end = asked[2] === '' ? length - 1 : Math.min(Number(asked[2]), length - 1);
  }
  if (start >= length || end < start) {
    return { status: 416, body: { type: 'error', error: { message: 'Requested range not satisfiable', detail: `The log has ${length} bytes${growing ? ' so far' : ''}.` } }, headers: { ...headers, 'Content-Range': `bytes */${length}` } };
  }
  return {
    status: 206,
    raw: log.subarray(start, end + 1),
    contentType: 'application/octet-stream',
    headers: { ...headers, 'Content-Range': `bytes ${start}-${end}/${growing ? '*' : length}` },
  };
}

function pipelineRoutes(): Route[] {
  return [
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
        const pipeline: FakePipeline = {
          uuid: braced(),
          buildNumber: repository.pipelines.length + 1,
          createdAt: Date.now(),
          refName: target.ref_name,
          commit,
          pattern,
          variables,
          script: { ...repository.pipelineScript, steps: [...repository.pipelineScript.steps] },
          stepUuids: repository.pipelineScript.steps.map(() => braced()),
          stoppedAt: null,
          execution: null,
          creator: context.user,
        };
        repository.pipelines.push(pipeline);
        if (repository.pipelineExecution) context.runner.start(repository, pipeline, repository.pipelineExecution);
        return json(201, renderPipeline(pipeline, repository, Date.now(), context.origin), { Location: `${context.origin}${context.rawPath}/${encodeURIComponent(pipeline.uuid)}` });
      }),
    ),
    route('GET', `${REPO}/pipelines`, 'read:pipeline:bitbucket', (context) =>
      withRepository(context, (repository) => {
        const now = Date.now();
        const newestFirst = context.query.get('sort') === '-created_on';
        const pipelines = newestFirst ? [...repository.pipelines].reverse() : repository.pipelines;
        return paginate(pipelines.map((pipeline) => renderPipeline(pipeline, repository, now, context.origin)), context);
      }),
    ),
    route('GET', `${REPO}/pipelines/{pipeline_uuid}`, 'read:pipeline:bitbucket', (context) =>
      withPipeline(context, (repository, pipeline) => json(200, renderPipeline(pipeline, repository, Date.now(), context.origin))),
    ),
    route('POST', `${REPO}/pipelines/{pipeline_uuid}/stopPipeline`, 'write:pipeline:bitbucket', (context) =>
      withPipeline(context, (repository, pipeline) => {
        if (renderPipeline(pipeline, repository, Date.now(), context.origin).state.name === 'COMPLETED') return failure(400, 'The pipeline has already completed.');
        if (pipeline.execution) context.runner.stop(pipeline);
        else pipeline.stoppedAt = Date.now();
        return { status: 204 };
      }),
    ),
    route('GET', `${REPO}/pipelines/{pipeline_uuid}/steps`, 'read:pipeline:bitbucket', (context) =>
      withPipeline(context, (_repository, pipeline) => paginate(stepsOf(pipeline, Date.now()), context)),
    ),
    route('GET', `${REPO}/pipelines/{pipeline_uuid}/steps/{step_uuid}`, 'read:pipeline:bitbucket', (context) =>
      withPipeline(context, (_repository, pipeline) => {
        const step = stepsOf(pipeline, Date.now()).find((candidate) => candidate.uuid?.toLowerCase() === (context.params.step_uuid ?? '').toLowerCase());
        return step ? json(200, step) : failure(404, 'Step not found', `No step ${context.params.step_uuid} in pipeline ${pipeline.uuid}.`);
      }),
    ),
    route('GET', `${REPO}/pipelines/{pipeline_uuid}/steps/{step_uuid}/log`, 'read:pipeline:bitbucket', (context) =>
      withPipeline(context, (_repository, pipeline) => {
        const wanted = (context.params.step_uuid ?? '').toLowerCase();
        if (pipeline.execution) {
          const step = pipeline.execution.steps.find((candidate) => candidate.uuid.toLowerCase() === wanted);
          if (!step) return failure(404, 'Step not found');
          if (step.state === 'PENDING' || (step.result === 'NOT_RUN' && step.log.length === 0)) return failure(404, 'Log not found', 'The step has not started, so it has no log yet.');
          return logReply(context, step.log.bytes(), step.state !== 'COMPLETED');
        }
        const index = pipeline.stepUuids.findIndex((uuid) => uuid.toLowerCase() === wanted);
        if (index < 0) return failure(404, 'Step not found');
        return logReply(context, Buffer.from(pipeline.script.steps[index]?.log ?? ''), false);
      }),
    ),
  ];
}

function statusRoutes(): Route[] {
  return [
    route('GET', `${REPO}/commit/{commit}/statuses`, 'read:repository:bitbucket', (context) =>
      withRepository(context, (repository, fullName) => {
        const commit = context.params.commit ?? '';
        const refname = context.query.get('refname');
        const statuses = [...(repository.statuses.get(commit)?.values() ?? [])].filter((status) => refname === null || status.refname === refname);
        return paginate(statuses.map((status) => renderStatus(status, fullName, commit, context.origin)), context);
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
  ];
}

function oidcRoutes(): Route[] {
  const base = '/workspaces/{workspace}/pipelines-config/identity/oidc';
  const withWorkspace = (context: RouteContext, act: (workspace: NonNullable<ReturnType<RouteContext['world']['workspaces']['get']>>) => unknown) => {
    const workspace = context.world.workspaces.get(context.params.workspace ?? '');
    return workspace ? json(200, act(workspace)) : failure(404, `No workspace with identifier '${context.params.workspace}'.`);
  };
  // Public: a resource server fetches them without Bitbucket credentials.
  return [
    route('GET', `${base}/keys.json`, null, (context) => withWorkspace(context, (workspace) => context.oidc.keysJson(workspace))),
    route('GET', `${base}/.well-known/openid-configuration`, null, (context) => withWorkspace(context, (workspace) => context.oidc.openidConfiguration(workspace))),
  ];
}

export function runRoutes(): Route[] {
  return [
    route('GET', `${REPO}/src/{commit}/{path}`, 'read:repository:bitbucket', (context) =>
      withRepository(context, (repository) => {
        const text = fileAt(repository, context.params.commit ?? '', context.params.path ?? '');
        return text === null ? failure(404, 'No such file or directory', `${context.params.path} at ${context.params.commit}`) : { status: 200, text, contentType: 'text/plain; charset=utf-8' };
      }),
    ),
    ...pipelineRoutes(),
    ...statusRoutes(),
    ...oidcRoutes(),
  ];
}
