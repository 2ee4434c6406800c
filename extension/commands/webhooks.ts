// Webhook commands: configure (create or repair) for picked repositories, check health, repair one,
// and open a repository or its webhook settings in Bitbucket.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import type { CommandContext } from './context';
import { requestCommand, showingErrors } from './request';
import { checkCommitLinksAfterConfigure } from './commitLinks';
import { webhookSummary } from '../views/presentation';
import { confirmReachable } from './publicUrl';
import { aboutIntegration, integrationArg, integrationIdOf, repositoryOf } from './pick';

/** Runs webhooks/configure with the server's progress and Cancel, and reports per repository. */
export async function configureRepositories(
  ctx: CommandContext,
  integrationId: string,
  repositories: readonly string[],
): Promise<Protocol.WebhookChange[] | undefined> {
  if (repositories.length === 0) return [];
  return requestCommand(ctx, {
    pick: () => integrationId,
    subject: () => ({ integrationId }),
    request: protocol().WebhooksConfigure,
    params: async () => ((await confirmReachable(ctx.server)) ? { integrationId, repositories: [...repositories] } : undefined),
    progress: { title: vscode.l10n.t('Configuring webhooks'), cancellable: true, fromServer: true },
    cancelled: vscode.l10n.t('Configuring webhooks was cancelled; repositories already done keep their webhook.'),
    onAnswer: (changes) => {
      summarise(ctx, integrationId, changes);
      return changes;
    },
  });
}

/** How many repositories a summary names before it only counts them. */
const NAMED_REPOSITORIES = 3;

/** "Webhooks: 1 updated." — only the counts that are not zero. */
export function summaryOf(parts: readonly (readonly [number, string])[]): string {
  const shown = parts.filter(([count]) => count > 0).map(([, text]) => text);
  return shown.length === 0 ? vscode.l10n.t('Webhooks: nothing to do.') : vscode.l10n.t('Webhooks: {0}.', shown.join(', '));
}

function summarise(ctx: CommandContext, integrationId: string, changes: readonly Protocol.WebhookChange[]): void {
  const count = (action: Protocol.WebhookChange['action']) => changes.filter((change) => change.action === action).length;
  for (const change of changes) ctx.output.info(`webhook for ${integrationId} on ${change.repository}: ${change.action}${change.error ? ` — ${change.error}` : ''}`);
  // A few repositories are named ("1 created (acme/network)"); many are counted, and the output lists them.
  const named = (action: Protocol.WebhookChange['action']) => {
    const repositories = changes.filter((change) => change.action === action).map((change) => change.repository);
    return repositories.length > 0 && repositories.length <= NAMED_REPOSITORIES ? ` (${repositories.join(', ')})` : '';
  };
  const summary = summaryOf([
    [count('created'), vscode.l10n.t('{0} created', count('created')) + named('created')],
    [count('updated'), vscode.l10n.t('{0} updated', count('updated')) + named('updated')],
    [count('unchanged'), vscode.l10n.t('{0} unchanged', count('unchanged'))],
    [count('failed'), vscode.l10n.t('{0} failed', count('failed')) + named('failed')],
  ]);
  const failed = changes.filter((change) => change.action === 'failed');
  if (failed.length === 0) {
    void vscode.window.showInformationMessage(summary);
    return;
  }
  const details = failed.map((change) => `${change.repository}: ${change.error ?? vscode.l10n.t('failed')}`).join('\n');
  const showOutput = vscode.l10n.t('Show output');
  void vscode.window.showWarningMessage(summary, { modal: false, detail: details }, showOutput).then((choice) => {
    if (choice === showOutput) ctx.output.show(true);
  });
}

export function configure(ctx: CommandContext, arg?: unknown): Promise<Protocol.WebhookChange[] | undefined> {
  return requestCommand(ctx, {
    ...aboutIntegration(ctx.server, arg, vscode.l10n.t('Configure webhooks for which integration?')),
    request: protocol().RepositoriesList,
    params: (integrationId) => ({ integrationId }),
    progress: { title: vscode.l10n.t('Listing repositories…'), cancellable: true },
    onAnswer: async (repositories, integrationId) => {
      const expected = await ctx.server.request(protocol().WebhooksExpected, { integrationId });
      const usedBy = new Map(expected.map((entry) => [entry.repository, entry.stacks.map((stack) => stack.name)]));
      const items = repositories.map((repository) => ({
        label: repository.fullName,
        // What is known of its hook (checked earlier in the tree or the panel), beside who uses it.
        description: [
          usedBy.has(repository.fullName) ? vscode.l10n.t('used by {0}', (usedBy.get(repository.fullName) ?? []).join(', ')) : undefined,
          ctx.health.get(integrationId, repository.fullName) ? webhookSummary(ctx.health.get(integrationId, repository.fullName)) : undefined,
        ]
          .filter(Boolean)
          .join(' · ') || undefined,
        picked: usedBy.has(repository.fullName),
        repository,
      }));
      // Used repositories first, so the preselected ones are what the user sees.
      items.sort((a, b) => Number(b.picked) - Number(a.picked) || a.label.localeCompare(b.label));
      const picked = await vscode.window.showQuickPick(items, {
        canPickMany: true,
        matchOnDescription: true,
        placeHolder: vscode.l10n.t('Repositories that should send webhooks to this integration (those used by stacks are selected)'),
      });
      if (!picked || picked.length === 0) return undefined;
      const chosen = picked.map((item) => item.repository.fullName);
      const changes = await configureRepositories(ctx, integrationId, chosen);
      // The last step of the setup: pull requests link to commits only with the app installed.
      if (changes) await checkCommitLinksAfterConfigure(ctx, integrationId, chosen.filter((fullName) => usedBy.has(fullName)));
      return changes;
    },
  });
}

