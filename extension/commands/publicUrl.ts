// The server says when Bitbucket cannot reach the webhook URL (loopback, private, plain http); the
// editor says so wherever the URL is copied or written into Bitbucket, with the setting that fixes it.
import * as vscode from 'vscode';
import { protocol } from '../connection/protocol';
import type { StackhookServer } from '../connection/serverApi';

export async function publicUrlProblem(server: StackhookServer): Promise<string | undefined> {
  try {
    return (await server.request(protocol().Status, {})).publicUrlProblem;
  } catch {
    // Without an answer there is nothing to warn about; the request that follows will say what failed.
    return undefined;
  }
}

/**
 * The setting is machine-scoped: in a remote window or in the browser (code-server) it lives on the
 * Remote tab, and the User tab would say "No Settings Found".
 */
export const openPublicUrlSetting = () =>
  vscode.commands.executeCommand(
    vscode.env.remoteName !== undefined || vscode.env.uiKind === vscode.UIKind.Web ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings',
    { query: 'stackhook.publicUrl' },
  );

/** Before hooks are written into Bitbucket: go on only when the URL is reachable or the user says so. */
export async function confirmReachable(server: StackhookServer): Promise<boolean> {
  const problem = await publicUrlProblem(server);
  if (!problem) return true;
  const setUrl = vscode.l10n.t('Set Public URL');
  const anyway = vscode.l10n.t('Configure Anyway');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Bitbucket cannot deliver to this webhook URL.'),
    { modal: true, detail: problem },
    setUrl,
    anyway,
  );
  if (choice === setUrl) await openPublicUrlSetting();
  return choice === anyway;
}

/** After the URL was copied or shown: say why Bitbucket cannot use it, without stopping anything. */
export async function warnIfUnreachable(problem: string | undefined): Promise<void> {
  if (!problem) return;
  const setUrl = vscode.l10n.t('Set Public URL');
  if ((await vscode.window.showWarningMessage(problem, setUrl)) === setUrl) await openPublicUrlSetting();
}
