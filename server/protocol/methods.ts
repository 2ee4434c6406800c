// Every request and notification between the extension and the server, named once. Each entry
// holds the method string, the zod schemas of its params and result, and the typed jsonrpc object
// (built once, here) that `connection.onRequest`, `client.sendRequest` and `sendNotification` take.
import { NotificationType, ParameterStructures, RequestType } from 'vscode-jsonrpc';
import * as z from 'zod';
import { DriftResult, DriftSchedule as DriftScheduleParam, Reconcile } from './drift';
import * as E from './entities';
import { ErrorData } from './errors';
import { MAX_PLAN_ADDRESS, ResourceChange, StructuredPlan } from './plan';
import * as P from './policies';
import { MAX_INVITATION_DAYS } from './redeem';
import { strictParams } from './strictParams';
import { TO_EDITOR } from './toEditor';
import { Variable, VariableName, VariableValue } from './variables';

export interface RequestDefinition<P extends z.ZodType, R extends z.ZodType> {
  readonly method: string;
  readonly params: P;
  readonly result: R;
  /** The error's data is absent only for a cancelled request (LSP's RequestCancelled). */
  readonly type: RequestType<z.input<P>, z.output<R>, ErrorData | undefined>;
}

/** The params of a request, as the server sees them after parsing. */
export type ParamsOf<T extends { params: z.ZodType }> = z.output<T['params']>;

/**
 * A request's jsonrpc type seen from code that handles any request: params and result are unknown
 * there, because the request's zod schemas are what give them their types.
 */
export function wireType(definition: RequestDefinition<z.ZodType, z.ZodType>): RequestType<unknown, unknown, ErrorData | undefined> {
  return definition.type;
}

function request<P extends z.ZodType, R extends z.ZodType>(method: string, params: P, result: R): RequestDefinition<P, R> {
  // `auto`, not `byName`: requests without params go out as `[null]`, and a peer that sends a string
  // or an array still reaches the handler, whose zod schema answers `Invalid` with the reason.
  // Params refuse unknown fields at every depth (strictParams.ts); results stay open.
  return { method, params: strictParams(params), result, type: new RequestType(method, ParameterStructures.auto) };
}

function notification<P extends z.ZodType>(method: string, params: P) {
  return { method, params, type: new NotificationType<z.output<P>>(method, ParameterStructures.byName) };
}

const NoParams = z.union([z.strictObject({}), z.undefined(), z.null()]).transform(() => ({}));
const Empty = z.object({});
const Limit = z.number().int().min(1).max(10_000).optional();
const RepositoryList = z.array(E.RepositoryFullName).min(1).max(E.MAX_REPOSITORIES_PER_REQUEST);

export const Status = request('stackhook/status', NoParams, E.ServerStatus);

export const SpacesList = request('stackhook/spaces/list', NoParams, z.array(E.Space));
export const SpacesCreate = request(
  'stackhook/spaces/create',
  z.strictObject({ name: E.Name, parentId: E.Id, inheritEntities: z.boolean() }),
  E.Space,
);
export const AccessGrant = request(
  'stackhook/access/grant',
  z.strictObject({ user: E.Username, spaceId: E.Id, role: E.Role }),
  Empty,
);

