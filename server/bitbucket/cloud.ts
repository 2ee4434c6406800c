// The Bitbucket Cloud gateway: what the registry asks of Bitbucket, over REST 2.0 with axios and
// zod. Each call builds one HTTP client for the credential it was given; every client of one account
// shares that account's rate budget.
import type { Logger } from '../log';
import type { Repository, WebhookChange, WebhookHealth, WebhookRemoval } from '../protocol';
import { testCredential } from './account';
import { getBranch, listBranches, readSourceFile } from './branches';
import { inBulk } from './bulk';
import { BitbucketFailure } from './errors';
import type { BitbucketCredential, BitbucketGateway, CallContext } from './gateway';
import { BitbucketHttp } from './http';
import { findTriggeredPipeline, getPipeline, pipelineLog, stopPipeline, triggerPipeline } from './pipelines';
import { DEFAULT_RATE_LIMIT, RateBudgets } from './rateBudget';
import { writeBuildStatus, writePullRequestComment } from './reports';
import { cloneUrl, commitLinks, getRepository, listAllRepositories, listWorkspaceRepositories } from './repositories';
import { settingsFromEnv, type ClientSettings } from './settings';
import { configureHook, hookHealth, removeHooks, repositoryHome, workspaceHome } from './webhooks';

/** A failure the whole batch shares: after Bitbucket's rate limit, every further call would fail too. */
const stopsAll = (error: BitbucketFailure) =>
  error.problem === 'rate-limited' ? `not done: Bitbucket was rate limiting, so Stackhook stopped sending requests. ${error.message}` : undefined;

/** A 403 means Stackhook may not look at (or change) the hooks; anything else is an error. */
const healthStateOf = (status: number | null): 'forbidden' | 'error' => (status === 403 ? 'forbidden' : 'error');

/** Bitbucket's refusals become per-item results; anything else (a cancellation, a bug) goes on up. */
function asFailure(error: unknown): BitbucketFailure {
  if (error instanceof BitbucketFailure) return error;
  throw error;
}

