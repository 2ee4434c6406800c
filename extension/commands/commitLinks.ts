// The Pull Request Commit Links app (the last step of the reference setup): checked on a stack's or
// a repository's item, and after configuring webhooks for the repositories stacks use. The server
// checks it and says how to install it; the editor opens the commit page where that is done.
import * as vscode from 'vscode';
import { protocol } from '../connection/protocol';
import type { CommandContext } from './context';
import { requestCommand } from './request';
import { integrationIdOf, pickIntegration, repositoryOf } from './pick';

type CommitLinksStatus = Awaited<ReturnType<typeof checkOne>>;

function checkOne(ctx: CommandContext, integrationId: string, repository: string) {
  return ctx.server.request(protocol().RepositoriesCommitLinksStatus, { integrationId, repository });
}

const openCommit = () => vscode.l10n.t('Open a commit in Bitbucket');

async function offerInstall(status: CommitLinksStatus, message: string): Promise<void> {
  const actions = status.commitUrl ? [openCommit()] : [];
  const choice = await vscode.window.showWarningMessage(message, ...actions);
  if (choice === openCommit() && status.commitUrl) await vscode.env.openExternal(vscode.Uri.parse(status.commitUrl));
}

/** The command, on a stack or repository item (or from the palette, asking which). */
export function checkCommitLinks(ctx: CommandContext, arg?: unknown): Promise<CommitLinksStatus | undefined> {
  return requestCommand(ctx, {
    pick: async () => {
      const integrationId = integrationIdOf(arg) ?? (await pickIntegration(ctx.server, vscode.l10n.t('Check pull request links through which integration?')))?.id;
      if (!integrationId) return undefined;
      const repository =
        repositoryOf(arg) ??
        (await vscode.window.showInputBox({
          title: vscode.l10n.t('Check pull request links'),
          prompt: vscode.l10n.t('The repository, as workspace/repository'),
          ignoreFocusOut: true,
        }));
      return repository ? { integrationId, repository } : undefined;
    },
    subject: ({ integrationId }) => ({ integrationId }),
    request: protocol().RepositoriesCommitLinksStatus,
    params: (picked) => picked,
    progress: ({ repository }) => ({ title: vscode.l10n.t('Checking pull request links of {0}…', repository) }),
    onAnswer: async (status) => {
      if (status.state === 'not-installed') await offerInstall(status, status.message);
      else void vscode.window.showInformationMessage(status.message);
      return status;
    },
  });
}

/** After configuring: the repositories stacks use where the app is missing, said once. */
export async function checkCommitLinksAfterConfigure(ctx: CommandContext, integrationId: string, repositories: readonly string[]): Promise<void> {
  const missing: CommitLinksStatus[] = [];
  for (const repository of repositories) {
    try {
      const status = await checkOne(ctx, integrationId, repository);
      if (status.state === 'not-installed') missing.push(status);
    } catch (error) {
      // The webhooks are configured; a failed check is only logged, not put in the way.
      ctx.output.warn(`pull request links of ${repository} could not be checked: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const [first] = missing;
  if (!first) return;
  const names = missing.map((status) => status.repository).join(', ');
  await offerInstall(
    first,
    vscode.l10n.t(
      'Pull requests cannot be linked to commits of {0}: the Pull Request Commit Links app is not installed. Open a commit in Bitbucket and click its pull requests link to install it.',
      names,
    ),
  );
}
