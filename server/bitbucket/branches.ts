// Branches of a repository and files at a commit: one branch by name (a stack's branch must exist,
// so a typo is caught when it is typed, and a manual run resolves its commit), all of them (offered
// as a pick list), and a file's text (whether the repository defines a stack's custom pipeline).
import type { Branch } from '../protocol';
import { Endpoints, pathOf, repositoryParams } from './endpoints';
import type { BitbucketHttp } from './transport';
import { collectPages } from './pagination';
import { BitbucketBranch, BranchPage } from './schemas';

const toBranch = (branch: BitbucketBranch): Branch => ({ name: branch.name, commit: branch.target.hash });

/** The branch, or null when Bitbucket has no branch of that name (404). */
export async function getBranch(http: BitbucketHttp, fullName: string, name: string, signal?: AbortSignal): Promise<Branch | null> {
  const answer = await http.call(
    {
      endpoint: Endpoints.repositoryBranch,
      target: pathOf(Endpoints.repositoryBranch.template, { ...repositoryParams(fullName), name }),
      schema: BitbucketBranch,
      what: `read the branch ${name} of ${fullName}`,
      accept: [404],
    },
    signal,
  );
  return answer.status === 404 || answer.data === null ? null : toBranch(answer.data);
}

export async function listBranches(http: BitbucketHttp, fullName: string, signal?: AbortSignal): Promise<Branch[]> {
  const found = await collectPages(
    http,
    {
      endpoint: Endpoints.repositoryBranches,
      target: pathOf(Endpoints.repositoryBranches.template, repositoryParams(fullName)),
      schema: BranchPage,
      what: `list the branches of ${fullName}`,
    },
    signal,
  );
  return found.map(toBranch);
}

/** A file's text at a commit, or null when there is no such file (404). */
export async function readSourceFile(http: BitbucketHttp, fullName: string, commit: string, file: string, signal?: AbortSignal): Promise<string | null> {
  // The path keeps its slashes: each segment is encoded on its own.
  const target = `${pathOf('/repositories/{workspace}/{repo_slug}/src/{commit}', { ...repositoryParams(fullName), commit })}/${file
    .split('/')
    .map(encodeURIComponent)
    .join('/')}`;
  const answer = await http.text({ endpoint: Endpoints.sourceFile, target, what: `read ${file} at ${commit.slice(0, 12)} in ${fullName}`, accept: [404] }, signal);
  return answer.status === 404 ? null : answer.data;
}