export function createBitbucketGateway(apiUrl: string, log: Logger, settings: ClientSettings = settingsFromEnv()): BitbucketGateway {
  const base = apiUrl.replace(/\/+$/, '');
  const budgets = new RateBudgets(settings.rateLimit ?? DEFAULT_RATE_LIMIT);
  const budgetOf = (credential: BitbucketCredential) => budgets.for(base, credential.username);
  const client = (credential: BitbucketCredential) => new BitbucketHttp(base, credential, settings.http, log, Math.random, budgetOf(credential));

  /**
   * One job per repository, a few at a time, under the account's rate budget. A Bitbucket refusal
   * becomes that repository's result (`failed`, with the HTTP status when there was one); after a
   * rate-limit refusal the rest are reported as not done.
   */
  function perRepository<R>(
    credential: BitbucketCredential,
    repositories: readonly string[],
    context: CallContext,
    title: string,
    job: {
      act: (http: BitbucketHttp, repository: string, signal: AbortSignal | undefined) => Promise<R>;
      failed: (repository: string, reason: string, status: number | null) => R;
    },
  ): Promise<R[]> {
    const http = client(credential);
    return inBulk<string, R>(repositories, {
      concurrency: settings.concurrency,
      context,
      title,
      budget: budgetOf(credential),
      label: (repository) => repository,
      notDone: (repository, reason) => job.failed(repository, reason, null),
      async work(repository, signal) {
        try {
          return { result: await job.act(http, repository, signal) };
        } catch (error) {
          const failure = asFailure(error);
          return { result: job.failed(repository, failure.message, failure.status), stopAll: stopsAll(failure) };
        }
      },
    });
  }

  return {
    testCredential: (credential, context) => testCredential(client(credential), context.signal),

    getRepository: (credential, fullName, context) => getRepository(client(credential), fullName, context.signal),

    listRepositories(credential, workspace, context): Promise<Repository[]> {
      const http = client(credential);
      return workspace === undefined ? listAllRepositories(http, context) : listWorkspaceRepositories(http, workspace, context);
    },

    webhookStatus(credential, repositories, target, context: CallContext): Promise<WebhookHealth[]> {
      return perRepository<WebhookHealth>(credential, repositories, context, 'Checking webhooks', {
        act: async (http, repository, signal) => ({ repository, ...(await hookHealth(http, repositoryHome(repository), target, signal)) }),
        failed: (repository, reason, status) => ({ repository, state: healthStateOf(status), problems: [reason] }),
      });
    },

    configureWebhooks(credential, repositories, target, context, options = {}): Promise<WebhookChange[]> {
      return perRepository<WebhookChange>(credential, repositories, context, 'Configuring webhooks', {
        act: async (http, repository, signal) => ({ repository, action: await configureHook(http, repositoryHome(repository), target, options, signal) }),
        failed: (repository, reason) => ({ repository, action: 'failed', error: reason }),
      });
    },

    removeWebhooks(credential, repositories, target, context): Promise<WebhookRemoval[]> {
      return perRepository<WebhookRemoval>(credential, repositories, context, 'Removing webhooks', {
        act: async (http, repository, signal) => ({ repository, action: await removeHooks(http, repositoryHome(repository), target, signal) }),
        failed: (repository, reason) => ({ repository, action: 'failed', error: reason }),
      });
    },

    async workspaceWebhookStatus(credential, workspace, target, context) {
      try {
        return { workspace, ...(await hookHealth(client(credential), workspaceHome(workspace), target, context.signal)) };
      } catch (error) {
        const failure = asFailure(error);
        return { workspace, state: healthStateOf(failure.status), problems: [failure.message] };
      }
    },

    async configureWorkspaceWebhook(credential, workspace, target, context, options = {}) {
      try {
        return { workspace, action: await configureHook(client(credential), workspaceHome(workspace), target, options, context.signal) };
      } catch (error) {
        return { workspace, action: 'failed', error: asFailure(error).message };
      }
    },

    async removeWorkspaceWebhook(credential, workspace, target, context) {
      try {
        return { workspace, action: await removeHooks(client(credential), workspaceHome(workspace), target, context.signal) };
      } catch (error) {
        return { workspace, action: 'failed', error: asFailure(error).message };
      }
    },

    commitLinks: (credential, fullName, commit, context) => commitLinks(client(credential), fullName, commit, context.signal),

    cloneUrl: (credential, fullName, context) => cloneUrl(client(credential), fullName, context.signal),
    getBranch: (credential, fullName, name, context) => getBranch(client(credential), fullName, name, context.signal),
    listBranches: (credential, fullName, context) => listBranches(client(credential), fullName, context.signal),
    readSourceFile: (credential, fullName, commit, file, context) => readSourceFile(client(credential), fullName, commit, file, context.signal),
    triggerPipeline: (credential, fullName, trigger, context) => triggerPipeline(client(credential), fullName, trigger, context.signal),
    getPipeline: (credential, fullName, uuid, context) => getPipeline(client(credential), fullName, uuid, context.signal),
    findTriggeredPipeline: (credential, fullName, trigger, context) => findTriggeredPipeline(client(credential), fullName, trigger, context.signal),
    stopPipeline: (credential, fullName, uuid, context) => stopPipeline(client(credential), fullName, uuid, context.signal),
    pipelineLog: (credential, fullName, uuid, maxBytes, context) => pipelineLog(client(credential), fullName, uuid, maxBytes, context.signal),
    writeBuildStatus: (credential, fullName, commit, status, isNew, context) => writeBuildStatus(client(credential), fullName, commit, status, isNew, context.signal),
    writePullRequestComment: (credential, fullName, pullRequestId, markdown, commentId, context) =>
      writePullRequestComment(client(credential), fullName, pullRequestId, markdown, commentId, context.signal),
  };
}
