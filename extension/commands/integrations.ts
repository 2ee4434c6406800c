// Integration commands: create, edit, delete, test, and the webhook URL and secret.
import * as vscode from 'vscode';
import type { z } from 'zod';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import { Command } from '../commandIds';
import { createIntegration, explainRefusal, validateEmail } from './createIntegration';
import { serverError } from '../connection/errors';
import { registerCredential, registerSecret } from '../surfaces/log';
import type { CommandContext } from './context';
import { aboutIntegration } from './pick';
import { publicUrlProblem, warnIfUnreachable } from './publicUrl';
import { requestCommand, send } from './request';
import { configureRepositories } from './webhooks';

export async function create(ctx: CommandContext): Promise<Protocol.IntegrationDetails | undefined> {
  return createIntegration(ctx.server, ctx.prompter);
}

type EditField = 'username' | 'secret' | 'labels' | 'description';
type UpdateParams = z.input<typeof Protocol.IntegrationsUpdate.params>;

export function edit(ctx: CommandContext, arg?: unknown): Promise<void> {
  return withDetails(ctx, arg, vscode.l10n.t('Which integration do you want to edit?'), async (current) => {
    const field = await pickField(current);
    if (field) await changeUntilSaved(ctx, current, field);
  });
}

/** A command on one integration's details (given or picked), read fresh from the server. */
function withDetails(ctx: CommandContext, arg: unknown, question: string, act: (details: Protocol.IntegrationDetails) => Promise<void>): Promise<void> {
  return requestCommand(ctx, {
    ...aboutIntegration(ctx.server, arg, question),
    request: protocol().IntegrationsGet,
    params: (id) => ({ id }),
    onAnswer: act,
  });
}

/** Asks for the field and saves it; after a refusal, asks again for the field the refusal names, as Create does. */
async function changeUntilSaved(ctx: CommandContext, current: Protocol.IntegrationDetails, first: EditField): Promise<void> {
  let field: EditField | undefined = first;
  while (field) {
    const params = await askField(ctx, current, field);
    if (!params) return;
    let next = await update(ctx, params, current.name);
    if (next === 'save-unchecked') next = await update(ctx, { ...params, verify: false }, current.name);
    field = next === 'done' || next === 'save-unchecked' ? undefined : next;
  }
}

/** Replace Token: Edit Integration at its token step (offered on an integration whose token Bitbucket refused). */
export function replaceToken(ctx: CommandContext, arg?: unknown): Promise<void> {
  return requestCommand(ctx, {
    ...aboutIntegration(ctx.server, arg, vscode.l10n.t('Replace the API token of which integration?')),
    request: protocol().IntegrationsGet,
    params: (id) => ({ id }),
    onAnswer: (current) => changeUntilSaved(ctx, current, 'secret'),
  });
}

/** Which field to change; undefined when the person stops. */
async function pickField(current: Protocol.IntegrationDetails): Promise<EditField | undefined> {
  const field = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('Email'), description: current.username, field: 'username' as EditField },
      { label: vscode.l10n.t('API token'), description: vscode.l10n.t('replace the credential'), field: 'secret' as EditField },
      { label: vscode.l10n.t('Labels'), description: current.labels.join(', '), field: 'labels' as EditField },
      { label: vscode.l10n.t('Description'), description: current.description.split('\n')[0], field: 'description' as EditField },
    ],
    { placeHolder: vscode.l10n.t('What do you want to change in "{0}"? (The name cannot change: the webhook URL is derived from it.)', current.name) },
  );
  return field?.field;
}