export const IntegrationsList = request('stackhook/integrations/list', NoParams, z.array(E.IntegrationSummary));
export const IntegrationsGet = request('stackhook/integrations/get', z.strictObject({ id: E.Id }), E.IntegrationDetails);
export const IntegrationsCreate = request(
  'stackhook/integrations/create',
  z.strictObject({
    name: E.Name,
    type: E.IntegrationType,
    spaceId: E.Id.optional(),
    username: E.Username,
    secret: E.Secret,
    credentialType: E.CredentialType.optional(),
    labels: E.Labels.optional(),
    description: E.Description.optional(),
    verify: z.boolean().optional(),
  }),
  E.IntegrationDetails,
);
export const IntegrationsUpdate = request(
  'stackhook/integrations/update',
  z.strictObject({
    id: E.Id,
    // R2: named here only to refuse it with a reason rather than as an unknown field.
    name: z
      .unknown()
      .optional()
      .refine((name) => name === undefined, 'an integration cannot be renamed: its webhook URL is derived from the name. Create a new integration instead'),
    username: E.Username.optional(),
    secret: E.Secret.optional(),
    credentialType: E.CredentialType.optional(),
    labels: E.Labels.optional(),
    description: E.Description.optional(),
    verify: z.boolean().optional(),
  }),
  E.IntegrationDetails,
);
export const IntegrationsDelete = request(
  'stackhook/integrations/delete',
  z.strictObject({ id: E.Id }),
  z.object({ detachedStackIds: z.array(E.Id) }),
);
export const IntegrationsTest = request(
  'stackhook/integrations/test',
  z.union([
    z.strictObject({ id: E.Id }),
    z.strictObject({ username: E.Username, secret: E.Secret, credentialType: E.CredentialType.optional() }),
  ]),
  E.CredentialTest,
);
export const IntegrationsWebhookSecret = request(
  'stackhook/integrations/webhookSecret',
  z.strictObject({ id: E.Id, regenerate: z.boolean().optional() }),
  z.object({
    secret: z.string(),
    /** After regenerating: the repositories whose hooks Stackhook sent the previous secret, which Bitbucket still signs with. */
    outdatedRepositories: z.array(z.string()).optional(),
  }),
);

export const RepositoriesList = request(
  'stackhook/repositories/list',
  z.strictObject({ integrationId: E.Id, workspace: E.WorkspaceSlug.optional() }),
  z.array(E.Repository),
);
export const WebhooksStatus = request(
  'stackhook/webhooks/status',
  z.strictObject({ integrationId: E.Id, repositories: RepositoryList }),
  z.array(E.WebhookHealth),
);
export const WebhooksConfigure = request(
  'stackhook/webhooks/configure',
  z.strictObject({
    integrationId: E.Id,
    repositories: RepositoryList,
    /** Send the webhook secret even to hooks that have one: Bitbucket never shows a secret, so a regenerated one cannot be detected. */
    resendSecret: z.boolean().optional(),
  }),
  z.array(E.WebhookChange),
);
export const WebhooksRemove = request(
  'stackhook/webhooks/remove',
  z.strictObject({ integrationId: E.Id, repositories: RepositoryList }),
  z.array(E.WebhookRemoval),
);

export const StacksList = request('stackhook/stacks/list', NoParams, z.array(E.Stack));
export const StacksCreate = request(
  'stackhook/stacks/create',
  z.strictObject({
    name: E.Name,
    /** Left out: the integration's own space (the root space for the default integration). */
    spaceId: E.Id.optional(),
    integrationId: E.Id,
    repository: E.RepositoryFullName,
    branch: E.BranchName,
    projectRoot: E.ProjectRoot.optional(),
    verify: z.boolean().optional(),
    runner: E.Runner.optional(),
    autodeploy: z.boolean().optional(),
    allowForks: z.boolean().optional(),
    /** Left out: everything under the project root. */
    triggerPaths: E.TriggerPaths.optional(),
    driftSchedule: DriftScheduleParam.nullable().optional(),
    reconcile: Reconcile.optional(),
  }),
  E.Stack,
);
export const StacksSetIntegration = request(
  'stackhook/stacks/setIntegration',
  z.strictObject({ stackId: E.Id, integrationId: E.Id }),
  E.Stack,
);
/** Reattaches, in one step, every stack detached from an integration of this id (R13). */
export const StacksReattachAll = request(
  'stackhook/stacks/reattachAll',
  z.strictObject({ integrationId: E.Id }),
  z.object({ reattachedStackIds: z.array(E.Id), skipped: z.array(z.object({ stackId: E.Id, reason: z.string() })) }),
);
export const StacksDelete = request('stackhook/stacks/delete', z.strictObject({ stackId: E.Id }), Empty);
export const StacksTriggerRun = request('stackhook/stacks/triggerRun', z.strictObject({ stackId: E.Id }), E.Run);
/**
 * Changes what a stack runs with and what it tracks; a new branch is checked with Bitbucket unless
 * `verify: false`. The integration changes through `stacks/setIntegration`.
 */
