// Every request the client can make, named once with its method and path template as Bitbucket's
// OpenAPI document spells it, so a test can hold the whole list against that document.
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Endpoint {
  readonly method: HttpMethod;
  readonly template: string;
  /** The scope an API token needs for it (docs/design.md §6), named in missing-scope errors. */
  readonly scope: string;
}

const endpoint = (method: HttpMethod, template: string, scope: string): Endpoint => ({ method, template, scope });

export const Endpoints = {
  currentUser: endpoint('GET', '/user', 'read:user:bitbucket'),
  userWorkspaces: endpoint('GET', '/user/workspaces', 'read:workspace:bitbucket'),
  workspaceRepositories: endpoint('GET', '/repositories/{workspace}', 'read:repository:bitbucket'),
  repository: endpoint('GET', '/repositories/{workspace}/{repo_slug}', 'read:repository:bitbucket'),
  repositoryBranches: endpoint('GET', '/repositories/{workspace}/{repo_slug}/refs/branches', 'read:repository:bitbucket'),
  repositoryBranch: endpoint('GET', '/repositories/{workspace}/{repo_slug}/refs/branches/{name}', 'read:repository:bitbucket'),
  repositoryHooks: endpoint('GET', '/repositories/{workspace}/{repo_slug}/hooks', 'read:webhook:bitbucket'),
  createRepositoryHook: endpoint('POST', '/repositories/{workspace}/{repo_slug}/hooks', 'write:webhook:bitbucket'),
  updateRepositoryHook: endpoint('PUT', '/repositories/{workspace}/{repo_slug}/hooks/{uid}', 'write:webhook:bitbucket'),
  deleteRepositoryHook: endpoint('DELETE', '/repositories/{workspace}/{repo_slug}/hooks/{uid}', 'delete:webhook:bitbucket'),
  workspaceHooks: endpoint('GET', '/workspaces/{workspace}/hooks', 'read:webhook:bitbucket'),
  createWorkspaceHook: endpoint('POST', '/workspaces/{workspace}/hooks', 'write:webhook:bitbucket'),
  updateWorkspaceHook: endpoint('PUT', '/workspaces/{workspace}/hooks/{uid}', 'write:webhook:bitbucket'),
  deleteWorkspaceHook: endpoint('DELETE', '/workspaces/{workspace}/hooks/{uid}', 'delete:webhook:bitbucket'),
  // The paths a push or a pull request changed (trigger paths): one commit against its parent, or
  // `source..destination`, Bitbucket's order (the reverse of git diff's).
  diffstat: endpoint('GET', '/repositories/{workspace}/{repo_slug}/diffstat/{spec}', 'read:repository:bitbucket'),
  commitPullRequests: endpoint('GET', '/repositories/{workspace}/{repo_slug}/commit/{commit}/pullrequests', 'read:pullrequest:bitbucket'),
  // Runs. Scopes as the OpenAPI document's x-atlassian-oauth2-scopes give them (triggering a
  // pipeline names read and write:pipeline; the write is the one a read-only token lacks).
  sourceFile: endpoint('GET', '/repositories/{workspace}/{repo_slug}/src/{commit}/{path}', 'read:repository:bitbucket'),
  triggerPipeline: endpoint('POST', '/repositories/{workspace}/{repo_slug}/pipelines', 'write:pipeline:bitbucket'),
  pipeline: endpoint('GET', '/repositories/{workspace}/{repo_slug}/pipelines/{pipeline_uuid}', 'read:pipeline:bitbucket'),
  pipelines: endpoint('GET', '/repositories/{workspace}/{repo_slug}/pipelines', 'read:pipeline:bitbucket'),
  stopPipeline: endpoint('POST', '/repositories/{workspace}/{repo_slug}/pipelines/{pipeline_uuid}/stopPipeline', 'write:pipeline:bitbucket'),
  pipelineSteps: endpoint('GET', '/repositories/{workspace}/{repo_slug}/pipelines/{pipeline_uuid}/steps', 'read:pipeline:bitbucket'),
  pipelineStepLog: endpoint('GET', '/repositories/{workspace}/{repo_slug}/pipelines/{pipeline_uuid}/steps/{step_uuid}/log', 'read:pipeline:bitbucket'),
  createBuildStatus: endpoint('POST', '/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build', 'read:repository:bitbucket'),
  updateBuildStatus: endpoint('PUT', '/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build/{key}', 'read:repository:bitbucket'),
  createPullRequestComment: endpoint('POST', '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/comments', 'read:pullrequest:bitbucket'),
  pullRequestComments: endpoint('GET', '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/comments', 'read:pullrequest:bitbucket'),
  updatePullRequestComment: endpoint(
    'PUT',
    '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/comments/{comment_id}',
    'read:pullrequest:bitbucket',
  ),
  // Code Insights: the OpenAPI document names read:repository for every reports call, writes included.
  putInsightsReport: endpoint('PUT', '/repositories/{workspace}/{repo_slug}/commit/{commit}/reports/{reportId}', 'read:repository:bitbucket'),
  deleteInsightsReport: endpoint('DELETE', '/repositories/{workspace}/{repo_slug}/commit/{commit}/reports/{reportId}', 'read:repository:bitbucket'),
  postInsightsAnnotations: endpoint('POST', '/repositories/{workspace}/{repo_slug}/commit/{commit}/reports/{reportId}/annotations', 'read:repository:bitbucket'),
} as const satisfies Record<string, Endpoint>;

/** Listed in the OpenAPI document but answering 410 since Bitbucket removed them: never call these. */
export const REMOVED_ENDPOINTS: readonly Pick<Endpoint, 'method' | 'template'>[] = [
  { method: 'GET', template: '/workspaces' },
  { method: 'GET', template: '/repositories' },
  { method: 'GET', template: '/user/permissions/workspaces' },
  { method: 'GET', template: '/user/permissions/repositories' },
];

/** Every scope Stackhook's calls need, in the order a person would grant them. */
export const REQUIRED_SCOPES = [...new Set(Object.values(Endpoints).map((e) => e.scope))];

/** Fills a template; every value is URL-encoded, so a braced hook UUID becomes `%7B…%7D`. */
export function pathOf(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`No value for {${name}} in ${template}`);
    return encodeURIComponent(value);
  });
}

/** `acme/network` → `{workspace: 'acme', repo_slug: 'network'}`. */
export function repositoryParams(fullName: string): { workspace: string; repo_slug: string } {
  const [workspace = '', repo_slug = ''] = fullName.split('/');
  return { workspace, repo_slug };
}
