// The Bitbucket Cloud gateway: what the registry asks of Bitbucket, over REST 2.0 with axios and
// zod. Each call builds one HTTP client for the credential it was given; every client of one account
// shares that account's rate budget.
import type { Logger } from '../log';
import type { Repository, WebhookChange, WebhookHealth, WebhookRemoval } from '../protocol';
import { testCredential } from './account';
import { getBranch, listBranches, readSourceFile } from './branches';
import { inBulk } from './bulk';
import { changedPaths } from './diffstat';
import { BitbucketFailure } from './errors';
import type { BitbucketCredential, BitbucketGateway, CallContext, WebhookOptions, WebhookTarget } from './gateway';
import { BitbucketHttp } from './transport';
import { findTriggeredPipeline, getPipeline, pipelineLog, stopPipeline, triggerPipeline } from './pipelines';
import { pipelineSteps, stepLog } from './pipelineSteps';
import { DEFAULT_RATE_LIMIT, RateBudgets } from './rateBudget';
import { replyToPullRequestComment, writeBuildStatus, writePullRequestComment } from './reports';
import { deleteInsightsReport, postInsightsAnnotations, putInsightsReport } from './insights';
import { cloneUrl, commitLinks, getRepository, listAllRepositories, listWorkspaceRepositories } from './repositories';
import { settingsFromEnv, type ClientSettings } from './settings';
import { configureHook, hookHealth, removeHooks, repositoryHome, workspaceHome, type HookHome } from './hookConfiguration';

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

/**
 * One thing done to the hooks of one home (a repository or a workspace): its progress title, the
 * work, and what it reports when Bitbucket refuses. The same job runs per repository and per workspace.
 */
interface HookJob<B> {
  title: string;
  act(http: BitbucketHttp, home: HookHome, signal: AbortSignal | undefined): Promise<B>;
  failed(reason: string, status: number | null): B;
}

const checkJob = (target: WebhookTarget): HookJob<Omit<WebhookHealth, 'repository'>> => ({
  title: 'Checking webhooks',
  act: (http, home, signal) => hookHealth(http, home, target, signal),
  failed: (reason, status) => ({ state: healthStateOf(status), problems: [reason] }),
});

const configureJob = (target: WebhookTarget, options: WebhookOptions): HookJob<Omit<WebhookChange, 'repository'>> => ({
  title: 'Configuring webhooks',
  act: async (http, home, signal) => ({ action: await configureHook(http, home, target, options, signal) }),
  failed: (reason) => ({ action: 'failed', error: reason }),
});

const removeJob = (target: WebhookTarget): HookJob<Omit<WebhookRemoval, 'repository'>> => ({
  title: 'Removing webhooks',
  act: async (http, home, signal) => ({ action: await removeHooks(http, home, target, signal) }),
  failed: (reason) => ({ action: 'failed', error: reason }),
});

