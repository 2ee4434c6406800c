// Repositories: those of one workspace, those of every workspace the user can access (Bitbucket
// removed the all-workspace listing, so it is workspace by workspace), one by name (R10), and the
// Pull Request Commit Links check.
import type { CallContext } from './gateway';
import type { CommitLinks, Repository } from '../protocol';
import { Endpoints, pathOf, repositoryParams } from './endpoints';
import type { BitbucketHttp } from './transport';
import { collectPages } from './pagination';
import { BitbucketRepository, PullRequestPage, RepositoryPage, WorkspaceAccessPage, type WorkspaceAccess } from './schemas';

export function toRepository(repository: BitbucketRepository): Repository {
  const { workspace, repo_slug } = repositoryParams(repository.full_name);
  return {
    fullName: repository.full_name,
    workspace: repository.workspace?.slug ?? workspace,
    slug: repository.slug ?? repo_slug,
    isPrivate: repository.is_private,
    mainBranch: repository.mainbranch?.name ?? null,
  };
}

export function listWorkspaceAccess(http: BitbucketHttp, signal?: AbortSignal): Promise<WorkspaceAccess[]> {
  return collectPages(
    http,
    { endpoint: Endpoints.userWorkspaces, target: Endpoints.userWorkspaces.template, schema: WorkspaceAccessPage, what: 'list the workspaces you can access' },
    signal,
  );
}

export async function listWorkspaceRepositories(http: BitbucketHttp, workspace: string, context: CallContext, counted = 0): Promise<Repository[]> {
  const found = await collectPages(
    http,
    {
      endpoint: Endpoints.workspaceRepositories,
      target: pathOf(Endpoints.workspaceRepositories.template, { workspace }),
      schema: RepositoryPage,
      what: `list the repositories of the workspace ${workspace}`,
    },
    context.signal,
    (count) => context.progress?.(counted + count, 0, `Listing repositories: ${counted + count} so far (${workspace})`),
  );
  return found.map(toRepository);
}

/** Every workspace from /user/workspaces, then the repositories of each, one workspace after the other. */
export async function listAllRepositories(http: BitbucketHttp, context: CallContext): Promise<Repository[]> {
  const workspaces = await listWorkspaceAccess(http, context.signal);
  const repositories: Repository[] = [];
  for (const access of workspaces) {
    repositories.push(...(await listWorkspaceRepositories(http, access.workspace.slug, context, repositories.length)));
  }
  return repositories;
}

export async function getRepository(http: BitbucketHttp, fullName: string, signal?: AbortSignal): Promise<Repository> {
  const answer = await http.json(
    {
      endpoint: Endpoints.repository,
      target: pathOf(Endpoints.repository.template, repositoryParams(fullName)),
      schema: BitbucketRepository,
      what: `read the repository ${fullName} (a stack's repository must be one its integration's credential can see)`,
    },
    signal,
  );
  return toRepository(answer.data);
}

/** The `https` entry of the repository's clone links: git follows the same host the API is on. */
export async function cloneUrl(http: BitbucketHttp, fullName: string, signal?: AbortSignal): Promise<string> {
  const answer = await http.json(
    { endpoint: Endpoints.repository, target: pathOf(Endpoints.repository.template, repositoryParams(fullName)), schema: BitbucketRepository, what: `read the clone links of ${fullName}` },
    signal,
  );
  const https = answer.data.links?.clone?.find((link) => link.name === 'https');
  if (!https) throw new Error(`Bitbucket gave no https clone link for ${fullName}, so the local runner cannot check it out.`);
  return https.href;
}

export const COMMIT_LINKS_INSTALL =
  'Install the Pull Request Commit Links app: open any commit of the repository in Bitbucket and click "Go to pull request" in the commit\'s details; ' +
  'Bitbucket installs the app for the workspace and starts indexing. Then try again (Bitbucket answers "indexing" until it is done).';

export async function commitLinks(http: BitbucketHttp, fullName: string, commit: string, signal?: AbortSignal): Promise<CommitLinks> {
  const answer = await http.call(
    {
      endpoint: Endpoints.commitPullRequests,
      target: pathOf(Endpoints.commitPullRequests.template, { ...repositoryParams(fullName), commit }),
      schema: PullRequestPage,
      what: `list the pull requests of commit ${commit} in ${fullName}`,
      accept: [404],
    },
    signal,
  );
  const base = { repository: fullName, commit };
  if (answer.status === 404 || answer.data === null) {
    return {
      ...base,
      state: 'not-installed',
      pullRequestIds: [],
      message: `Bitbucket has no pull request links for ${fullName} (404): the Pull Request Commit Links app is not installed, or has not indexed the repository. ${COMMIT_LINKS_INSTALL}`,
    };
  }
  const pullRequestIds = answer.data.values.map((pullRequest) => pullRequest.id);
  if (answer.status === 202) {
    return { ...base, state: 'indexing', pullRequestIds, message: `Bitbucket is still indexing the pull requests of ${fullName} (202). Try again in a few minutes.` };
  }
  return { ...base, state: 'ok', pullRequestIds, message: `The Pull Request Commit Links app works for ${fullName}: commit ${commit} is in ${plural(pullRequestIds.length, 'pull request', 'pull requests')}.` };
}

/** `1 pull request`, `0 pull requests`: a count with its noun. */
function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}