/** The field's new value; undefined when the person stops. */
async function askField(ctx: CommandContext, current: Protocol.IntegrationDetails, field: EditField): Promise<UpdateParams | undefined> {
  const { id } = current;
  switch (field) {
    case 'username': {
      const username = await vscode.window.showInputBox({
        title: vscode.l10n.t('Email of "{0}"', current.name),
        value: current.username,
        validateInput: async (value) => (await validateEmail(ctx.server, value))?.message,
      });
      return username === undefined ? undefined : { id, username: username.trim() };
    }
    case 'secret': {
      const secret = await vscode.window.showInputBox({
        title: vscode.l10n.t('New API token for "{0}"', current.name),
        password: true,
        ignoreFocusOut: true,
        validateInput: (value) => (value === '' ? vscode.l10n.t('Paste the API token.') : undefined),
      });
      if (secret === undefined) return undefined;
      registerCredential(secret, current.username);
      return { id, secret, credentialType: 'api_token' };
    }
    case 'labels': {
      const labels = await vscode.window.showInputBox({
        title: vscode.l10n.t('Labels of "{0}", separated by commas', current.name),
        value: current.labels.join(', '),
        validateInput: (value) => protocol().labelsProblem(value),
      });
      return labels === undefined ? undefined : { id, labels: [...new Set(labels.split(',').map((label) => label.trim()).filter(Boolean))] };
    }
    case 'description': {
      const description = await vscode.window.showInputBox({ title: vscode.l10n.t('Description of "{0}" (Markdown)', current.name), value: current.description });
      return description === undefined ? undefined : { id, description };
    }
  }
}

const CHANGED: Readonly<Record<EditField, string>> = {
  username: 'email',
  secret: 'API token',
  labels: 'labels',
  description: 'description',
};

/**
 * Saves the change, checked with Bitbucket when it is the credential. A refusal is explained as
 * Create explains it: Edit reopens the field the server names (the token, or the email), Copy curl,
 * and Save without checking only when Bitbucket was not reached (it refused nothing).
 * Resolves to `done`, the field to ask again, or `save-unchecked`; anything else goes to the command's error.
 */
async function update(ctx: CommandContext, params: UpdateParams, name: string): Promise<'done' | 'save-unchecked' | EditField> {
  const checks = params.secret !== undefined || params.username !== undefined;
  const edited: EditField = params.secret !== undefined ? 'secret' : params.username !== undefined ? 'username' : params.labels !== undefined ? 'labels' : 'description';
  try {
    await send(ctx, protocol().IntegrationsUpdate, params, { title: checks && params.verify !== false ? vscode.l10n.t('Checking the credentials with Bitbucket…') : vscode.l10n.t('Saving…') });
    void vscode.window.showInformationMessage(
      checks && params.verify !== false
        ? vscode.l10n.t('Integration "{0}" updated: Bitbucket accepted the new {1}.', name, vscode.l10n.t(CHANGED[edited]))
        : vscode.l10n.t('Integration "{0}" updated: its {1} was saved.', name, vscode.l10n.t(CHANGED[edited])),
    );
    return 'done';
  } catch (error) {
    const info = serverError(error);
    if (info.kind !== 'Bitbucket' || params.verify === false) throw error;
    const choice = await explainRefusal(info, vscode.l10n.t('Bitbucket did not accept the credential. The change was not saved.'));
    if (choice === 'save-unchecked') return 'save-unchecked';
    if (choice !== 'edit') return 'done';
    // The field the server names: a token refused reopens the token box (a password box), never the email.
    return info.field === 'username' ? 'username' : info.field === 'secret' || info.field === 'credentialType' ? 'secret' : edited;
  }
}

export function remove(ctx: CommandContext, arg?: unknown): Promise<void> {
  let name = '';
  return requestCommand(ctx, {
    ...aboutIntegration(ctx.server, arg, vscode.l10n.t('Which integration do you want to delete?')),
    request: protocol().IntegrationsDelete,
    params: async (id) => {
      const [integrations, preview] = await Promise.all([ctx.server.request(protocol().IntegrationsList, {}), ctx.server.request(protocol().IntegrationsDeletePreview, { id })]);
      name = integrations.find((integration) => integration.id === id)?.name ?? id;
      return (await confirmDelete(ctx, id, name, preview)) ? { id } : undefined;
    },
    onAnswer: (result) => {
      const detachedCount = result.detachedStackIds.length;
      void vscode.window.showInformationMessage(
        detachedCount === 0
          ? vscode.l10n.t('Integration "{0}" deleted.', name)
          : detachedCount === 1
            ? vscode.l10n.t('Integration "{0}" deleted; 1 stack detached.', name)
            : vscode.l10n.t('Integration "{0}" deleted; {1} stacks detached.', name, detachedCount)
      );
    },
  });
}

/**
 * Says what the delete would do, as the server says it (R11: the stacks it detaches, the hooks that
 * point at the integration), and removes those hooks first when asked. True: go on and delete.
 */
