// The integration requests: list, get, create, update, delete, test and the webhook secret.
import { repositoriesWithOldSecret } from '../bitbucket/hookConfiguration';
import type { RequestScope, ServerContext } from '../context';
import { invalid, remediesOf } from '../errors';
import { registerCredential, registerSecret } from '../log';
import type * as Protocol from '../protocol';
import { canList, requireCredentialCheck, requireIntegrationDetails, requireListedIntegration, requireManage } from '../registry/access';
import {
  addIntegration,
  checkNewIntegration,
  editIntegration,
  newWebhookSecret,
  removeIntegration,
  requireIntegration,
  spaceForNewIntegration,
} from '../registry/integrations';
import { usernameProblem } from '../registry/usernames';
import { credentialOf } from '../secrets/credentialStore';
import { requireWorkingCredential } from './credentials';
import { noteCredential, refusalOfProblem } from './credentialState';
import { endRunsOfDetachedStacks } from '../runs/detachedRuns';
import { integrationDetails, integrationSummary } from './recordsForUser';

const APP_PASSWORDS_RETIRED =
  'Bitbucket removed app passwords on 28 July 2026, so an app password can no longer be saved. ' +
  'Create an Atlassian API token with scopes (read:user:bitbucket, read:workspace:bitbucket, read:repository:bitbucket, ' +
  'read:pullrequest:bitbucket, read:webhook:bitbucket, write:webhook:bitbucket, delete:webhook:bitbucket) and use it with your Atlassian account email.';

function requireUsableUsername(username: string): void {
  const problem = usernameProblem(username);
  if (problem) throw invalid(`${problem} Nothing was saved.`, [{ path: 'username', message: problem }]).about('username');
}

export async function checkUsername(_context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.IntegrationsCheckUsername>) {
  const problem = usernameProblem(params.username);
  return problem ? { problem } : {};
}

export async function listIntegrations(context: ServerContext): Promise<Protocol.IntegrationSummary[]> {
  const state = await context.store.read();
  return state.integrations
    .filter((integration) => canList(state, context.user, integration))
    .map((integration) => integrationSummary(state, context.user, integration));
}

export async function getIntegration(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.IntegrationsGet>) {
  const state = await context.store.read();
  return integrationDetails(state, context.user, requireIntegrationDetails(state, context.user, params.id), context);
}

export async function createIntegration(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.IntegrationsCreate>, scope: RequestScope) {
  registerCredential(params.secret, params.username);
  if (params.credentialType === 'app_password') throw invalid(APP_PASSWORDS_RETIRED).about('credentialType');
  requireUsableUsername(params.username);
  const before = await context.store.read();
  requireManage(before, context.user, { type: params.type, spaceId: spaceForNewIntegration(before, params) });
  checkNewIntegration(before, params);
  if (params.verify !== false) {
    await requireWorkingCredential(context, { username: params.username, secret: params.secret, credentialType: 'api_token' }, scope);
  }
  const integration = await context.store.update((draft) => {
    requireManage(draft, context.user, { type: params.type, spaceId: spaceForNewIntegration(draft, params) });
    return addIntegration(draft, params, context.now());
  });
  try {
    await context.credentials.set(integration.id, params.secret);
  } catch (error) {
    // Without its credential the integration would be useless: take it back out.
    await context.store.update((draft) => void (draft.integrations = draft.integrations.filter((i) => i.id !== integration.id)));
    throw error;
  }
  registerSecret(integration.webhookSecret);
  context.log.info(`Integration "${integration.name}" (${integration.id}) created by ${context.user}.`);
  context.changed(['integrations', 'stacks']);
  const state = await context.store.read();
  return integrationDetails(state, context.user, integration, context);
}

