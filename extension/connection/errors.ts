// Server errors arrive as data (`kind`, a message for a person, maybe a `problem` code or the `field`
// it is about), parsed with the protocol's schema. We show the message as written and offer the
// action that fixes it; the server decides what went wrong.
import * as vscode from 'vscode';
import type { CredentialProblem, ErrorKind } from '../../server/protocol';
import { Command } from '../commandIds';
import { log } from '../surfaces/log';
import { protocol } from './protocol';

export interface ServerError {
  message: string;
  kind: ErrorKind | undefined;
  problem: CredentialProblem | undefined;
  /** The server says a new credential fixes it. */
  needsNewCredential: boolean;
  /** The server says Bitbucket was not reached, so nothing was refused. */
  unreachable: boolean;
  curl: string | undefined;
  /** The field of the request the server refused, where it named one: the step a flow reopens. */
  field: string | undefined;
  /** The path of the first issue of an `Invalid` refusal (`runner.program`): which part of the field. */
  issuePath: string | undefined;
  /** Why a Conflict refused (`stale`: a plan older than the branch or than another apply). */
  reason: string | undefined;
}

/** Whatever a request failed with, as the server's error data says; data that is not the protocol's (a crash, a cut connection) has no kind. */
export function serverError(error: unknown): ServerError {
  const message = error instanceof Error ? error.message : typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
  const raw = typeof error === 'object' && error !== null && 'data' in error ? (error as { data: unknown }).data : undefined;
  const parsed = raw === undefined ? undefined : protocol().ErrorData.safeParse(raw);
  const data = parsed?.success ? parsed.data : undefined;
  const bitbucket = data?.kind === 'Bitbucket';
  return {
    message,
    kind: data?.kind,
    problem: bitbucket ? data.problem : undefined,
    needsNewCredential: bitbucket && data.needsNewCredential === true,
    unreachable: bitbucket && data.unreachable === true,
    curl: data?.curl,
    field: data?.field,
    issuePath: data?.issues?.[0]?.path,
    reason: data?.reason,
  };
}

export function isCancellation(error: unknown): boolean {
  return error instanceof vscode.CancellationError || (typeof error === 'object' && error !== null && 'code' in error && error.code === -32800);
}

export interface ErrorSubject {
  integrationId?: string | undefined;
  stackId?: string | undefined;
}

interface Fix {
  title: string;
  run: () => Thenable<unknown>;
}

function fixesFor(error: ServerError, subject: ErrorSubject): Fix[] {
  const fixes: Fix[] = [];
  if (error.needsNewCredential && subject.integrationId) {
    const id = subject.integrationId;
    // A new credential is the fix: Replace Token opens the token box at once (Edit Integration would ask which field first).
    fixes.push({ title: vscode.l10n.t('Replace Token'), run: () => vscode.commands.executeCommand(Command.ReplaceToken, id) });
  }
  if (error.kind === 'Detached' && subject.stackId) {
    const id = subject.stackId;
    fixes.push({ title: vscode.l10n.t('Reattach stack'), run: () => vscode.commands.executeCommand(Command.ReattachStack, id) });
  }
  if (error.kind === 'Conflict' && error.reason === 'stale' && subject.stackId) {
    // Nothing was applied: the plan is older than the branch or than another apply. A new run plans again.
    const id = subject.stackId;
    fixes.push({ title: vscode.l10n.t('Plan Again'), run: () => vscode.commands.executeCommand(Command.TriggerRun, id) });
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
export async function showServerError(error: unknown, subject: ErrorSubject = {}): Promise<void> {
  if (isCancellation(error)) return;
  const info = serverError(error);
  log.warn(`${info.kind ?? 'Error'}${info.problem ? `/${info.problem}` : ''}: ${info.message}`);
  const fixes = fixesFor(info, subject);
  const show = info.kind === 'Detached' || info.kind === 'Conflict' || info.kind === 'Forbidden' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
  const picked = await show(info.message, ...fixes.map((fix) => fix.title));
  await fixes.find((fix) => fix.title === picked)?.run();
}