async function confirmDelete(ctx: CommandContext, id: string, name: string, preview: z.output<typeof Protocol.IntegrationsDeletePreview.result>): Promise<boolean> {
  const using = preview.detachedStacks;
  const { repositories } = preview;
  const detail =
    using.length === 0
      ? vscode.l10n.t('No stack uses it.')
      : vscode.l10n.t(
          'These stacks will be detached: {0}. A detached stack receives no webhooks and cannot run until it is reattached. Recreating an integration with the same name brings the same webhook URL back.',
          using.map((stack) => stack.name).join(', '),
        );
  const deleteOnly = vscode.l10n.t('Delete');
  const deleteWithHooks = vscode.l10n.t('Remove webhooks and delete');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Delete the integration "{0}"?', name),
    { modal: true, detail },
    ...(repositories.length > 0 ? [deleteWithHooks, deleteOnly] : [deleteOnly]),
  );
  if (choice !== deleteOnly && choice !== deleteWithHooks) return false;
  if (choice === deleteOnly) return true;
  const removed = await send(ctx, protocol().WebhooksRemove, { integrationId: id, repositories }, { title: vscode.l10n.t('Removing the webhooks of "{0}"…', name), cancellable: true });
  for (const entry of removed) ctx.output.info(`webhook of ${name} on ${entry.repository}: ${entry.action}${entry.error ? ` (${entry.error})` : ''}`);
  const failed = removed.filter((entry) => entry.action === 'failed');
  if (failed.length === 0) return true;
  const keepGoing = vscode.l10n.t('Delete anyway');
  const answer = await vscode.window.showWarningMessage(
    failed.length === 1 ? vscode.l10n.t('1 webhook could not be removed: {0}', failureList(failed)) : vscode.l10n.t('{0} webhooks could not be removed: {1}', failed.length, failureList(failed)),
    { modal: true },
    keepGoing,
  );
  return answer === keepGoing;
}

export function test(ctx: CommandContext, arg?: unknown): Promise<Protocol.CredentialTest | undefined> {
  return requestCommand(ctx, {
    ...aboutIntegration(ctx.server, arg, vscode.l10n.t('Which integration do you want to test?')),
    request: protocol().IntegrationsTest,
    params: (id) => ({ id }),
    progress: { title: vscode.l10n.t('Testing the connection to Bitbucket…'), cancellable: true },
    onAnswer: async (result, id) => {
      if (result.ok) {
        const workspaces = (result.workspaces ?? []).map((workspace) => workspace.slug).join(', ') || vscode.l10n.t('none');
        void vscode.window.showInformationMessage(vscode.l10n.t('Connected to Bitbucket as {0}. Workspaces: {1}.', result.user?.displayName ?? '?', workspaces));
        return result;
      }
      ctx.output.warn(`Connection test of ${id} failed: ${result.problem?.message ?? ''}\n${result.curl}`);
      const actions = result.problem?.needsNewCredential ? [vscode.l10n.t('Replace Token')] : [];
      const copyCurl = vscode.l10n.t('Copy curl');
      const choice = await vscode.window.showErrorMessage(
        result.problem?.message ?? vscode.l10n.t('The connection test failed.'),
        { modal: true, detail: vscode.l10n.t('To reproduce (token masked):\n{0}', result.curl) },
        ...actions,
        copyCurl,
      );
      if (choice === copyCurl) await vscode.env.clipboard.writeText(result.curl);
      else if (choice && actions.includes(choice)) await vscode.commands.executeCommand(Command.ReplaceToken, id);
      return result;
    },
  });
}

const failureList = (failed: readonly { repository: string; error?: string | undefined }[]) => failed.map((entry) => `${entry.repository}: ${entry.error ?? ''}`).join('; ');

export function copyWebhookUrl(ctx: CommandContext, arg?: unknown): Promise<void> {
  return withDetails(ctx, arg, vscode.l10n.t('Copy the webhook URL of which integration?'), async (details) => {
    await vscode.env.clipboard.writeText(details.webhookUrl);
    vscode.window.setStatusBarMessage(vscode.l10n.t('Copied {0}', details.webhookUrl), 4_000);
    await warnIfUnreachable(await publicUrlProblem(ctx.server));
  });
}

