// Which operation answers which request. The one table a reader opens to find a method's code.
import * as Protocol from '../protocol';
import * as integrations from '../operations/integrations';
import * as history from '../operations/history';
import * as repositories from '../operations/repositories';
import * as plans from '../operations/plans';
import { acknowledgeRun } from '../operations/acknowledge';
import * as policies from '../operations/policies';
import * as runs from '../operations/runs';
import * as spaces from '../operations/spaces';
import * as stacks from '../operations/stacks';
import * as variables from '../operations/variables';
import * as expected from '../operations/expectedWebhooks';
import { previewIntegration, previewStack } from '../operations/preview';
import { trackingCredential } from '../operations/credentialState';
import { status } from '../operations/status';
import { inviteUser, linkBitbucket } from '../operations/users';
import { handler, type Handler } from './handler';

// trackingCredential: a refusal of the integration's credential is kept on it until a request through it succeeds.
export const handlers: readonly Handler[] = [
  handler(Protocol.Status, (context) => status(context)),
  handler(Protocol.SpacesList, (context) => spaces.listSpaces(context)),
  handler(Protocol.SpacesCreate, spaces.createSpace),
  handler(Protocol.AccessGrant, spaces.grantAccess),
  handler(Protocol.IntegrationsList, (context) => integrations.listIntegrations(context)),
  handler(Protocol.IntegrationsGet, integrations.getIntegration),
  handler(Protocol.IntegrationsCreate, integrations.createIntegration),
  handler(Protocol.IntegrationsUpdate, integrations.updateIntegration),
  handler(Protocol.IntegrationsDelete, integrations.deleteIntegration),
  handler(Protocol.IntegrationsTest, integrations.testIntegration),
  handler(Protocol.IntegrationsPreview, previewIntegration),
  handler(Protocol.IntegrationsCheckUsername, integrations.checkUsername),
  handler(Protocol.IntegrationsWebhookSecret, integrations.webhookSecret),
  handler(Protocol.RepositoriesList, trackingCredential(repositories.listRepositories)),
  handler(Protocol.WebhooksStatus, trackingCredential(repositories.webhooksStatus)),
  handler(Protocol.WebhooksConfigure, trackingCredential(repositories.configureWebhooks)),
  handler(Protocol.WebhooksRemove, repositories.removeWebhooks),
  handler(Protocol.RepositoriesCommitLinks, repositories.commitLinks),
  handler(Protocol.WebhooksWorkspaceStatus, trackingCredential(repositories.workspaceWebhookStatus)),
  handler(Protocol.WebhooksConfigureWorkspace, trackingCredential(repositories.configureWorkspaceWebhook)),
  handler(Protocol.WebhooksRemoveWorkspace, repositories.removeWorkspaceWebhook),
  handler(Protocol.StacksList, (context) => stacks.listStacks(context)),
  handler(Protocol.StacksCreate, stacks.createStack),
  handler(Protocol.StacksSetIntegration, stacks.setIntegration),
  handler(Protocol.StacksReattachAll, stacks.reattachAll),
  handler(Protocol.StacksDelete, stacks.deleteStack),
  handler(Protocol.StacksTriggerRun, stacks.triggerRun),
  handler(Protocol.StacksUpdate, stacks.updateStack),
  handler(Protocol.StacksPreview, previewStack),
  handler(Protocol.RepositoriesBranches, trackingCredential(repositories.listBranches)),
  handler(Protocol.WebhooksSettings, repositories.webhookSettings),
  handler(Protocol.RepositoriesCommitLinksStatus, trackingCredential(repositories.commitLinksStatus)),
  handler(Protocol.WebhooksExpected, expected.expectedWebhooks),
  handler(Protocol.IntegrationsDeletePreview, expected.deletePreview),
  handler(Protocol.RepositoriesWebLinks, repositories.webLinks),
  handler(Protocol.RunsList, history.listRuns),
  handler(Protocol.DeliveriesList, history.listDeliveries),
  handler(Protocol.UsersInvite, inviteUser),
  handler(Protocol.UsersLinkBitbucket, linkBitbucket),
  handler(Protocol.StacksCheckRunner, runs.checkStackRunner),
  handler(Protocol.RunsGet, runs.getRun),
  handler(Protocol.RunsLog, runs.runLog),
  handler(Protocol.RunsCancel, runs.cancelRun),
  handler(Protocol.RunsConfirm, runs.confirmRun),
  handler(Protocol.RunsDiscard, runs.discardRun),
  handler(Protocol.RunsRetry, runs.retryRun),
  handler(Protocol.RunsPlan, plans.runPlan),
  handler(Protocol.RunsResourceChange, plans.resourceChange),
  handler(Protocol.StacksVariablesList, variables.listStackVariables),
  handler(Protocol.StacksVariablesSet, variables.setStackVariable),
  handler(Protocol.StacksVariablesDelete, variables.deleteStackVariable),
  handler(Protocol.SpacesVariablesList, variables.listSpaceVariables),
  handler(Protocol.SpacesVariablesSet, variables.setSpaceVariable),
  handler(Protocol.SpacesVariablesDelete, variables.deleteSpaceVariable),
  handler(Protocol.StacksCheckDrift, stacks.checkDrift),
  handler(Protocol.RunsDrift, runs.runDrift),
  handler(Protocol.PoliciesList, policies.listPolicies),
  handler(Protocol.PoliciesSet, policies.setPolicies),
  handler(Protocol.PoliciesDelete, policies.deletePolicies),
  handler(Protocol.RunsAcknowledge, acknowledgeRun),
];
