// Server errors arrive as data (`kind`, a message for a person, maybe a `problem` code). We show the
// message as written and offer the action that fixes it; the server decides what went wrong.
import * as vscode from 'vscode';
import type { CredentialProblem, ErrorKind } from '../../server/protocol';
import { Command } from '../commandIds';
import { log } from '../surfaces/log';

export interface ServerError {
  message: string;
  kind: ErrorKind | undefined;
  problem: CredentialProblem | undefined;
  /** The server says a new credential fixes it. */
  needsNewCredential: boolean;
  /** The server says Bitbucket was not reached, so nothing was refused. */
  unreachable: boolean;
  curl: string | undefined;
}

const KINDS: readonly string[] = ['Invalid', 'NotFound', 'Conflict', 'Forbidden', 'Detached', 'Bitbucket', 'Unavailable'];

export function serverError(error: unknown): ServerError {
  const message = error instanceof Error ? error.message : typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
  const data = typeof error === 'object' && error !== null && 'data' in error ? (error as { data: unknown }).data : undefined;
  const kind = typeof data === 'object' && data !== null && 'kind' in data && KINDS.includes(String(data.kind)) ? (data.kind as ErrorKind) : undefined;
  const problem = kind === 'Bitbucket' && typeof data === 'object' && data !== null && 'problem' in data ? (data.problem as CredentialProblem) : undefined;
  const flag = (name: string) => typeof data === 'object' && data !== null && name in data && (data as Record<string, unknown>)[name] === true;
  const curl = typeof data === 'object' && data !== null && 'curl' in data && typeof data.curl === 'string' ? data.curl : undefined;
  return { message, kind, problem, needsNewCredential: kind === 'Bitbucket' && flag('needsNewCredential'), unreachable: kind === 'Bitbucket' && flag('unreachable'), curl };
}

export function isCancellation(error: unknown): boolean {
  return error instanceof vscode.CancellationError || (typeof error === 'object' && error !== null && 'code' in error && error.code === -32800);
}

interface Subject {
  integrationId?: string | undefined;
  stackId?: string | undefined;
}

interface Fix {
  title: string;
  run: () => Thenable<unknown>;
}

function fixesFor(error: ServerError, subject: Subject): Fix[] {
  const fixes: Fix[] = [];
  if (error.needsNewCredential && subject.integrationId) {
    const id = subject.integrationId;
    fixes.push({ title: vscode.l10n.t('Edit integration'), run: () => vscode.commands.executeCommand(Command.EditIntegration, id) });
  }
  if (error.kind === 'Detached' && subject.stackId) {
    const id = subject.stackId;
    fixes.push({ title: vscode.l10n.t('Reattach stack'), run: () => vscode.commands.executeCommand(Command.ReattachStack, id) });
  }
  if (error.kind === 'NotFound') {
    fixes.push({ title: vscode.l10n.t('Refresh'), run: () => vscode.commands.executeCommand(Command.Refresh) });
  }
  if (error.kind === 'Unavailable' || error.kind === undefined) {
    fixes.push({ title: vscode.l10n.t('Show output'), run: () => vscode.commands.executeCommand(Command.ShowOutput) });
    if (error.kind === undefined) fixes.push({ title: vscode.l10n.t('Restart server'), run: () => vscode.commands.executeCommand(Command.RestartServer) });
  }
  return fixes;
}

/** Shows a failed request's message with the action that fixes it. Cancellations are not errors. */
export async function showServerError(error: unknown, subject: Subject = {}): Promise<void> {
  if (isCancellation(error)) return;
  const info = serverError(error);
  log.warn(`${info.kind ?? 'Error'}${info.problem ? `/${info.problem}` : ''}: ${info.message}`);
  const fixes = fixesFor(info, subject);
  const show = info.kind === 'Detached' || info.kind === 'Conflict' || info.kind === 'Forbidden' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
  const picked = await show(info.message, ...fixes.map((fix) => fix.title));
  await fixes.find((fix) => fix.title === picked)?.run();
}
