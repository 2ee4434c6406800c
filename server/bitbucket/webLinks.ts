// Web pages of Bitbucket, for a person to open: derived from the API the server is configured with
// (https://api.bitbucket.org/2.0 → https://bitbucket.org; a self-hosted test Bitbucket at
// http://127.0.0.1:8080/2.0 → http://127.0.0.1:8080), so links always lead to the same Bitbucket.
import { repositoryParams } from './endpoints';

export function bitbucketWebBase(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname.startsWith('api.')) url.hostname = url.hostname.slice(4);
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/2\.0$/, '');
  url.search = '';
  return url.toString().replace(/\/+$/, '');
}

export interface RepositoryWebLinks {
  repository: string;
  webhooks: string;
  /** A commit's page, where the Pull Request Commit Links app is installed from its pull requests link. */
  commit?: string;
}

export function repositoryWebLinks(webBase: string, fullName: string, commit?: string): RepositoryWebLinks {
  const { workspace, repo_slug } = repositoryParams(fullName);
  const repository = `${webBase}/${encodeURIComponent(workspace)}/${encodeURIComponent(repo_slug)}`;
  return { repository, webhooks: `${repository}/admin/webhooks`, ...(commit ? { commit: `${repository}/commits/${encodeURIComponent(commit)}` } : {}) };
}
