// The registry's state: spaces, grants, integrations (live and deleted) and stacks, the one model
// every rule in this folder reads and both store engines keep (the file engine's registry.json,
// PostgreSQL's registry document), validated on every load. Secrets of Bitbucket credentials are
// never here (R9); webhook secrets are, because the receiver must read them (the file is 0600).
import * as z from 'zod';
import { CredentialType, DEFAULT_RUNNER, DriftSchedule, IntegrationType, PolicyRules, Reconcile, Role, Runner } from '../protocol';

export const SCHEMA_VERSION = 1;

export const StoredSpace = z.object({
  id: z.string(),
  name: z.string(),
  parentId: z.string().nullable(),
  inheritEntities: z.boolean(),
});

export const StoredGrant = z.object({ user: z.string(), spaceId: z.string(), role: Role });

export const StoredIntegration = z.object({
  id: z.string(),
  name: z.string(),
  type: IntegrationType,
  spaceId: z.string(),
  username: z.string(),
  credentialType: CredentialType,
  labels: z.array(z.string()),
  description: z.string(),
  webhookSecret: z.string().nullable(),
  createdAt: z.string(),
  /** Bitbucket refused the credential: why and when, kept until a check with it succeeds (operations/credentialState.ts). */
  credentialRefused: z.object({ reason: z.string(), at: z.string() }).optional(),
  /** When the webhook secret was last regenerated: hooks sent an older one are out of date since then. */
  webhookSecretChangedAt: z.string().optional(),
  /** Repository → fingerprint of the webhook secret Stackhook last sent to its hook (never the secret itself). */
  secretSent: z.record(z.string(), z.string()).optional(),
});

/**
 * What is kept of a deleted integration: its id, so deliveries to it are answered 410 (R15), and its
 * webhook secret, so recreating it with the same name brings back a URL *and* a secret that
 * Bitbucket's existing hooks already use (R13).
 */
export const DeletedIntegration = z.object({
  id: z.string(),
  name: z.string(),
  deletedAt: z.string(),
  webhookSecret: z.string().nullable().default(null),
  /** Where it lived, so deliveries to it are shown only to those who could list it (none in older stores). */
  type: IntegrationType.nullable().default(null),
  spaceId: z.string().nullable().default(null),
  /** Which hooks carry that secret, so a recreate knows them too (see StoredIntegration.secretSent). */
  secretSent: z.record(z.string(), z.string()).optional(),
});

export const StoredStack = z.object({
  id: z.string(),
  name: z.string(),
  spaceId: z.string(),
  integrationId: z.string().nullable(),
  detachedFrom: z.string().nullable(),
  repository: z.string(),
  branch: z.string(),
  projectRoot: z.string(),
  createdAt: z.string(),
  // Absent on stacks stored before runs executed: they run with the default runner and the safe
  // defaults (no autodeploy, no forks); see `runSettingsOf`.
  runner: Runner.optional(),
  autodeploy: z.boolean().optional(),
  allowForks: z.boolean().optional(),
  /** Globs of changed paths that start its runs (triggerPaths.ts); absent: everything under the project root. */
  triggerPaths: z.array(z.string()).optional(),
  /** When drift checks run (R26); absent on older stacks: none. */
  driftSchedule: DriftSchedule.nullable().optional(),
  /** When the schedule was set or last changed: slots before it are never due (R27). */
  driftSince: z.string().optional(),
  reconcile: Reconcile.optional(),
});

/** A Stackhook user's Bitbucket account (its Atlassian account id), by whom it was linked (accountLinks.ts). */
export const StoredAccountLink = z.object({
  user: z.string(),
  accountId: z.string(),
  linkedBy: z.string(),
  linkedAt: z.string(),
});

/** The plan policies one space or stack sets (registry/policies.ts); a place without rules has no set. */
export const StoredPolicySet = z.object({
  kind: z.enum(['space', 'stack']),
  id: z.string(),
  rules: PolicyRules,
  setBy: z.string(),
  setAt: z.string(),
});

/**
 * A variable of a stack or a space. A secret one keeps no value here: its value is kept like a
 * Bitbucket credential (secrets/variableSecrets.ts), and only that it is set is known here.
 */
export const StoredVariable = z.object({
  scope: z.enum(['stack', 'space']),
  /** The stack's or the space's id. */
  ownerId: z.string(),
  name: z.string(),
  secret: z.boolean(),
  value: z.string().optional(),
  updatedAt: z.string(),
});

export const RegistryState = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  revision: z.number().int().nonnegative(),
  spaces: z.array(StoredSpace),
  grants: z.array(StoredGrant),
  integrations: z.array(StoredIntegration),
  deletedIntegrations: z.array(DeletedIntegration),
  stacks: z.array(StoredStack),
  /** Absent in stores from before comment commands: no account is linked. */
  accountLinks: z.array(StoredAccountLink).optional(),
  /** Absent in stores written before plan policies: none are set. */
  policies: z.array(StoredPolicySet).optional(),
  /** Absent in stores from before variables. */
  variables: z.array(StoredVariable).default([]),
});

export type StoredSpace = z.infer<typeof StoredSpace>;
export type StoredGrant = z.infer<typeof StoredGrant>;
export type StoredIntegration = z.infer<typeof StoredIntegration>;
export type DeletedIntegration = z.infer<typeof DeletedIntegration>;
export type StoredStack = z.infer<typeof StoredStack>;
export type StoredAccountLink = z.infer<typeof StoredAccountLink>;
export type StoredPolicySet = z.infer<typeof StoredPolicySet>;
export type RegistryState = z.infer<typeof RegistryState>;
export type StoredVariable = z.infer<typeof StoredVariable>;

export const ROOT_SPACE_ID = 'root';

/** A stack's runner and safety settings, with the defaults for stacks stored before they existed. */
export function runSettingsOf(stack: StoredStack): { runner: Runner; autodeploy: boolean; allowForks: boolean } {
  return { runner: stack.runner ?? DEFAULT_RUNNER, autodeploy: stack.autodeploy ?? false, allowForks: stack.allowForks ?? false };
}

/** A stack's drift settings, with the defaults for stacks stored before they existed. */
export function driftSettingsOf(stack: StoredStack): { driftSchedule: DriftSchedule | null; reconcile: Reconcile } {
  return { driftSchedule: stack.driftSchedule ?? null, reconcile: stack.reconcile ?? 'off' };
}

/** A new store: the root space, and its first user as admin of it. */
export function emptyState(firstUser: string): RegistryState {
  return {
    schemaVersion: SCHEMA_VERSION,
    revision: 0,
    spaces: [{ id: ROOT_SPACE_ID, name: 'root', parentId: null, inheritEntities: true }],
    grants: [{ user: firstUser, spaceId: ROOT_SPACE_ID, role: 'admin' }],
    integrations: [],
    deletedIntegrations: [],
    stacks: [],
    variables: [],
  };
}