export function createBitbucketGateway(apiUrl: string, log: Logger, settings: ClientSettings = settingsFromEnv()): BitbucketGateway {
  const base = apiUrl.replace(/\/+$/, '');
  const budgets = new RateBudgets(settings.rateLimit ?? DEFAULT_RATE_LIMIT);
  const budgetOf = (credential: BitbucketCredential) => budgets.for(base, credential.username);
  const client = (credential: BitbucketCredential) => new BitbucketHttp(base, credential, settings.http, log, Math.random, budgetOf(credential));

  /**
   * A hook job on each repository, a few at a time, under the account's rate budget. A Bitbucket
   * refusal becomes that repository's result (with the HTTP status when there was one); after a
   * rate-limit refusal the rest are reported as not done.
   */
  function onRepositories<B>(credential: BitbucketCredential, repositories: readonly string[], context: CallContext, job: HookJob<B>) {
    const http = client(credential);
    return inBulk<string, B & { repository: string }>(repositories, {
      concurrency: settings.concurrency,
      context,
      title: job.title,
      budget: budgetOf(credential),
      label: (repository) => repository,
      notDone: (repository, reason) => ({ repository, ...job.failed(reason, null) }),
      async work(repository, signal) {
        try {
          return { result: { repository, ...(await job.act(http, repositoryHome(repository), signal)) } };
        } catch (error) {
          const failure = asFailure(error);
          return { result: { repository, ...job.failed(failure.message, failure.status) }, stopAll: stopsAll(failure) };
        }
      },
    });
  }

  /** A workspace's hooks are one call, so a refusal is simply the answer. */
  async function onWorkspace<B>(credential: BitbucketCredential, workspace: string, context: CallContext, job: HookJob<B>): Promise<B & { workspace: string }> {
    try {
      return { workspace, ...(await job.act(client(credential), workspaceHome(workspace), context.signal)) };
    } catch (error) {
      const failure = asFailure(error);
      return { workspace, ...job.failed(failure.message, failure.status) };
    }
  }

  return {
    testCredential: (credential, context) => testCredential(client(credential), context.signal),

    getRepository: (credential, fullName, context) => getRepository(client(credential), fullName, context.signal),

    listRepositories(credential, workspace, context): Promise<Repository[]> {
      const http = client(credential);
      return workspace === undefined ? listAllRepositories(http, context) : listWorkspaceRepositories(http, workspace, context);
    },

    getBranch: (credential, fullName, name, context) => getBranch(client(credential), fullName, name, context.signal),

    listBranches: (credential, fullName, context) => listBranches(client(credential), fullName, context.signal),

    webhookStatus: (credential, repositories, target, context) => onRepositories(credential, repositories, context, checkJob(target)),
    configureWebhooks: (credential, repositories, target, context, options = {}) =>
      onRepositories(credential, repositories, context, configureJob(target, options)),
    removeWebhooks: (credential, repositories, target, context) => onRepositories(credential, repositories, context, removeJob(target)),

    workspaceWebhookStatus: (credential, workspace, target, context) => onWorkspace(credential, workspace, context, checkJob(target)),
    configureWorkspaceWebhook: (credential, workspace, target, context, options = {}) =>
      onWorkspace(credential, workspace, context, configureJob(target, options)),
    removeWorkspaceWebhook: (credential, workspace, target, context) => onWorkspace(credential, workspace, context, removeJob(target)),

    commitLinks: (credential, fullName, commit, context) => commitLinks(client(credential), fullName, commit, context.signal),

    cloneUrl: (credential, fullName, context) => cloneUrl(client(credential), fullName, context.signal),
    readSourceFile: (credential, fullName, commit, file, context) => readSourceFile(client(credential), fullName, commit, file, context.signal),
    triggerPipeline: (credential, fullName, trigger, context) => triggerPipeline(client(credential), fullName, trigger, context.signal),
    getPipeline: (credential, fullName, uuid, context) => getPipeline(client(credential), fullName, uuid, context.signal),
    findTriggeredPipeline: (credential, fullName, trigger, context) => findTriggeredPipeline(client(credential), fullName, trigger, context.signal),
    stopPipeline: (credential, fullName, uuid, context) => stopPipeline(client(credential), fullName, uuid, context.signal),
    pipelineLog: (credential, fullName, uuid, maxBytes, context) => pipelineLog(client(credential), fullName, uuid, maxBytes, context.signal),
    pipelineSteps: (credential, fullName, uuid, context) => pipelineSteps(client(credential), fullName, uuid, context.signal),
    stepLog: (credential, fullName, uuid, stepUuid, offset, maxBytes, context) => stepLog(client(credential), fullName, uuid, stepUuid, offset, maxBytes, context.signal),
    // Read while a delivery waits for its answer: one attempt, since a run of every stack is the fallback, not a failure.
    changedPaths: (credential, fullName, diff, maxFiles, context) =>
      changedPaths(new BitbucketHttp(base, credential, { ...settings.http, retries: 0 }, log, Math.random, budgetOf(credential)), fullName, diff, maxFiles, context.signal),
    writeBuildStatus: (credential, fullName, commit, status, isNew, context) => writeBuildStatus(client(credential), fullName, commit, status, isNew, context.signal),
    replyToPullRequestComment: (credential, fullName, pullRequestId, parentId, markdown, context) =>
      replyToPullRequestComment(client(credential), fullName, pullRequestId, parentId, markdown, context.signal),
    putInsightsReport: (credential, fullName, commit, reportId, report, context) => putInsightsReport(client(credential), fullName, commit, reportId, report, context.signal),
    deleteInsightsReport: (credential, fullName, commit, reportId, context) => deleteInsightsReport(client(credential), fullName, commit, reportId, context.signal),
    postInsightsAnnotations: (credential, fullName, commit, reportId, annotations, context) =>
      postInsightsAnnotations(client(credential), fullName, commit, reportId, annotations, context.signal),
    writePullRequestComment: (credential, fullName, pullRequestId, markdown, commentId, context) =>
      writePullRequestComment(client(credential), fullName, pullRequestId, markdown, commentId, context.signal),
  };
}
