// The Bitbucket Cloud gateway: what the registry asks of Bitbucket, over REST 2.0 with axios and
// zod. Each call builds one HTTP client for the credential it was given; every client of one account
// shares that account's rate budget.
import type { Logger } from '../log';
import type { Repository, WebhookChange, WebhookHealth, WebhookRemoval } from '../protocol';
import { testCredential } from './account';
import { inBulk } from './bulk';
import { BitbucketFailure } from './errors';
import type { BitbucketCredential, BitbucketGateway, CallContext } from './gateway';
import { BitbucketHttp } from './http';
import { DEFAULT_RATE_LIMIT, RateBudgets } from './rateBudget';
import { commitLinks, getRepository, listAllRepositories, listWorkspaceRepositories } from './repositories';
import { settingsFromEnv, type ClientSettings } from './settings';
import { configureHook, hookHealth, removeHooks, repositoryHome, workspaceHome } from './webhooks';

/** A failure the whole batch shares: after Bitbucket's rate limit, every further call would fail too. */
const stopsAll = (error: BitbucketFailure) =>
  error.problem === 'rate-limited' ? `not done: Bitbucket was rate limiting, so Stackhook stopped sending requests. ${error.message}` : undefined;

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
  const bulk = { concurrency: settings.concurrency };

  return {
    testCredential: (credential, context) => testCredential(client(credential), context.signal),

    getRepository: (credential, fullName, context) => getRepository(client(credential), fullName, context.signal),

    listRepositories(credential, workspace, context): Promise<Repository[]> {
      const http = client(credential);
      return workspace === undefined ? listAllRepositories(http, context) : listWorkspaceRepositories(http, workspace, context);
    },

    webhookStatus(credential, repositories, target, context: CallContext): Promise<WebhookHealth[]> {
      const http = client(credential);
      return inBulk<string, WebhookHealth>(repositories, {
        ...bulk,
        context,
        title: 'Checking webhooks',
        budget: budgetOf(credential),
        label: (repository) => repository,
        notDone: (repository, reason) => ({ repository, state: 'error', problems: [reason] }),
        async work(repository, signal) {
          try {
            return { result: { repository, ...(await hookHealth(http, repositoryHome(repository), target, signal)) } };
          } catch (error) {
            const failure = asFailure(error);
            const state = failure.status === 403 ? 'forbidden' : 'error';
            return { result: { repository, state, problems: [failure.message] }, stopAll: stopsAll(failure) };
          }
        },
      });
    },

    configureWebhooks(credential, repositories, target, context, options = {}): Promise<WebhookChange[]> {
      const http = client(credential);
      return inBulk<string, WebhookChange>(repositories, {
        ...bulk,
        context,
        title: 'Configuring webhooks',
        budget: budgetOf(credential),
        label: (repository) => repository,
        notDone: (repository, reason) => ({ repository, action: 'failed', error: reason }),
        async work(repository, signal) {
          try {
            return { result: { repository, action: await configureHook(http, repositoryHome(repository), target, options, signal) } };
          } catch (error) {
            const failure = asFailure(error);
            return { result: { repository, action: 'failed', error: failure.message }, stopAll: stopsAll(failure) };
          }
        },
      });
    },

    removeWebhooks(credential, repositories, target, context): Promise<WebhookRemoval[]> {
      const http = client(credential);
      return inBulk<string, WebhookRemoval>(repositories, {
        ...bulk,
        context,
        title: 'Removing webhooks',
        budget: budgetOf(credential),
        label: (repository) => repository,
        notDone: (repository, reason) => ({ repository, action: 'failed', error: reason }),
        async work(repository, signal) {
          try {
            return { result: { repository, action: await removeHooks(http, repositoryHome(repository), target, signal) } };
          } catch (error) {
            const failure = asFailure(error);
            return { result: { repository, action: 'failed', error: failure.message }, stopAll: stopsAll(failure) };
          }
        },
      });
    },

    async workspaceWebhookStatus(credential, workspace, target, context) {
      try {
        return { workspace, ...(await hookHealth(client(credential), workspaceHome(workspace), target, context.signal)) };
      } catch (error) {
        const failure = asFailure(error);
        return { workspace, state: failure.status === 403 ? 'forbidden' : 'error', problems: [failure.message] };
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
  };
}
