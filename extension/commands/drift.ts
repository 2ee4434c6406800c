// Check Drift (R26): one request, `stacks/checkDrift`, with progress and the server's refusal shown
// the one way; the check's log opens once it is queued.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { Command } from '../commandIds';
import { protocol } from '../connection/protocol';
import type { CommandContext } from './context';
import { stackArg } from './pick';
import { requestCommand } from './request';

export function checkDrift(ctx: CommandContext, arg?: unknown): Promise<Protocol.Run | undefined> {
  return requestCommand(ctx, {
    pick: () => stackArg(ctx.server, arg, vscode.l10n.t('Check which stack for drift?')),
    subject: (stackId) => ({ stackId }),
    request: protocol().StacksCheckDrift,
    params: (stackId) => ({ stackId }),
    onAnswer: (run) => {
      const openLog = vscode.l10n.t('Open Log');
      void vscode.window
        .showInformationMessage(vscode.l10n.t('Drift check queued: a refresh-only plan of {0}, never applied.', run.branch), openLog)
        .then((choice) => (choice === openLog ? vscode.commands.executeCommand(Command.OpenRunLog, run.id) : undefined));
      return run;
    },
  });
}

/**
 * Drift Schedule…: the cron expression (empty turns scheduled checks off), its time zone, and what a
 * drifted check does; one `stacks/update`. The server checks the schedule and says what is wrong.
 */
export async function setDriftSchedule(ctx: CommandContext, arg?: unknown): Promise<Protocol.Stack | undefined> {
  const stackId = await stackArg(ctx.server, arg, vscode.l10n.t('Set the drift schedule of which stack?'));
  if (stackId === undefined) return undefined;
  const current = (await ctx.server.request(protocol().StacksList, {}).catch(() => [])).find((stack) => stack.id === stackId);
  const cron = await vscode.window.showInputBox({
    title: vscode.l10n.t('Drift schedule of "{0}"', current?.name ?? stackId),
    prompt: vscode.l10n.t('Five cron fields (minute hour day month weekday), e.g. "0 * * * *" for every hour; empty turns scheduled checks off.'),
    value: current?.driftSchedule?.cron ?? '0 * * * *',
    ignoreFocusOut: true,
  });
  if (cron === undefined) return undefined;
  let timeZone = current?.driftSchedule?.timeZone ?? 'UTC';
  if (cron.trim() !== '') {
    const zone = await vscode.window.showInputBox({ title: vscode.l10n.t('Time zone of the schedule'), prompt: vscode.l10n.t('UTC, or an IANA name such as Europe/Stockholm.'), value: timeZone, ignoreFocusOut: true });
    if (zone === undefined) return undefined;
    timeZone = zone.trim() || 'UTC';
  }
  const choices = [
    { label: vscode.l10n.t('Only report drift'), value: 'off' as const },
    { label: vscode.l10n.t('Propose a run that reconciles it (waits for Confirm)'), value: 'propose' as const },
  ];
  const reconcile = await vscode.window.showQuickPick(choices, { title: vscode.l10n.t('When a check finds drift'), ignoreFocusOut: true });
  if (!reconcile) return undefined;
  return requestCommand(ctx, {
    pick: () => stackId,
    subject: (id) => ({ stackId: id }),
    request: protocol().StacksUpdate,
    params: (id) => ({ stackId: id, driftSchedule: cron.trim() === '' ? null : { cron: cron.trim(), timeZone }, reconcile: reconcile.value }),
    onAnswer: (stack) => {
      void vscode.window.showInformationMessage(
        stack.driftSchedule
          ? vscode.l10n.t('"{0}" is checked for drift at "{1}" ({2}).', stack.name, stack.driftSchedule.cron, stack.driftSchedule.timeZone)
          : vscode.l10n.t('"{0}" is checked for drift only when asked.', stack.name),
      );
      return stack;
    },
  });
}
