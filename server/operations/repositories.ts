// Repositories an integration can see, and the webhooks on them (R14), through Bitbucket.
import type { RequestScope, ServerContext } from '../context';
import type * as Protocol from '../protocol';
import { requireCredentialUse, requireIntegrationDetails } from '../registry/access';
import { webhookUrlFor } from '../registry/webhookUrl';
import type { WebhookTarget } from '../bitbucket/gateway';
import { oldSecretProblem, recordSecretSent, sentOldSecret, workspaceHookKey } from '../bitbucket/hookConfiguration';
import { webhookUrlProblem } from '../registry/reachability';
import { repositoryWebLinks } from '../bitbucket/webLinks';
import type { StoredIntegration } from '../registry/state';
import { credentialOf } from '../secrets/credentialStore';
import { R14_EVENTS } from '../webhooks/subscribedEvents';

const DEFAULT_WEB = 'https://bitbucket.org';

/** Reading through the credential on the user's behalf needs write on the integration's space. */
async function readingWork(context: ServerContext, integrationId: string, what: string) {
  const state = await context.store.read();
  return credentialOf(context.credentials, requireCredentialUse(state, context.user, integrationId, what));
}

export async function listRepositories(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RepositoriesList>, scope: RequestScope) {
  const credential = await readingWork(context, params.integrationId, 'Listing the repositories');
  return context.bitbucket.listRepositories(credential, params.workspace, { signal: scope.signal, progress: scope.progress });
}

export async function listBranches(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RepositoriesBranches>, scope: RequestScope) {
  const credential = await readingWork(context, params.integrationId, 'Listing the branches');
  return context.bitbucket.listBranches(credential, params.repository, { signal: scope.signal });
}

export async function commitLinks(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RepositoriesCommitLinks>, scope: RequestScope) {
  const credential = await readingWork(context, params.integrationId, 'Checking pull request links through the credential');
  return context.bitbucket.commitLinks(credential, params.repository, params.commit, { signal: scope.signal });
}

/** Checks the app on the head commit of the main branch (or of any branch, when there is no main branch). */
export async function commitLinksStatus(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RepositoriesCommitLinksStatus>, scope: RequestScope) {
  const credential = await readingWork(context, params.integrationId, 'Checking pull request links through the credential');
  const call = { signal: scope.signal };
  const { mainBranch } = await context.bitbucket.getRepository(credential, params.repository, call);
  const head = (mainBranch !== null ? await context.bitbucket.getBranch(credential, params.repository, mainBranch, call) : null) ??
    (await context.bitbucket.listBranches(credential, params.repository, call))[0] ?? null;
  if (head === null) {
    return {
      repository: params.repository,
      commit: '',
      state: 'not-installed' as const,
      pullRequestIds: [],
      message: `${params.repository} has no commits yet, so the Pull Request Commit Links app cannot be checked. Push a commit, then check again.`,
      commitUrl: null,
    };
  }
  const links = await context.bitbucket.commitLinks(credential, params.repository, head.commit, call);
  return { ...links, commitUrl: repositoryWebLinks(context.bitbucketWeb ?? DEFAULT_WEB, params.repository, head.commit).commit ?? null };
}

function targetOf(context: ServerContext, integration: StoredIntegration): WebhookTarget {
  return { url: webhookUrlFor(context.publicUrl, integration.id), secret: integration.webhookSecret };
}

/** Webhook work changes what Bitbucket sends: it is for admins of the integration's space, like its details. */
async function webhookWork(context: ServerContext, integrationId: string) {
  const state = await context.store.read();
  const integration = requireIntegrationDetails(state, context.user, integrationId);
  return { integration, credential: await credentialOf(context.credentials, integration), target: targetOf(context, integration) };
}

/** Web pages of the Bitbucket this server talks to, so the editor never assumes bitbucket.org. */
export async function webLinks(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RepositoriesWebLinks>) {
  const { repository, webhooks } = repositoryWebLinks(context.bitbucketWeb ?? DEFAULT_WEB, params.repository);
  return { repository, webhooks };
}

/** R14, R17: the settings of a hook added by hand. The secret is for admins, like the integration's details. */
export async function webhookSettings(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.WebhooksSettings>) {
  const state = await context.store.read();
  const { url, secret } = targetOf(context, requireIntegrationDetails(state, context.user, params.integrationId));
  const urlProblem = webhookUrlProblem(url, context.demo === true);
  return { url, secret, events: [...R14_EVENTS], ...(urlProblem ? { urlProblem } : {}) };
}

const unique = (repositories: string[]) => [...new Map(repositories.map((r) => [r.toLowerCase(), r])).values()];

const callOf = (scope: RequestScope) => ({ signal: scope.signal, progress: scope.progress });

/**
 * A hook Bitbucket reports as fine is still drifted when Stackhook last sent it an older secret.
 * `key` is where the ledger keeps that hook: a repository's full name, or workspaceHookKey.
 */