export async function updateIntegration(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.IntegrationsUpdate>, scope: RequestScope) {
  if (params.secret !== undefined) registerCredential(params.secret, params.username);
  if (params.credentialType === 'app_password') throw invalid(APP_PASSWORDS_RETIRED).about('credentialType');
  if (params.username !== undefined) requireUsableUsername(params.username);
  const before = await context.store.read();
  const current = requireListedIntegration(before, context.user, params.id);
  requireManage(before, context.user, current);
  const credentialChanges = params.secret !== undefined || params.username !== undefined;
  if (credentialChanges && params.verify !== false) {
    const secret = params.secret ?? (await credentialOf(context.credentials, current)).secret;
    await requireWorkingCredential(context, { username: params.username ?? current.username, secret, credentialType: 'api_token' }, scope);
  }
  const updated = await context.store.update((draft) => {
    const integration = requireIntegration(draft, params.id);
    requireManage(draft, context.user, integration);
    editIntegration(integration, { ...params, credentialType: params.secret !== undefined ? 'api_token' : params.credentialType });
    // A credential that was just checked works; a new one saved unchecked is not the one Bitbucket refused.
    if (credentialChanges) delete integration.credentialRefused;
    return integration;
  });
  if (params.secret !== undefined) await context.credentials.set(updated.id, params.secret);
  context.changed(['integrations']);
  const state = await context.store.read();
  return integrationDetails(state, context.user, updated, context);
}

export async function deleteIntegration(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.IntegrationsDelete>) {
  const before = await context.store.read();
  requireManage(before, context.user, requireListedIntegration(before, context.user, params.id));
  const detachedStackIds = await context.store.update((draft) => {
    requireManage(draft, context.user, requireIntegration(draft, params.id));
    return removeIntegration(draft, params.id, context.now());
  });
  await context.credentials.set(params.id, null);
  const ended = context.execution ? await endRunsOfDetachedStacks(context.execution, detachedStackIds, context.user) : 0;
  context.log.info(`Integration ${params.id} deleted by ${context.user}; ${detachedStackIds.length === 1 ? '1 stack' : `${detachedStackIds.length} stacks`} detached, ${ended === 1 ? '1 of their runs' : `${ended} of their runs`} ended.`);
  context.changed(['integrations', 'stacks']);
  return { detachedStackIds };
}

/** The test's problem says what it calls for (a new credential, another try), as errors do. */
function withRemedies(test: Protocol.CredentialTest): Protocol.CredentialTest {
  return test.problem ? { ...test, problem: { ...test.problem, ...remediesOf(test.problem.code) } } : test;
}

export async function testIntegration(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.IntegrationsTest>, scope: RequestScope) {
  if ('id' in params) {
    const state = await context.store.read();
    const integration = requireIntegrationDetails(state, context.user, params.id);
    const test = withRemedies(await context.bitbucket.testCredential(await credentialOf(context.credentials, integration), { signal: scope.signal }));
    // Bitbucket not reached says nothing about the credential: only its answer changes the state.
    if (test.ok) await noteCredential(context, integration.id, undefined);
    else if (refusalOfProblem(test.problem) !== undefined) await noteCredential(context, integration.id, refusalOfProblem(test.problem));
    return test;
  }
  registerCredential(params.secret, params.username);
  // Credentials typed for a new integration: only those who may create one have the server try them.
  requireCredentialCheck(await context.store.read(), context.user);
  return withRemedies(
    await context.bitbucket.testCredential(
      { username: params.username, secret: params.secret, credentialType: params.credentialType ?? 'api_token' },
      { signal: scope.signal },
    ),
  );
}

/** R17: admins may read the webhook secret (to paste it into Bitbucket) and regenerate it. */
export async function webhookSecret(context: ServerContext, params: Protocol.ParamsOf<typeof Protocol.IntegrationsWebhookSecret>) {
  const state = await context.store.read();
  const integration = requireIntegrationDetails(state, context.user, params.id);
  if (!params.regenerate && integration.webhookSecret !== null) return { secret: integration.webhookSecret };
  const { secret, outdatedRepositories } = await context.store.update((draft) => {
    const target = requireIntegration(draft, params.id);
    requireManage(draft, context.user, target);
    target.webhookSecret = newWebhookSecret();
    target.webhookSecretChangedAt = context.now().toISOString();
    return { secret: target.webhookSecret, outdatedRepositories: repositoriesWithOldSecret(target, target.webhookSecret) };
  });
  registerSecret(secret);
  context.changed(['integrations', 'webhooks']);
  return { secret, outdatedRepositories };
}
