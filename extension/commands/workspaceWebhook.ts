// One webhook for a whole workspace (Bitbucket's workspace-level hook): every repository of the
// workspace, those made later included, delivers to the integration, with no repository to tick.
// Run from a workspace row (or the Repositories node, which asks which workspace).
import * as vscode from 'vscode';
import { protocol } from '../connection/protocol';
import type { CommandContext } from './context';
import { integrationArg } from './pick';
import { confirmReachable } from './publicUrl';
import { requestCommand } from './request';

function workspaceOf(arg: unknown): string | undefined {
  return typeof arg === 'object' && arg !== null && 'workspace' in arg && typeof arg.workspace === 'string' ? arg.workspace : undefined;
}

async function pickWorkspace(ctx: CommandContext, integrationId: string): Promise<string | undefined> {
  const repositories = await ctx.server.request(protocol().RepositoriesList, { integrationId });
  const workspaces = [...new Set(repositories.map((repository) => repository.fullName.split('/')[0] ?? ''))].filter(Boolean).sort();
  if (workspaces.length <= 1) return workspaces[0];
  return vscode.window.showQuickPick(workspaces, { placeHolder: vscode.l10n.t('Which workspace gets one webhook for all its repositories?'), ignoreFocusOut: true });
}

export function configureWorkspaceWebhook(ctx: CommandContext, arg?: unknown): Promise<void> {
  return requestCommand(ctx, {
    pick: async () => {
      const integrationId = await integrationArg(ctx.server, arg, vscode.l10n.t('Configure a workspace webhook for which integration?'));
      if (!integrationId) return undefined;
      const workspace = workspaceOf(arg) ?? (await pickWorkspace(ctx, integrationId));
      return workspace ? { integrationId, workspace } : undefined;
    },
    subject: ({ integrationId }) => ({ integrationId }),
    request: protocol().WebhooksConfigureWorkspace,
    params: async (picked) => ((await confirmReachable(ctx.server)) ? picked : undefined),
    progress: ({ workspace }) => ({ title: vscode.l10n.t('Configuring the webhook of the workspace {0}…', workspace), cancellable: true }),
    onAnswer: (change, { workspace }) => {
      if (change.action === 'failed') {
        void vscode.window.showErrorMessage(vscode.l10n.t('The webhook of the workspace {0} was not configured: {1}', workspace, change.error ?? ''));
        return;
      }
      const done =
        change.action === 'unchanged'
          ? vscode.l10n.t('The workspace {0} already has its webhook: nothing to change.', workspace)
          : vscode.l10n.t('Webhook {0} on the workspace {1}: every repository of it, new ones too, delivers to Stackhook.', change.action, workspace);
      void vscode.window.showInformationMessage(done);
      ctx.refreshAll();
    },
  });
}
