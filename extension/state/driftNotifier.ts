// Tells people when a stack becomes drifted (R29): once per check that the server marks newly
// drifted, never for a check that found the same drift again, nor for drift already known when the
// window opened. Open shows the check's log; Reconcile queues a tracked run, which waits for Confirm.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { Command } from '../commandIds';

export class DriftNotifier {
  private seen: Set<string> | undefined;

  /** After each look at the stacks (RunWatcher.onDidLook). */
  look(stacks: readonly Protocol.Stack[]): void {
    const baseline = this.seen;
    this.seen = new Set(stacks.flatMap((stack) => (stack.drift ? [stack.drift.runId] : [])));
    if (!baseline) return;
    for (const stack of stacks) {
      const drift = stack.drift;
      if (!drift || baseline.has(drift.runId) || drift.state !== 'drifted' || drift.newlyDrifted !== true) continue;
      this.tell(stack, drift);
    }
  }

  private tell(stack: Protocol.Stack, drift: Protocol.StackDrift): void {
    const open = vscode.l10n.t('Open');
    const reconcile = vscode.l10n.t('Reconcile');
    const message =
      drift.resources === 1
        ? vscode.l10n.t('"{0}" has drifted: 1 resource changed outside OpenTofu/Terraform.', stack.name)
        : vscode.l10n.t('"{0}" has drifted: {1} resources changed outside OpenTofu/Terraform.', stack.name, drift.resources);
    void vscode.window.showWarningMessage(message, open, reconcile).then((choice) => {
      if (choice === open) void vscode.commands.executeCommand(Command.OpenRunLog, drift.runId);
      else if (choice === reconcile) void vscode.commands.executeCommand(Command.TriggerRun, stack.id);
    });
  }
}