/** What a person pastes into Bitbucket's "Add webhook" form: the URL, the secret and the events to tick. */
export function copyWebhookSettings(ctx: CommandContext, arg?: unknown): Promise<void> {
  return requestCommand(ctx, {
    ...aboutIntegration(ctx.server, arg, vscode.l10n.t('Copy the webhook settings of which integration?')),
    request: protocol().WebhooksSettings,
    params: (integrationId) => ({ integrationId }),
    onAnswer: async (settings) => {
      if (settings.secret !== null) registerSecret(settings.secret);
      const lines = [
        `${vscode.l10n.t('URL')}: ${settings.url}`,
        ...(settings.secret !== null ? [`${vscode.l10n.t('Secret')}: ${settings.secret}`] : []),
        `${vscode.l10n.t('Triggers')}: ${settings.events.join(', ')}`,
      ];
      await vscode.env.clipboard.writeText(lines.join('\n'));
      vscode.window.setStatusBarMessage(vscode.l10n.t('Webhook settings copied: the URL, the secret and the {0} events to tick in Bitbucket.', settings.events.length), 6_000);
      await warnIfUnreachable(settings.urlProblem);
    },
  });
}

export function copyWebhookSecret(ctx: CommandContext, arg?: unknown): Promise<void> {
  return requestCommand(ctx, {
    ...aboutIntegration(ctx.server, arg, vscode.l10n.t('Copy the webhook secret of which integration?')),
    request: protocol().IntegrationsWebhookSecret,
    params: (id) => ({ id }),
    onAnswer: async ({ secret }) => {
      registerSecret(secret);
      await vscode.env.clipboard.writeText(secret);
      vscode.window.setStatusBarMessage(vscode.l10n.t('Webhook secret copied: paste it into the Secret field of the webhook in Bitbucket.'), 6_000);
    },
  });
}

const nameOf = async (ctx: CommandContext, id: string) => (await ctx.server.request(protocol().IntegrationsList, {})).find((integration) => integration.id === id)?.name ?? id;

export function regenerateWebhookSecret(ctx: CommandContext, arg?: unknown): Promise<void> {
  return requestCommand(ctx, {
    ...aboutIntegration(ctx.server, arg, vscode.l10n.t('Regenerate the webhook secret of which integration?')),
    request: protocol().IntegrationsWebhookSecret,
    params: async (id) => {
      const regenerate = vscode.l10n.t('Regenerate');
      const shownName = await nameOf(ctx, id).catch(() => id);
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t('Regenerate the webhook secret of "{0}"?', shownName),
        {
          modal: true,
          detail: vscode.l10n.t('Deliveries signed with the old secret will be refused until the webhooks in Bitbucket carry the new one. Configure webhooks afterwards to update them.'),
        },
        regenerate,
      );
      return choice === regenerate ? { id, regenerate: true } : undefined;
    },
    onAnswer: async ({ secret, outdatedRepositories = [] }, id) => {
      registerSecret(secret);
      const name = await nameOf(ctx, id);
      if (outdatedRepositories.length === 0) {
        const configure = vscode.l10n.t('Configure webhooks');
        const answer = await vscode.window.showInformationMessage(vscode.l10n.t('The webhook secret of "{0}" was regenerated.', name), configure);
        if (answer === configure) await vscode.commands.executeCommand(Command.ConfigureWebhooks, id);
        return;
      }
      // The server knows which hooks it gave the old secret: offer to send them the new one now.
      const update = vscode.l10n.t('Update webhooks now');
      const message =
        outdatedRepositories.length === 1
          ? vscode.l10n.t('The webhook secret of "{0}" was regenerated. The webhook of {1} still carries the old one, so its deliveries are refused until it is updated.', name, outdatedRepositories[0] ?? '')
          : vscode.l10n.t(
              'The webhook secret of "{0}" was regenerated. {1} webhooks still carry the old one, so their deliveries are refused until they are updated.',
              name,
              outdatedRepositories.length,
            );
      const answer = await vscode.window.showWarningMessage(message, update);
      if (answer === update) await configureRepositories(ctx, id, outdatedRepositories);
    },
  });
}
