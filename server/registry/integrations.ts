// Integrations: R1 (what one holds), R2 (unique, immutable names), R3 (one default), R11 and R13
// (deleting detaches; recreating keeps the URL).
import { randomBytes } from 'node:crypto';
import { conflict, invalid, notFound } from '../errors';
import type { CredentialType, IntegrationType } from '../protocol';
import type { RegistryState, StoredIntegration } from './state';
import { ROOT_SPACE_ID } from './state';
import { requireIdFromName } from './names';
import { requireSpace } from './spaces';
import { detachStacksOf } from './detachment';

export interface NewIntegration {
  name: string;
  type: IntegrationType;
  spaceId?: string | undefined;
  username: string;
  credentialType?: CredentialType | undefined;
  labels?: string[] | undefined;
  description?: string | undefined;
}

export interface IntegrationEdit {
  username?: string | undefined;
  credentialType?: CredentialType | undefined;
  labels?: string[] | undefined;
  description?: string | undefined;
}

export function findIntegration(state: RegistryState, id: string): StoredIntegration | undefined {
  return state.integrations.find((integration) => integration.id === id);
}

export function requireIntegration(state: RegistryState, id: string): StoredIntegration {
  const integration = findIntegration(state, id);
  if (!integration) {
    const deleted = state.deletedIntegrations.some((d) => d.id === id);
    throw notFound(
      deleted
        ? `The integration "${id}" was deleted. Create one with the same name to get the same webhook URL back.`
        : `There is no integration "${id}". List integrations to see their ids.`,
    );
  }
  return integration;
}

/** Labels are a set: trimmed, de-duplicated, in the order first given. */
export function normaliseLabels(labels: readonly string[] = []): string[] {
  return [...new Set(labels.map((label) => label.trim()).filter((label) => label !== ''))];
}

export function newWebhookSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The space an integration of this type lives in: the root for a default one (R1). */
export function spaceForNewIntegration(state: RegistryState, input: Pick<NewIntegration, 'type' | 'spaceId'>): string {
  if (input.type === 'default') {
    if (input.spaceId !== undefined && input.spaceId !== ROOT_SPACE_ID) {
      throw invalid(`A default integration lives in the root space; "${input.spaceId}" was given. Choose type "space" to bind it to a space.`).about('spaceId');
    }
    return ROOT_SPACE_ID;
  }
  if (input.spaceId === undefined) throw invalid('A space-level integration needs a spaceId.').about('spaceId');
  return requireSpace(state, input.spaceId).id;
}

/** R2, R3: checks that a new integration may exist, before anything is asked of Bitbucket. */
export function checkNewIntegration(state: RegistryState, input: NewIntegration): { id: string; spaceId: string } {
  const id = requireIdFromName(input.name, 'integration');
  const spaceId = spaceForNewIntegration(state, input);
  const clash = findIntegration(state, id);
  if (clash) {
    throw conflict(`The name "${input.name}" gives the id "${id}", which the integration "${clash.name}" already has. Integration names are unique; choose another.`).about('name');
  }
  if (input.type === 'default') {
    const existing = state.integrations.find((integration) => integration.type === 'default');
    if (existing) {
      throw conflict(`There is already a default Bitbucket Cloud integration ("${existing.name}"); only one is allowed. Create a space-level integration instead, or delete "${existing.name}" first.`).about('type');
    }
  }
  return { id, spaceId };
}

export function addIntegration(state: RegistryState, input: NewIntegration, now: Date): StoredIntegration {
  const { id, spaceId } = checkNewIntegration(state, input);
  const predecessor = state.deletedIntegrations.find((deleted) => deleted.id === id);
  const integration: StoredIntegration = {
    id,
    name: input.name,
    type: input.type,
    spaceId,
    username: input.username,
    credentialType: input.credentialType ?? 'api_token',
    labels: normaliseLabels(input.labels),
    description: input.description ?? '',
    // R13: Bitbucket's hooks still sign with the old secret; a new one would make them fail with 401.
    webhookSecret: predecessor?.webhookSecret ?? newWebhookSecret(),
    createdAt: now.toISOString(),
    // …and the hooks that carry it are the ones Stackhook sent it to before.
    ...(predecessor?.secretSent ? { secretSent: predecessor.secretSent } : {}),
  };
  state.integrations.push(integration);
  state.deletedIntegrations = state.deletedIntegrations.filter((deleted) => deleted.id !== id);
  return integration;
}

export function editIntegration(integration: StoredIntegration, edit: IntegrationEdit): void {
  if (edit.username !== undefined) integration.username = edit.username;
  if (edit.credentialType !== undefined) integration.credentialType = edit.credentialType;
  if (edit.labels !== undefined) integration.labels = normaliseLabels(edit.labels);
  if (edit.description !== undefined) integration.description = edit.description;
}

/** R11: deleting is allowed while stacks use the integration; they become detached. */
export function removeIntegration(state: RegistryState, id: string, now: Date): string[] {
  const integration = requireIntegration(state, id);
  state.integrations = state.integrations.filter((candidate) => candidate !== integration);
  state.deletedIntegrations = [
    ...state.deletedIntegrations.filter((deleted) => deleted.id !== id),
    {
      id,
      name: integration.name,
      deletedAt: now.toISOString(),
      webhookSecret: integration.webhookSecret,
      type: integration.type,
      spaceId: integration.spaceId,
      ...(integration.secretSent ? { secretSent: integration.secretSent } : {}),
    },
  ];
  return detachStacksOf(state, id);
}

export function isDeletedIntegration(state: RegistryState, id: string): boolean {
  return !findIntegration(state, id) && state.deletedIntegrations.some((deleted) => deleted.id === id);
}
