// How stored records are shown to a user: what the protocol returns, with what they may not see left out.
import type { IntegrationDetails, IntegrationSummary, Run, Stack, StackDrift } from '../protocol';
import { canSeeDetails } from '../registry/access';
import { webhookUrlProblem, type ReceiverAddress } from '../registry/reachability';
import { stacksDetachedFrom } from '../registry/stacks';
import { triggerPathsOf } from '../registry/triggerPaths';
import { webhookUrlFor } from '../registry/webhookUrl';
import { driftSettingsOf, runSettingsOf, type RegistryState, type StoredIntegration, type StoredStack } from '../registry/state';

export function integrationSummary(state: RegistryState, user: string, integration: StoredIntegration): IntegrationSummary {
  return {
    id: integration.id,
    name: integration.name,
    type: integration.type,
    spaceId: integration.spaceId,
    labels: integration.labels,
    detailsVisible: canSeeDetails(state, user, integration),
    ...(integration.credentialRefused ? { credentialRefused: integration.credentialRefused } : {}),
  };
}

function urlProblemOf(url: string, demo: boolean): { webhookUrlProblem?: string } {
  const problem = webhookUrlProblem(url, demo);
  return problem ? { webhookUrlProblem: problem } : {};
}

/** R9: the Bitbucket credential is not among the details, for anyone. */
export function integrationDetails(state: RegistryState, user: string, integration: StoredIntegration, receiver: ReceiverAddress): IntegrationDetails {
  const webhookUrl = webhookUrlFor(receiver.publicUrl, integration.id);
  return {
    ...integrationSummary(state, user, integration),
    username: integration.username,
    credentialType: integration.credentialType,
    description: integration.description,
    webhookUrl,
    ...urlProblemOf(webhookUrl, receiver.demo === true),
    webhookSecretSet: integration.webhookSecret !== null,
    createdAt: integration.createdAt,
    reattachableStackIds: stacksDetachedFrom(state, integration.id).map((stack) => stack.id),
  };
}

export function stackView(stack: StoredStack, lastRun: Run | null = null, drift: StackDrift | null = null): Stack {
  return {
    id: stack.id,
    name: stack.name,
    spaceId: stack.spaceId,
    integrationId: stack.integrationId,
    detachedFrom: stack.detachedFrom,
    repository: stack.repository,
    branch: stack.branch,
    projectRoot: stack.projectRoot,
    state: stack.integrationId === null ? 'detached' : 'attached',
    ...runSettingsOf(stack),
    triggerPaths: triggerPathsOf(stack),
    lastRun,
    ...driftSettingsOf(stack),
    drift,
  };
}
