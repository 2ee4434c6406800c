// Branches and files at a commit: what a run needs to know which commit it runs and whether the
// repository defines the custom pipeline a stack uses.
import type { z } from 'zod';
import type { Branch } from '../protocol';
import { Endpoints, pathOf, repositoryParams } from './endpoints';
import type { BitbucketHttp } from './http';
import { collectPages } from './pagination';
import { BitbucketBranch, BranchPage } from './schemas';

const toBranch = (branch: z.output<typeof BitbucketBranch>): Branch => ({ name: branch.name, commit: branch.target.hash });

/** The branch's head, or null when the repository has no branch of that name (404). */
export async function getBranch(http: BitbucketHttp, fullName: string, name: string, signal?: AbortSignal): Promise<Branch | null> {
  const answer = await http.call(
    {
      endpoint: Endpoints.branch,
      target: pathOf(Endpoints.branch.template, { ...repositoryParams(fullName), name }),
      schema: BitbucketBranch,
      what: `read the branch ${name} of ${fullName}`,
      accept: [404],
    },
    signal,
  );
  return answer.status === 404 || answer.data === null ? null : toBranch(answer.data);
}

export async function listBranches(http: BitbucketHttp, fullName: string, signal?: AbortSignal): Promise<Branch[]> {
  const branches = await collectPages(
    http,
    { endpoint: Endpoints.branches, target: pathOf(Endpoints.branches.template, repositoryParams(fullName)), schema: BranchPage, what: `list the branches of ${fullName}` },
    signal,
  );
  return branches.map(toBranch);
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
