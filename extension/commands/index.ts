// Registers every command. One line per command: the id and the handler that answers it.
import * as vscode from 'vscode';
import { Command } from '../commandIds';
import * as commitLinks from './commitLinks';
import type { CommandContext } from './context';
import * as deliveries from './deliveries';
import * as drift from './drift';
import { openDriftedResource } from '../surfaces/driftDiff';
import * as demo from './demo';
import * as general from './general';
import * as integrations from './integrations';
import * as runs from './runs';
import * as stacks from './stacks';
import { isCancellation, serverError, showServerError } from '../connection/errors';
import { protocol } from '../connection/protocol';
import { onDemand } from '../onDemandLoader';
import { stackArg } from './pick';
import { showingErrors } from './request';
import type { Host } from './variables';
import * as webhooks from './webhooks';
import * as workspaceWebhook from './workspaceWebhook';
import * as team from './teamServer';

export type { CommandContext } from './context';

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  // The variable commands are in dist/onDemand.js: they are handed the connection's pieces they use.
  const host = (): Host => ({ ctx, protocol: protocol(), showingErrors, serverError, showServerError, isCancellation, stackArg });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler declares the arguments its menus pass
  const handlers: Record<Command, (...args: any[]) => unknown> = {
    [Command.CreateIntegration]: () => integrations.create(ctx),
    [Command.EditIntegration]: (arg) => integrations.edit(ctx, arg),
    [Command.DeleteIntegration]: (arg) => integrations.remove(ctx, arg),
    [Command.TestConnection]: (arg) => integrations.test(ctx, arg),
    [Command.ReplaceToken]: (arg) => integrations.replaceToken(ctx, arg),
    [Command.CopyWebhookUrl]: (arg) => integrations.copyWebhookUrl(ctx, arg),
    [Command.CopyWebhookSecret]: (arg) => integrations.copyWebhookSecret(ctx, arg),
    [Command.CopyWebhookSettings]: (arg) => integrations.copyWebhookSettings(ctx, arg),
    [Command.RegenerateWebhookSecret]: (arg) => integrations.regenerateWebhookSecret(ctx, arg),
    [Command.ConfigureWebhooks]: (arg) => webhooks.configure(ctx, arg),
    [Command.CheckWebhooks]: (arg) => webhooks.check(ctx, arg),
    [Command.ConfigureWorkspaceWebhook]: (arg) => workspaceWebhook.configureWorkspaceWebhook(ctx, arg),
    [Command.RepairWebhook]: (arg, repository?: string) => webhooks.repair(ctx, arg, repository),
    // A missing hook is configured, a drifted one repaired: the same request, named for what it does.
    [Command.ConfigureWebhook]: (arg, repository?: string) => webhooks.repair(ctx, arg, repository),
    [Command.OpenInBitbucket]: (arg) => webhooks.openInBitbucket(ctx, arg, 'repository'),
    [Command.OpenWebhookSettings]: (arg) => webhooks.openInBitbucket(ctx, arg, 'webhooks'),
    [Command.CreateStack]: (arg) => stacks.create(ctx, arg),
    [Command.EditStack]: (arg) => stacks.edit(ctx, arg),
    [Command.DeleteStack]: (arg) => stacks.remove(ctx, arg),
    [Command.ReattachStack]: (arg) => stacks.reattach(ctx, arg),
    [Command.ReattachAll]: (arg) => stacks.reattachAll(ctx, arg),
    [Command.TriggerRun]: (arg) => stacks.triggerRun(ctx, arg),
    [Command.CheckCommitLinks]: (arg) => commitLinks.checkCommitLinks(ctx, arg),
    [Command.ShowDelivery]: (arg) => deliveries.showDelivery(ctx, arg),
    [Command.ShowStatusPanel]: () => general.showStatusPanel(ctx),
    [Command.Refresh]: () => general.refresh(ctx),
    [Command.ShowOutput]: () => general.showOutput(ctx),
    [Command.RestartServer]: () => general.restartServer(ctx),
    [Command.ConnectTeamServer]: () => (ctx.team ? team.connect(ctx, ctx.team) : undefined),
    [Command.DisconnectTeamServer]: () => (ctx.team ? team.disconnect(ctx, ctx.team) : undefined),
    [Command.InviteUser]: () => team.inviteUser(ctx),
    [Command.OpenRunLog]: (arg) => runs.openLog(ctx, arg),
    [Command.CancelRun]: (arg) => runs.cancel(ctx, arg),
    [Command.RetryRun]: (arg) => runs.retry(ctx, arg),
    [Command.ConfirmRun]: (arg) => runs.confirm(ctx, arg),
    [Command.AcknowledgeRun]: (arg) => runs.acknowledge(ctx, arg),
    [Command.DiscardRun]: (arg) => runs.discard(ctx, arg),
    [Command.OpenRunInBitbucket]: (arg) => runs.openInBitbucket(ctx, arg),
    [Command.CheckRunner]: (arg) => runs.checkRunner(ctx, arg),
    [Command.ChangeRunner]: (arg) => stacks.changeRunner(ctx, arg),
    [Command.OpenResourceChange]: (arg) => runs.openResourceChange(arg),
    [Command.CheckDrift]: (arg) => drift.checkDrift(ctx, arg),
    [Command.SetDriftSchedule]: (arg) => drift.setDriftSchedule(ctx, arg),
    [Command.OpenDriftedResource]: (runId, address) => openDriftedResource(runId, address),
    [Command.AddVariable]: (arg) => onDemand().variables.add(host(), arg),
    [Command.EditVariable]: (arg) => onDemand().variables.edit(host(), arg),
    [Command.DeleteVariable]: (arg) => onDemand().variables.remove(host(), arg),
    [Command.DemoCommit]: (arg) => demo.commit(ctx, arg),
    [Command.DemoPullRequest]: (arg) => demo.pullRequest(ctx, arg),
    [Command.DemoComment]: () => demo.comment(ctx),
    [Command.DemoApprove]: () => demo.approve(ctx),
    [Command.DemoMerge]: () => demo.merge(ctx),
    // Tab would move focus out of a Stackhook input (into the status panel, an editor): taking the key keeps it in the step.
    [Command.StayInInput]: () => undefined,
  };
  return Object.entries(handlers).map(([id, handler]) => vscode.commands.registerCommand(id, handler));
}
