// Commands run from a tree item get the item; from the palette or a link, an id or nothing. These
// helpers turn any of those into what the command needs, asking the user when nothing was given.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import { Command } from '../commandIds';
import type { StackhookServer } from '../connection/serverApi';
import type { ErrorSubject } from '../connection/errors';

export function integrationIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null && 'integrationId' in arg && typeof arg.integrationId === 'string') return arg.integrationId;
  return undefined;
}

export function stackIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null && 'stackId' in arg && typeof arg.stackId === 'string') return arg.stackId;
  return undefined;
}

/** `workspace/slug` of a repository item, a stack item or a panel message. */
export function repositoryOf(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  if ('fullName' in arg && typeof arg.fullName === 'string') return arg.fullName;
  if ('stack' in arg && typeof arg.stack === 'object' && arg.stack !== null && 'repository' in arg.stack) return String(arg.stack.repository);
  if ('repository' in arg && typeof arg.repository === 'string') return arg.repository;
  return undefined;
}

export async function pickIntegration(
  server: StackhookServer,
  placeHolder: string,
  filter: (integration: Protocol.IntegrationSummary) => boolean = (integration) => integration.detailsVisible,
): Promise<Protocol.IntegrationSummary | undefined> {
  const all = await server.request(protocol().IntegrationsList, {});
  const integrations = all.filter(filter);
  if (all.length === 0) {
    await offerCreateIntegration(vscode.l10n.t('There is no integration yet. Create one first: it holds the Bitbucket credential and the webhook URL.'));
    return undefined;
  }
  if (integrations.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('There is no integration to choose from.'));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    integrations.map((integration) => ({ label: integration.name, description: integration.type === 'default' ? vscode.l10n.t('default') : integration.spaceId, integration })),
    // The status panel and the trees re-render as the server reports changes; that must not close the pick.
    { placeHolder, ignoreFocusOut: true },
  );
  return picked?.integration;
}

export async function integrationArg(server: StackhookServer, arg: unknown, placeHolder: string): Promise<string | undefined> {
  return integrationIdOf(arg) ?? (await pickIntegration(server, placeHolder))?.id;
}

export async function stackArg(
  server: StackhookServer,
  arg: unknown,
  placeHolder: string,
  filter: (stack: Protocol.Stack) => boolean = () => true,
): Promise<string | undefined> {
  const given = stackIdOf(arg);
  if (given) return given;
  const [all, integrations] = await Promise.all([server.request(protocol().StacksList, {}), server.request(protocol().IntegrationsList, {}).catch(() => [])]);
  const stacks = all.filter(filter);
  if (all.length === 0) {
    // Not a dead end: the stack this command needs can be made from here.
    const create = vscode.l10n.t('Create Stack');
    const choice = await vscode.window.showInformationMessage(vscode.l10n.t('There is no stack yet. A stack ties a repository\'s branch to the runs Stackhook makes.'), create);
    if (choice === create) await vscode.commands.executeCommand(Command.CreateStack);
    return undefined;
  }
  if (stacks.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('There is no stack to choose from.'));
    return undefined;
  }
  const integrationName = (id: string | null) => integrations.find((integration) => integration.id === id)?.name ?? id ?? '';
  const picked = await vscode.window.showQuickPick(
    stacks.map((stack) => ({
      label: stack.name,
      description: stack.state === 'detached' ? vscode.l10n.t('detached') : integrationName(stack.integrationId),
      detail: `${stack.repository} @ ${stack.branch}`,
      stack,
    })),
    { placeHolder, ignoreFocusOut: true },
  );
  return picked?.stack.id;
}

/** The names people gave their stacks, by id: messages name a stack as its person named it. */
export async function stackNames(server: StackhookServer): Promise<Map<string, string>> {
  const stacks = await server.request(protocol().StacksList, {}).catch(() => []);
  return new Map(stacks.map((stack) => [stack.id, stack.name]));
}

/** With no integration there is nothing to pick: say so and offer to create one. */
export async function offerCreateIntegration(message: string): Promise<void> {
  const create = vscode.l10n.t('Create Integration');
  if ((await vscode.window.showInformationMessage(message, create)) === create) await vscode.commands.executeCommand(Command.CreateIntegration);
}

/**
 * What a command on one integration is about, for `requestCommand`: the integration given or picked,
 * and the subject its errors name (so Edit integration can be offered as their fix).
 */
export function aboutIntegration(server: StackhookServer, arg: unknown, placeHolder: string): { pick: () => Promise<string | undefined>; subject: (integrationId: string) => ErrorSubject } {
  return { pick: () => integrationArg(server, arg, placeHolder), subject: (integrationId) => ({ integrationId }) };
}

/** The same for a command on one stack (Reattach stack as the fix of a Detached refusal). */
export function aboutStack(
  server: StackhookServer,
  arg: unknown,
  placeHolder: string,
  filter?: (stack: Protocol.Stack) => boolean,
): { pick: () => Promise<string | undefined>; subject: (stackId: string) => ErrorSubject } {
  return { pick: () => stackArg(server, arg, placeHolder, filter), subject: (stackId) => ({ stackId }) };
}
