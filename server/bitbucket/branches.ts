// Branches of a repository: one by name (a stack's branch must exist, so a typo is caught when it is
// typed) and all of them (offered as a pick list).
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
