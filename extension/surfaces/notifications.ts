// Notifications for what breaks while the user looks elsewhere: stacks that became detached (here
// or in another window), deliveries refused for a bad signature, credentials that stopped working.
// Each offers the action that fixes it. What was there when the window opened is not announced:
// the status bar already shows it.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { Command } from '../commandIds';
import type { CredentialProblem, Overview, OverviewState } from '../state/overview';
import type { DeliveryRefusal, StackhookServer } from '../connection/serverApi';

export class Notifier implements vscode.Disposable {
  private knownDetached: Set<string> | undefined;
  private readonly brokenCredentials = new Set<string>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly overview: Overview,
    server: Pick<StackhookServer, 'onDeliveryRefused'>,
  ) {
    this.subscriptions = [
      overview.onDidChange((state) => this.observe(state)),
      overview.onCredentialProblem((problem) => this.credentialFailed(problem)),
      server.onDeliveryRefused((refusal) => this.badSignature(refusal)),
    ];
  }

  observe(state: OverviewState): void {
    if (!state.status) return;
    this.detachedChanged(state.stacks, state.integrations.length > 0);
  }

  private detachedChanged(stacks: readonly Protocol.Stack[], anyIntegration: boolean): void {
    const detached = stacks.filter((stack) => stack.state === 'detached');
    const baseline = this.knownDetached;
    this.knownDetached = new Set(detached.map((stack) => stack.id));
    if (!baseline) return;
    const fresh = detached.filter((stack) => !baseline.has(stack.id));
    if (fresh.length === 0) return;
    // With no integration left, reattaching needs one first: the notice offers to create it, not a panel that says so.
    const reattach = anyIntegration ? vscode.l10n.t('Reattach') : vscode.l10n.t('Create Integration');
    const panel = vscode.l10n.t('Show status panel');
    const from = [...new Set(fresh.map((stack) => stack.detachedFrom).filter(Boolean))].join(', ');
    void vscode.window
      .showWarningMessage(
        fresh.length === 1
          ? vscode.l10n.t('The stack {1} became detached from "{0}". It receives no webhooks and cannot run until reattached.', from, fresh[0]?.name ?? '')
          : vscode.l10n.t(
              '{0} stacks became detached from "{1}": {2}. They receive no webhooks and cannot run until reattached.',
              fresh.length,
              from,
              fresh.map((stack) => stack.name).join(', '),
            ),
        reattach,
        panel,
      )
      .then((choice) => {
        if (choice === reattach && !anyIntegration) void vscode.commands.executeCommand(Command.CreateIntegration);
        else if (choice === reattach && fresh.length === 1) void vscode.commands.executeCommand(Command.ReattachStack, fresh[0]?.id);
        else if (choice === reattach || choice === panel) void vscode.commands.executeCommand(Command.ShowStatusPanel);
      });
  }

  private badSignature(refusal: DeliveryRefusal): void {
    const copy = vscode.l10n.t('Copy webhook secret');
    const configure = vscode.l10n.t('Configure webhooks');
    void vscode.window
      .showWarningMessage(
        vscode.l10n.t(
          'A webhook from {0} to "{1}" was refused: its signature does not match. The secret set on the webhook in Bitbucket is probably not this integration\'s webhook secret.',
          refusal.repository ?? '?',
          // The name the person gave the integration, not the id in the webhook's URL.
          this.overview.state.integrations.find((integration) => integration.id === refusal.integrationId)?.name ?? refusal.integrationId,
        ),
        copy,
        configure,
      )
      .then((choice) => {
        if (choice === copy) void vscode.commands.executeCommand(Command.CopyWebhookSecret, refusal.integrationId);
        else if (choice === configure) void vscode.commands.executeCommand(Command.ConfigureWebhooks, refusal.integrationId);
      });
  }

  private credentialFailed(problem: CredentialProblem): void {
    // Once per integration: a broken token would otherwise speak at every refresh.
    if (this.brokenCredentials.has(problem.integrationId)) return;
    this.brokenCredentials.add(problem.integrationId);
    const replace = vscode.l10n.t('Replace Token');
    void vscode.window
      .showWarningMessage(vscode.l10n.t('The Bitbucket credential of "{0}" stopped working: {1}', problem.integrationName, problem.message), replace)
      .then((choice) => {
        if (choice === replace) void vscode.commands.executeCommand(Command.ReplaceToken, problem.integrationId);
      });
  }

  /** After integrations change (a credential was edited), a new failure is news again. */
  forgetCredentials(): void {
    this.brokenCredentials.clear();
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