export const StacksUpdate = request(
  'stackhook/stacks/update',
  z.strictObject({
    stackId: E.Id,
    runner: E.Runner.optional(),
    autodeploy: z.boolean().optional(),
    allowForks: z.boolean().optional(),
    branch: E.BranchName.optional(),
    projectRoot: E.ProjectRoot.optional(),
    /** null: back to everything under the project root. */
    triggerPaths: E.TriggerPaths.nullable().optional(),
    verify: z.boolean().optional(),
    /** null turns scheduled checks off. */
    driftSchedule: DriftScheduleParam.nullable().optional(),
    reconcile: Reconcile.optional(),
  }),
  E.Stack,
);
/** Runs a drift check of the stack now (R26): a run of kind `drift`, trigger `manual`, on the head of its branch. */
export const StacksCheckDrift = request('stackhook/stacks/checkDrift', z.strictObject({ stackId: E.Id }), E.Run);
/** What a drift check found: its result and the drifted resources with before and after, masked (R26). */
export const RunsDrift = request('stackhook/runs/drift', z.strictObject({ runId: z.string().min(1).max(200) }), DriftResult.nullable());
/** Whether the stack's runner can run: the custom pipeline is defined, the token has the scopes, the commands exist. */
export const StacksCheckRunner = request('stackhook/stacks/checkRunner', z.strictObject({ stackId: E.Id }), E.RunnerCheck);

const RunId = z.strictObject({ runId: z.string().min(1).max(200) });
export const RunsGet = request('stackhook/runs/get', RunId, E.Run);
/** The run's log from `offset` (bytes), masked; `complete` once the run has ended and all of it was read. */
export const RunsLog = request('stackhook/runs/log', RunId.extend({ offset: z.number().int().nonnegative().optional() }), E.RunLog);
export const RunsCancel = request('stackhook/runs/cancel', RunId, E.Run);
export const RunsConfirm = request('stackhook/runs/confirm', RunId, E.Run);
export const RunsDiscard = request('stackhook/runs/discard', RunId, E.Run);
/** Queues the same stack, kind and commit again: the new run. */
export const RunsRetry = request('stackhook/runs/retry', RunId, E.Run);
/**
 * The structured plan of an OpenTofu or Terraform run (read as for the run): counts, resource rows
 * (destroys first, then replaces, then the rest), drift, outputs, checks and diagnostics. `NotFound`
 * when the run has none (a custom or pipelines run, or one that has not planned yet).
 */
export const RunsPlan = request('stackhook/runs/plan', RunId, StructuredPlan);
/**
 * One resource's change with its before and after values, every value the plan marks sensitive
 * replaced by "(sensitive)". Answered where the run planned, while its plan document is kept (24 h).
 */
export const RunsResourceChange = request(
  'stackhook/runs/resourceChange',
  RunId.extend({ address: z.string().min(1).max(MAX_PLAN_ADDRESS) }),
  ResourceChange,
);

/** A stack's variables: the spaces' it inherits (marked `inherited`) and its own; secret values never. */
export const StacksVariablesList = request('stackhook/stacks/variables/list', z.strictObject({ stackId: E.Id }), z.array(Variable));
/** Sets one variable of a stack (write on its space; admin for a secret one, or to replace one). */
export const StacksVariablesSet = request(
  'stackhook/stacks/variables/set',
  z.strictObject({ stackId: E.Id, name: VariableName, value: VariableValue, secret: z.boolean() }),
  Variable,
);
export const StacksVariablesDelete = request('stackhook/stacks/variables/delete', z.strictObject({ stackId: E.Id, name: z.string().min(1).max(200) }), Empty);
/** A space's variables: its ancestors' that reach it (marked `inherited`) and its own. */
export const SpacesVariablesList = request('stackhook/spaces/variables/list', z.strictObject({ spaceId: E.Id }), z.array(Variable));
export const SpacesVariablesSet = request(
  'stackhook/spaces/variables/set',
  z.strictObject({ spaceId: E.Id, name: VariableName, value: VariableValue, secret: z.boolean() }),
  Variable,
);
export const SpacesVariablesDelete = request('stackhook/spaces/variables/delete', z.strictObject({ spaceId: E.Id, name: z.string().min(1).max(200) }), Empty);

/**
 * Plan policies (docs/design.md §4): set replaces the rules of one stack or space, list answers the
 * rules that hold there (inherited ones marked), delete removes a stack's or space's own rules.
 */
