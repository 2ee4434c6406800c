// Stack commands: create, reattach (one, or all detached from a recreated name), trigger a run.
import * as vscode from 'vscode';
import * as Protocol from '../../server/protocol';
import { Command } from '../commandIds';
import { showServerError } from '../errors';
import type { CommandContext } from './context';
import { integrationArg, integrationIdOf, pickIntegration, stackArg } from './pick';
import { askRunner } from './runnerPrompt';

export async function create(ctx: CommandContext, arg?: unknown): Promise<Protocol.Stack | undefined> {
  const integrationId = await integrationArg(ctx.server, arg, vscode.l10n.t('Which integration should the stack use?'));
  if (!integrationId) return undefined;
  try {
    const [integrations, spaces] = await Promise.all([ctx.server.request(Protocol.IntegrationsList, {}), ctx.server.request(Protocol.SpacesList, {})]);
    const integration = integrations.find((candidate) => candidate.id === integrationId);
    const repositories = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Listing repositories…'), cancellable: true },
      (_progress, token) => ctx.server.request(Protocol.RepositoriesList, { integrationId }, { token }),
    );
    const given = typeof arg === 'object' && arg !== null && 'fullName' in arg ? String(arg.fullName) : undefined;
    const repository =
      repositories.find((candidate) => candidate.fullName === given) ??
      (
        await vscode.window.showQuickPick(
          repositories.map((candidate) => ({ label: candidate.fullName, description: candidate.mainBranch ?? '', repository: candidate })),
          { placeHolder: vscode.l10n.t('Repository of the stack'), matchOnDescription: true },
        )
      )?.repository;
    if (!repository) return undefined;
    const branch = await vscode.window.showInputBox({
      title: vscode.l10n.t('Branch the stack tracks'),
      value: repository.mainBranch ?? 'main',
      validateInput: (value) => (value.trim() === '' ? vscode.l10n.t('Enter a branch name.') : undefined),
    });
    if (branch === undefined) return undefined;
    const projectRoot = await vscode.window.showInputBox({
      title: vscode.l10n.t('Project root inside the repository (optional)'),
      placeHolder: 'envs/prod',
    });
    if (projectRoot === undefined) return undefined;
    const how = await askRunner();
    if (!how) return undefined;
    const name = await vscode.window.showInputBox({
      title: vscode.l10n.t('Name of the stack'),
      value: repository.slug,
      validateInput: (value) => (value.trim() === '' ? vscode.l10n.t('Enter a name.') : undefined),
    });
    if (name === undefined) return undefined;
    let spaceId = integration?.spaceId ?? 'root';
    if (spaces.length > 1) {
      const space = await vscode.window.showQuickPick(
        spaces.map((candidate) => ({ label: candidate.name, description: candidate.id, picked: candidate.id === spaceId, id: candidate.id })),
        { placeHolder: vscode.l10n.t('Space of the stack') },
      );
      if (!space) return undefined;
      spaceId = space.id;
    }
    const stack = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Creating stack "{0}"…', name.trim()), cancellable: true },
      (_progress, token) =>
        ctx.server.request(
          Protocol.StacksCreate,
          {
            name: name.trim(),
            spaceId,
            integrationId,
            repository: repository.fullName,
            branch: branch.trim(),
            ...(projectRoot.trim() ? { projectRoot: projectRoot.trim() } : {}),
            runner: how.runner,
            autodeploy: how.autodeploy,
          },
          { token },
        ),
    );
    // A Pipelines stack is checked at once (beside the message below): the custom pipeline must exist before the first run.
    if (stack.runner.type === 'pipelines') void vscode.commands.executeCommand(Command.CheckRunner, stack.id);
    const configure = vscode.l10n.t('Configure webhook');
    const choice = await vscode.window.showInformationMessage(
      vscode.l10n.t('Stack "{0}" created on {1} @ {2}. Its repository needs a webhook to start runs on push.', stack.name, stack.repository, stack.branch),
      configure,
    );
    if (choice === configure) await vscode.commands.executeCommand(Command.RepairWebhook, integrationId, stack.repository);
    return stack;
  } catch (error) {
    await showServerError(error, { integrationId });
    return undefined;
  }
}

/** Changes where a stack's runs execute (Edit Stack's runner part). */
export async function changeRunner(ctx: CommandContext, arg?: unknown): Promise<Protocol.Stack | undefined> {
  const stackId = await stackArg(ctx.server, arg, vscode.l10n.t('Change the runner of which stack?'));
  if (!stackId) return undefined;
  try {
    const current = (await ctx.server.request(Protocol.StacksList, {})).find((stack) => stack.id === stackId);
    const how = await askRunner(current);
    if (!how) return undefined;
    const stack = await ctx.server.request(Protocol.StacksUpdate, { stackId, runner: how.runner, autodeploy: how.autodeploy });
    if (stack.runner.type === 'pipelines') await vscode.commands.executeCommand(Command.CheckRunner, stack.id);
    return stack;
  } catch (error) {
    await showServerError(error, { stackId });
    return undefined;
  }
}

export async function reattach(ctx: CommandContext, arg?: unknown): Promise<Protocol.Stack | undefined> {
  const stackId = await stackArg(ctx.server, arg, vscode.l10n.t('Which stack do you want to attach to an integration?'), (stack) => stack.state === 'detached');
  if (!stackId) return undefined;
  try {
    const integration = await pickIntegration(ctx.server, vscode.l10n.t('Attach the stack to which integration?'), () => true);
    if (!integration) return undefined;
    const stack = await ctx.server.request(Protocol.StacksSetIntegration, { stackId, integrationId: integration.id });
    vscode.window.setStatusBarMessage(vscode.l10n.t('Stack "{0}" is attached to "{1}".', stack.name, integration.name), 5_000);
    return stack;
  } catch (error) {
    await showServerError(error, { stackId });
    return undefined;
  }
}

export async function reattachAll(ctx: CommandContext, arg?: unknown): Promise<void> {
  const integrationId =
    integrationIdOf(arg) ?? (await pickIntegration(ctx.server, vscode.l10n.t('Reattach the stacks detached from the deleted integration of which name?'), () => true))?.id;
  if (!integrationId) return;
  try {
    const result = await ctx.server.request(Protocol.StacksReattachAll, { integrationId });
    const message = vscode.l10n.t('{0} stack(s) reattached to "{1}".', result.reattachedStackIds.length, integrationId);
    if (result.skipped.length === 0) {
      void vscode.window.showInformationMessage(message);
      return;
    }
    void vscode.window.showWarningMessage(
      `${message} ${vscode.l10n.t('Not reattached: {0}', result.skipped.map((entry) => `${entry.stackId} (${entry.reason})`).join('; '))}`,
    );
  } catch (error) {
    await showServerError(error, { integrationId });
  }
}

export async function triggerRun(ctx: CommandContext, arg?: unknown): Promise<Protocol.Run | undefined> {
  const stackId = await stackArg(ctx.server, arg, vscode.l10n.t('Trigger a run of which stack?'));
  if (!stackId) return undefined;
  try {
    const run = await ctx.server.request(Protocol.StacksTriggerRun, { stackId });
    void vscode.window.showInformationMessage(vscode.l10n.t('Run queued for "{0}": a {1} run on {2}.', stackId, run.kind, run.branch));
    return run;
  } catch (error) {
    // A Detached refusal is shown as the server wrote it, with Reattach stack as the fix.
    await showServerError(error, { stackId });
    return undefined;
  }
}
