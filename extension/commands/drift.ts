// Check Drift (R20): one request, `stacks/checkDrift`, with progress and the server's refusal shown
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