const PolicyTarget = z.union([z.strictObject({ stackId: E.Id }), z.strictObject({ spaceId: E.Id })]);
export const PoliciesSet = request(
  'stackhook/policies/set',
  z.union([z.strictObject({ stackId: E.Id, rules: P.PolicyRules }), z.strictObject({ spaceId: E.Id, rules: P.PolicyRules })]),
  P.PolicyList,
);
export const PoliciesList = request('stackhook/policies/list', PolicyTarget, P.PolicyList);
export const PoliciesDelete = request('stackhook/policies/delete', PolicyTarget, Empty);
/** R31: an admin of the stack's space who did not trigger the run lets a run a policy denies be confirmed, saying why. */
export const RunsAcknowledge = request(
  'stackhook/runs/acknowledge',
  RunId.extend({ reason: z.string().trim().min(1, 'must say why').max(P.MAX_ACK_REASON) }),
  E.Run,
);
export const RunsList = request(
  'stackhook/runs/list',
  z.union([z.strictObject({ stackId: E.Id.optional(), limit: Limit }), z.undefined(), z.null()]).transform((p) => p ?? {}),
  z.array(E.Run),
);
export const DeliveriesList = request(
  'stackhook/deliveries/list',
  z.union([z.strictObject({ limit: Limit }), z.undefined(), z.null()]).transform((p) => p ?? {}),
  z.array(E.Delivery),
);

/** Whether the Pull Request Commit Links app answers for a repository (needed to link commits to pull requests). */
export const RepositoriesCommitLinks = request(
  'stackhook/repositories/commitLinks',
  z.strictObject({ integrationId: E.Id, repository: E.RepositoryFullName, commit: z.string().regex(/^[0-9a-fA-F]{7,40}$/, 'must be a commit hash') }),
  E.CommitLinks,
);

/** Workspace-level webhooks (`/workspaces/{ws}/hooks`, needs workspace admin): one hook covers every repository. */
const WorkspaceWebhookParams = z.strictObject({ integrationId: E.Id, workspace: E.WorkspaceSlug });
export const WebhooksWorkspaceStatus = request('stackhook/webhooks/workspaceStatus', WorkspaceWebhookParams, E.WorkspaceWebhookHealth);
export const WebhooksConfigureWorkspace = request(
  'stackhook/webhooks/configureWorkspace',
  WorkspaceWebhookParams.extend({ resendSecret: z.boolean().optional() }),
  E.WorkspaceWebhookChange,
);
export const WebhooksRemoveWorkspace = request('stackhook/webhooks/removeWorkspace', WorkspaceWebhookParams, E.WorkspaceWebhookRemoval);

// Server → client.
export const Changed = notification(TO_EDITOR.changed, z.object({ topics: z.array(E.ChangeTopic) }));
/**
 * A delivery refused for a bad or missing signature (R17). Such a refusal changes nothing and is not
 * recorded, so the receiver tells the editor it runs in: the likely cause is a wrong secret in Bitbucket.
 */
export const DeliveryRefused = notification(
  TO_EDITOR.deliveryRefused,
  z.object({ integrationId: z.string(), eventKey: z.string().nullable(), repository: z.string().nullable(), status: z.number().int(), reason: z.string() }),
);
export const SecretsGet = request(TO_EDITOR.secretsGet, z.object({ key: z.string() }), z.object({ value: z.string().nullable() }));
export const SecretsStore = request(
  TO_EDITOR.secretsStore,
  z.object({ key: z.string(), value: z.string().nullable() }),
  Empty,
);

/**
 * What creating an integration of this name would give, asked while the name is typed: the id and
 * webhook URL the server derives (R5), and why the name cannot be used (R2), if it cannot.
 */
export const IntegrationsPreview = request(
  'stackhook/integrations/preview',
  z.strictObject({ name: z.string().max(E.MAX_NAME * 2) }),
  z.object({
    id: z.string(),
    webhookUrl: z.string(),
    problem: z.string().optional(),
    /** Said when the name was used before: the webhook URL comes back and detached stacks can be reattached (R13). */
    note: z.string().optional(),
    /** Why Bitbucket could not deliver to that URL (loopback, private, plain http), when it could not. */
    urlProblem: z.string().optional(),
  }),
);