function withSecretDrift<H extends { state: Protocol.WebhookHealth['state']; problems: string[] }>(integration: StoredIntegration, key: string, health: H): H {
  const judged = health.state === 'ok' || health.state === 'drifted';
  if (!judged || !sentOldSecret(integration, key, integration.webhookSecret)) return health;
  return { ...health, state: 'drifted', problems: [...health.problems, oldSecretProblem(integration)] };
}

export async function webhooksStatus(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.WebhooksStatus>, scope: RequestScope) {
  const { integration, credential, target } = await webhookWork(context, params.integrationId);
  const health = await context.bitbucket.webhookStatus(credential, unique(params.repositories), target, callOf(scope));
  return health.map((entry) => {
    const judged = withSecretDrift(integration, entry.repository, entry);
    return { ...judged, repairable: judged.state === 'missing' || judged.state === 'drifted' };
  });
}

/**
 * Hooks Stackhook last sent an older secret get the current one without being asked; the others
 * only when `resendSecret` says so. What was sent is recorded, so status can tell the next time.
 */
export async function configureWebhooks(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.WebhooksConfigure>, scope: RequestScope) {
  const { integration, credential, target } = await webhookWork(context, params.integrationId);
  const repositories = unique(params.repositories);
  const outdated = repositories.filter((repository) => params.resendSecret === true || sentOldSecret(integration, repository, target.secret));
  const current = repositories.filter((repository) => !outdated.includes(repository));
  const call = callOf(scope);
  const changes = [
    ...(outdated.length > 0 ? await context.bitbucket.configureWebhooks(credential, outdated, target, call, { resendSecret: true }) : []),
    ...(current.length > 0 ? await context.bitbucket.configureWebhooks(credential, current, target, call, { resendSecret: params.resendSecret }) : []),
  ];
  const result = repositories.map((repository) => changes.find((change) => change.repository === repository) ?? { repository, action: 'failed' as const, error: 'not done' });
  await recordSent(context, integration.id, target, result.map((change) => ({ key: change.repository, action: change.action })));
  context.changed(['webhooks']);
  return result;
}

/**
 * Created and updated hooks were sent the secret (planHook sends it with every write). `changes` name
 * each hook by its ledger key: a repository's full name, or workspaceHookKey.
 */
async function recordSent(
  context: ServerContext,
  integrationId: string,
  target: WebhookTarget,
  changes: readonly { key: string; action: Protocol.WebhookChange['action'] }[],
): Promise<void> {
  const { secret } = target;
  const written = changes.filter((change) => change.action === 'created' || change.action === 'updated').map((change) => change.key);
  if (secret === null || written.length === 0) return;
  await context.store.update((draft) => {
    const stored = draft.integrations.find((candidate) => candidate.id === integrationId);
    // Regenerated meanwhile: what was sent is already old, and status must keep saying so.
    if (!stored || stored.webhookSecret !== secret) return;
    stored.secretSent = recordSecretSent(stored, written, secret);
  });
}

/** Configuring and removing change what Bitbucket sends, so the webhook views are told afterwards. */
async function changingWebhooks<R>(context: ServerContext, integrationId: string, change: (work: WebhookWork) => Promise<R>): Promise<R> {
  const result = await change(await webhookWork(context, integrationId));
  context.changed(['webhooks']);
  return result;
}

type WebhookWork = Awaited<ReturnType<typeof webhookWork>>;

export function removeWebhooks(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.WebhooksRemove>, scope: RequestScope) {
  return changingWebhooks(context, params.integrationId, ({ credential, target }) =>
    context.bitbucket.removeWebhooks(credential, unique(params.repositories), target, callOf(scope)),
  );
}

/** A workspace's hook keeps the same ledger of sent secrets as a repository's, so a regenerated secret shows there too. */
export async function workspaceWebhookStatus(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.WebhooksWorkspaceStatus>, scope: RequestScope) {
  const { integration, credential, target } = await webhookWork(context, params.integrationId);
  const health = await context.bitbucket.workspaceWebhookStatus(credential, params.workspace, target, callOf(scope));
  return withSecretDrift(integration, workspaceHookKey(params.workspace), health);
}

export async function configureWorkspaceWebhook(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.WebhooksConfigureWorkspace>, scope: RequestScope) {
  const { integration, credential, target } = await webhookWork(context, params.integrationId);
  const key = workspaceHookKey(params.workspace);
  const resendSecret = params.resendSecret === true || sentOldSecret(integration, key, target.secret);
  const change = await context.bitbucket.configureWorkspaceWebhook(credential, params.workspace, target, callOf(scope), { resendSecret });
  await recordSent(context, integration.id, target, [{ key, action: change.action }]);
  context.changed(['webhooks']);
  return change;
}

export function removeWorkspaceWebhook(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.WebhooksRemoveWorkspace>, scope: RequestScope) {
  return changingWebhooks(context, params.integrationId, ({ credential, target }) =>
    context.bitbucket.removeWorkspaceWebhook(credential, params.workspace, target, callOf(scope)),
  );
}