/** Repair one repository's webhook (a repository item, or the status panel). */
export async function repair(ctx: CommandContext, arg?: unknown, repository?: string): Promise<void> {
  const integrationId = integrationIdOf(arg);
  const fullName = repository ?? repositoryOf(arg);
  if (!integrationId || !fullName) return;
  await configureRepositories(ctx, integrationId, [fullName]);
}

const brokenList = (broken: readonly Protocol.WebhookHealth[]) => broken.map((entry) => `${entry.repository} (${entry.state})`).join(', ');

/** Checks an item's repositories: one repository, one workspace, or those used by the integration's stacks. */
export async function check(ctx: CommandContext, arg?: unknown): Promise<Protocol.WebhookHealth[] | undefined> {
  let integrationId: string | undefined;
  return showingErrors(
    () => ({ integrationId }),
    async () => {
      integrationId = await integrationArg(ctx.server, arg, vscode.l10n.t('Check the webhooks of which integration?'));
      if (!integrationId) return undefined;
      const id = integrationId;
      const repositories = await repositoriesToCheck(ctx, id, arg);
      if (repositories.length === 0) {
        void vscode.window.showInformationMessage(vscode.l10n.t('No stack uses this integration yet, so no webhook is expected. Expand its repositories to check any of them.'));
        return [];
      }
      const health = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Checking webhooks…'), cancellable: true },
        (_progress, token) => ctx.health.check(id, repositories, token),
      );
      const broken = health.filter((entry) => entry.state !== 'ok');
      if (broken.length === 0) {
        void vscode.window.showInformationMessage(health.length === 1 ? vscode.l10n.t('The webhook is healthy.') : vscode.l10n.t('All {0} webhooks are healthy.', health.length));
        return health;
      }
      for (const entry of broken) ctx.output.info(`webhook on ${entry.repository}: ${entry.state} ${entry.problems.join('; ')}`);
      const repairAll = vscode.l10n.t('Repair');
      const choice = await vscode.window.showWarningMessage(
        health.length === 1
          ? vscode.l10n.t('The webhook needs attention: {0}', brokenList(broken))
          : broken.length === 1
          ? vscode.l10n.t('1 of {0} webhooks needs attention: {1}', health.length, brokenList(broken))
          : vscode.l10n.t('{0} of {1} webhooks need attention: {2}', broken.length, health.length, brokenList(broken)),
        repairAll,
      );
      if (choice === repairAll) {
        await configureRepositories(
          ctx,
          id,
          broken.filter((entry) => entry.repairable === true).map((entry) => entry.repository),
        );
      }
      return health;
    },
  );
}

/** The item's repository, its workspace's repositories, or else those the integration's stacks use. */
async function repositoriesToCheck(ctx: CommandContext, integrationId: string, arg: unknown): Promise<string[]> {
  const single = repositoryOf(arg);
  if (single) return [single];
  if (typeof arg === 'object' && arg !== null && 'repositories' in arg && Array.isArray(arg.repositories)) {
    return (arg.repositories as Protocol.Repository[]).map((repository) => repository.fullName);
  }
  return (await ctx.server.request(protocol().WebhooksExpected, { integrationId })).map((entry) => entry.repository);
}

export function openInBitbucket(ctx: CommandContext, arg?: unknown, page: 'repository' | 'webhooks' = 'repository'): Promise<void> {
  return requestCommand(ctx, {
    pick: () => {
      const fullName = repositoryOf(arg) ?? (typeof arg === 'string' && arg.includes('/') ? arg : undefined);
      if (!fullName) void vscode.window.showInformationMessage(vscode.l10n.t('Run this on a repository or a stack in the Stackhook views.'));
      return fullName;
    },
    // The server knows which Bitbucket it talks to; the editor never assumes bitbucket.org.
    request: protocol().RepositoriesWebLinks,
    params: (repository) => ({ repository }),
    onAnswer: async (links) => {
      await vscode.env.openExternal(vscode.Uri.parse(page === 'webhooks' ? links.webhooks : links.repository));
    },
  });
}