/**
 * Team server: an admin of the root space adds a user (or invites an existing one again) and gets a
 * one-time invitation token (`shi_…`, shown this once, 7 days unless `days` says otherwise, at most 30).
 * The user redeems it once at `POST /rpc/redeem` for their personal token; `tokenId` is what
 * `tokens revoke` takes to cancel it.
 */
export const UsersInvite = request(
  'stackhook/users/invite',
  z.strictObject({ name: E.Username, days: z.number().int().min(1).max(MAX_INVITATION_DAYS).optional() }),
  z.object({ user: z.string(), tokenId: z.string(), token: z.string(), expiresAt: z.string(), newUser: z.boolean() }),
);

/**
 * Links a Bitbucket account to a Stackhook user, so their pull request comments can command (R24):
 * an admin of the root space names the user and the Atlassian account id, or a user proves their
 * own account with their own API token (Stackhook reads `GET /user` with it and keeps nothing of it).
 */
export const UsersLinkBitbucket = request(
  'stackhook/users/linkBitbucket',
  z.union([
    z.strictObject({ user: E.Username, accountId: z.string().min(1).max(200) }),
    z.strictObject({ username: E.Username, secret: E.Secret, credentialType: E.CredentialType.optional() }),
  ]),
  z.object({ user: z.string(), accountId: z.string(), displayName: z.string().nullable() }),
);

/** The branches of a repository, through an integration's credential: what a branch pick list offers. */
export const RepositoriesBranches = request(
  'stackhook/repositories/branches',
  z.strictObject({ integrationId: E.Id, repository: E.RepositoryFullName }),
  z.array(E.Branch),
);

/** What creating a stack of this name would give, asked while the name is typed: its id, and why the name cannot be used. */
export const StacksPreview = request(
  'stackhook/stacks/preview',
  z.strictObject({ name: z.string().max(E.MAX_NAME * 2) }),
  z.object({ id: z.string(), problem: z.string().optional() }),
);

/** What a person pastes into Bitbucket to add the webhook by hand: the URL, the secret and the events (R14, R17). */
export const WebhooksSettings = request(
  'stackhook/webhooks/settings',
  z.strictObject({ integrationId: E.Id }),
  z.object({ url: z.string(), secret: z.string().nullable(), events: z.array(z.string()), urlProblem: z.string().optional() }),
);

/** Bitbucket's web pages of a repository (its page, its webhook settings), for a person to open. */
export const RepositoriesWebLinks = request(
  'stackhook/repositories/webLinks',
  z.strictObject({ repository: E.RepositoryFullName }),
  z.object({ repository: z.string(), webhooks: z.string() }),
);

/**
 * The Pull Request Commit Links check for a repository, on the head of its main branch: installed
 * (`ok`), `indexing` or `not-installed`, with the web page of that commit, where the app is installed.
 */
export const RepositoriesCommitLinksStatus = request(
  'stackhook/repositories/commitLinksStatus',
  z.strictObject({ integrationId: E.Id, repository: E.RepositoryFullName }),
  E.CommitLinks.extend({ commitUrl: z.string().nullable() }),
);

/** The repositories whose webhooks integrations must keep, because attached stacks use them (one integration, or all). */
export const WebhooksExpected = request(
  'stackhook/webhooks/expected',
  z.union([z.strictObject({ integrationId: E.Id.optional() }), z.undefined(), z.null()]).transform((p) => p ?? {}),
  z.array(E.ExpectedWebhook),
);

/** What deleting an integration would do (R11): the stacks it detaches and the repositories whose hooks point at it. */
export const IntegrationsDeletePreview = request(
  'stackhook/integrations/deletePreview',
  z.strictObject({ id: E.Id }),
  z.object({ detachedStacks: z.array(z.object({ id: E.Id, name: z.string() })), repositories: z.array(z.string()) }),
);

/** Whether Bitbucket could accept this username with an API token, asked while it is typed. */
export const IntegrationsCheckUsername = request(
  'stackhook/integrations/checkUsername',
  z.strictObject({ username: z.string().max(E.MAX_USERNAME * 2) }),
  z.object({ problem: z.string().optional() }),
);
