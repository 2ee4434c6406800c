// Repositories an integration can see, and the webhooks on them (R14), through Bitbucket.
import type { RequestScope, ServerContext } from '../context';
import type * as Protocol from '../protocol';
import { requireCredentialUse, requireIntegrationDetails } from '../registry/access';
import { webhookUrlFor } from '../registry/webhookUrl';
import type { WebhookTarget } from '../bitbucket/gateway';
import type { StoredIntegration } from '../store/schema';
import { credentialOf } from './credentials';

/** Reading through the credential on the user's behalf needs write on the integration's space. */
async function readingWork(context: ServerContext, integrationId: string, what: string) {
  const state = await context.store.read();
  return credentialOf(context, requireCredentialUse(state, context.user, integrationId, what));
}

export async function listRepositories(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RepositoriesList>, scope: RequestScope) {
  const credential = await readingWork(context, params.integrationId, 'Listing the repositories');
  return context.bitbucket.listRepositories(credential, params.workspace, { signal: scope.signal, progress: scope.progress });
}

export async function commitLinks(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.RepositoriesCommitLinks>, scope: RequestScope) {
  const credential = await readingWork(context, params.integrationId, 'Checking pull request links through the credential');
  return context.bitbucket.commitLinks(credential, params.repository, params.commit, { signal: scope.signal });
}

function targetOf(context: ServerContext, integration: StoredIntegration): WebhookTarget {
  return { url: webhookUrlFor(context.publicUrl, integration.id), secret: integration.webhookSecret };
}

/** Webhook work changes what Bitbucket sends: it is for admins of the integration's space, like its details. */
async function webhookWork(context: ServerContext, integrationId: string) {
  const state = await context.store.read();
  const integration = requireIntegrationDetails(state, context.user, integrationId);
  return { integration, credential: await credentialOf(context, integration), target: targetOf(context, integration) };
}

const unique = (repositories: string[]) => [...new Map(repositories.map((r) => [r.toLowerCase(), r])).values()];

const callOf = (scope: RequestScope) => ({ signal: scope.signal, progress: scope.progress });

type WebhookWork = Awaited<ReturnType<typeof webhookWork>>;

/** Configuring and removing change what Bitbucket sends, so the webhook views are told afterwards. */
async function changingWebhooks<R>(context: ServerContext, integrationId: string, change: (work: WebhookWork) => Promise<R>): Promise<R> {
  const result = await change(await webhookWork(context, integrationId));
  context.changed(['webhooks']);
  return result;
}

export async function webhooksStatus(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.WebhooksStatus>, scope: RequestScope) {
  const { credential, target } = await webhookWork(context, params.integrationId);
  return context.bitbucket.webhookStatus(credential, unique(params.repositories), target, callOf(scope));
}

export function configureWebhooks(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.WebhooksConfigure>, scope: RequestScope) {
  return changingWebhooks(context, params.integrationId, ({ credential, target }) =>
    context.bitbucket.configureWebhooks(credential, unique(params.repositories), target, callOf(scope), { resendSecret: params.resendSecret }),
  );
}

export function removeWebhooks(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.WebhooksRemove>, scope: RequestScope) {
  return changingWebhooks(context, params.integrationId, ({ credential, target }) =>
    context.bitbucket.removeWebhooks(credential, unique(params.repositories), target, callOf(scope)),
  );
}

export async function workspaceWebhookStatus(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.WebhooksWorkspaceStatus>, scope: RequestScope) {
  const { credential, target } = await webhookWork(context, params.integrationId);
  return context.bitbucket.workspaceWebhookStatus(credential, params.workspace, target, callOf(scope));
}

export function configureWorkspaceWebhook(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.WebhooksConfigureWorkspace>, scope: RequestScope) {
  return changingWebhooks(context, params.integrationId, ({ credential, target }) =>
    context.bitbucket.configureWorkspaceWebhook(credential, params.workspace, target, callOf(scope), { resendSecret: params.resendSecret }),
  );
}

export function removeWorkspaceWebhook(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.WebhooksRemoveWorkspace>, scope: RequestScope) {
  return changingWebhooks(context, params.integrationId, ({ credential, target }) =>
    context.bitbucket.removeWorkspaceWebhook(credential, params.workspace, target, callOf(scope)),
  );
}
