// Repositories an integration can see, and the webhooks on them (R14), through Bitbucket.
import type { z } from 'zod';
import type { RequestScope, ServerContext } from '../context';
import { forbidden } from '../errors';
import type * as Protocol from '../protocol';
import { canList, governingSpace, hasRole } from '../registry/access';
import { requireIntegration } from '../registry/integrations';
import { webhookUrlFor } from '../registry/webhookUrl';
import { notFound } from '../errors';
import type { WebhookTarget } from '../bitbucket/gateway';
import type { StoredIntegration } from '../store/schema';
import { credentialOf } from './credentials';
import { requireDetails } from './integrations';

type Params<T extends { params: z.ZodType }> = z.output<T['params']>;

/** Listing repositories uses the credential on the user's behalf: it needs write on the integration's space. */
export async function listRepositories(context: ServerContext, params: Params<typeof Protocol.RepositoriesList>, scope: RequestScope) {
  const state = await context.store.read();
  const integration = requireIntegration(state, params.integrationId);
  if (!canList(state, context.user, integration)) throw notFound(`There is no integration "${params.integrationId}" that ${context.user} can see.`);
  if (!hasRole(state, context.user, governingSpace(integration), 'write')) {
    throw forbidden(`Listing the repositories of "${integration.name}" needs write access on the space "${governingSpace(integration)}".`);
  }
  const credential = await credentialOf(context, integration);
  return context.bitbucket.listRepositories(credential, params.workspace, { signal: scope.signal, progress: scope.progress });
}

function targetOf(context: ServerContext, integration: StoredIntegration): WebhookTarget {
  return { url: webhookUrlFor(context.publicUrl, integration.id), secret: integration.webhookSecret };
}

/** Webhook work changes what Bitbucket sends: it is for admins of the integration's space, like its details. */
async function webhookWork(context: ServerContext, integrationId: string) {
  const state = await context.store.read();
  const integration = requireDetails(state, context.user, integrationId);
  return { integration, credential: await credentialOf(context, integration), target: targetOf(context, integration) };
}

const unique = (repositories: string[]) => [...new Map(repositories.map((r) => [r.toLowerCase(), r])).values()];

export async function webhooksStatus(context: ServerContext, params: Params<typeof Protocol.WebhooksStatus>, scope: RequestScope) {
  const { credential, target } = await webhookWork(context, params.integrationId);
  return context.bitbucket.webhookStatus(credential, unique(params.repositories), target, { signal: scope.signal, progress: scope.progress });
}

export async function configureWebhooks(context: ServerContext, params: Params<typeof Protocol.WebhooksConfigure>, scope: RequestScope) {
  const { credential, target } = await webhookWork(context, params.integrationId);
  const result = await context.bitbucket.configureWebhooks(credential, unique(params.repositories), target, { signal: scope.signal, progress: scope.progress });
  context.changed(['webhooks']);
  return result;
}

export async function removeWebhooks(context: ServerContext, params: Params<typeof Protocol.WebhooksRemove>, scope: RequestScope) {
  const { credential, target } = await webhookWork(context, params.integrationId);
  const result = await context.bitbucket.removeWebhooks(credential, unique(params.repositories), target, { signal: scope.signal, progress: scope.progress });
  context.changed(['webhooks']);
  return result;
}
