// Stack commands: create, edit, delete, reattach (one, or all detached from a recreated name), trigger a run.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import { Command } from '../commandIds';
import { isCancellation, serverError, showServerError, type ServerError } from '../connection/errors';
import { runSteps } from './quickInput';
import type { CommandContext } from './context';
import { requestCommand, send, showingErrors } from './request';
import { aboutStack, integrationIdOf, offerCreateIntegration, pickIntegration, repositoryOf, stackArg } from './pick';
import { onDemand } from '../onDemandLoader';
import { branchStep, integrationStep, nameStep, projectRootStep, repositoryStep, spaceStep, stepOfField, type StackDraft, type StackFlow, type StackFlowStepName, type StackStepName } from './stackInput';

/**
 * Refusals a person fixes by changing what they typed, and the step that holds it: the one asking for
 * the field the server names; without one, a Bitbucket failure is the repository's (R10: what a stack
 * asks of Bitbucket is its repository) and another refusal starts over. Other errors (NotFound,
 * Detached, Unavailable) are not fixed by editing.
 */
function stepToFix(error: ServerError): StackFlowStepName | undefined {
  if (error.kind !== 'Invalid' && error.kind !== 'Conflict' && error.kind !== 'Forbidden' && error.kind !== 'Bitbucket') return undefined;
  const named = error.field === undefined ? undefined : stepOfField(error.field, error.issuePath);
  return named ?? (error.kind === 'Bitbucket' ? 'repository' : 'integration');
}

/** Shows a refusal with Edit; resolves to the step to reopen, or undefined when the user gives up. */
async function offerEdit(error: unknown, what: string, subject: { integrationId?: string | undefined; stackId?: string | undefined }): Promise<StackFlowStepName | undefined> {
  const info = serverError(error);
  const step = stepToFix(info);
  if (!step) {
    await showServerError(error, subject);
    return undefined;
  }
  const edit = vscode.l10n.t('Edit');
  const choice = await vscode.window.showErrorMessage(info.message, { modal: true, detail: what }, edit);
  return choice === edit ? step : undefined;
}

/** After creating: what is true of the repository's webhook, checked, not assumed. */
async function announceCreated(ctx: CommandContext, stack: Protocol.Stack, integrationId: string): Promise<void> {
  const where = `${stack.repository} @ ${stack.branch}`;
  let health: Protocol.WebhookHealth | undefined;
  try {
    [health] = await ctx.health.check(integrationId, [stack.repository]);
  } catch {
    health = undefined;
  }
  if (health?.state === 'ok') {
    void vscode.window.showInformationMessage(vscode.l10n.t('Stack "{0}" created on {1}. Its repository\'s webhook is healthy: pushes start runs.', stack.name, where));
    return;
  }
  const configure = health?.state === 'drifted' ? vscode.l10n.t('Repair webhook') : vscode.l10n.t('Configure webhook');
  const message =
    health === undefined
      ? vscode.l10n.t('Stack "{0}" created on {1}. Its repository\'s webhook could not be checked; check it before relying on pushes.', stack.name, where)
      : health.state === 'drifted'
        ? vscode.l10n.t('Stack "{0}" created on {1}. Its repository\'s webhook needs repair: {2}.', stack.name, where, health.problems.join('; '))
        : vscode.l10n.t('Stack "{0}" created on {1}. Its repository has no webhook yet, so pushes will not start runs.', stack.name, where);
  const choice = await vscode.window.showInformationMessage(message, configure);
  if (choice === configure) await vscode.commands.executeCommand(Command.RepairWebhook, integrationId, stack.repository);
}

async function stackFlow(ctx: CommandContext, fixed: StackStepName[]): Promise<StackFlow> {
  const [integrations, spaces, localRunner] = await Promise.all([
    ctx.server.request(protocol().IntegrationsList, {}),
    ctx.server.request(protocol().SpacesList, {}),
    localRunnerAllowed(ctx),
  ]);
  return { server: ctx.server, prompter: ctx.prompter, integrations, spaces, fixed: new Set(fixed), localRunner };
}

/** A team server started without --local-runner refuses "On this machine": the runner step does not offer it. */
async function localRunnerAllowed(ctx: CommandContext): Promise<boolean> {
  return (await ctx.server.request(protocol().Status, {}).catch(() => undefined))?.localRunner !== false;
}

export async function create(ctx: CommandContext, arg?: unknown): Promise<Protocol.Stack | undefined> {
  const givenIntegration = integrationIdOf(arg);
  const givenRepository = repositoryOf(arg);
  return showingErrors(
    () => ({ integrationId: givenIntegration }),
    async () => {
      const flow = await stackFlow(ctx, [...(givenIntegration ? ['integration' as const] : []), ...(givenRepository ? ['repository' as const] : [])]);
      if (flow.integrations.length === 0) {
        await offerCreateIntegration(vscode.l10n.t('A stack needs an integration to reach its repository, and there is none yet.'));
        return undefined;
      }
      const draft: StackDraft = {
        integrationId: givenIntegration ?? (flow.integrations.length === 1 ? flow.integrations[0]?.id : undefined),
        repository: givenRepository,
        mainBranch: null,
        branch: '',
        projectRoot: '',
        name: '',
        spaceId: undefined,
        ...onDemand().runnerDraft(protocol()),
      };
      const integrationOf = () => flow.integrations.find((integration) => integration.id === draft.integrationId);
      const steps = [
        integrationStep(flow, vscode.l10n.t('Which integration should the stack use?')),
        repositoryStep(flow),
        branchStep(flow),
        projectRootStep(flow),
        ...onDemand().runnerSteps<StackDraft>(ctx.prompter, protocol(), { localRunner: flow.localRunner !== false }),
        nameStep(flow),
        spaceStep(flow),
      ];
      let startAt: StackFlowStepName | undefined;
      for (;;) {
        // Asked only when there are several spaces; otherwise the server places it with its integration.
        if (flow.spaces.length > 1) draft.spaceId ??= integrationOf()?.spaceId;
        if (!(await runSteps(vscode.l10n.t('Create stack'), steps, draft, startAt))) return undefined;
        const integrationId = draft.integrationId ?? '';
        try {
          const stack = await send(
            ctx,
            protocol().StacksCreate,
            {
              name: draft.name,
              ...(draft.spaceId !== undefined ? { spaceId: draft.spaceId } : {}),
              integrationId,
              repository: draft.repository ?? '',
              branch: draft.branch,
              ...(draft.projectRoot ? { projectRoot: draft.projectRoot } : {}),
              ...onDemand().runnerOf(draft),
            },
            { title: vscode.l10n.t('Creating stack "{0}"…', draft.name), cancellable: true },
          );
          // A Pipelines stack is checked at once: the custom pipeline must exist before the first run.
          // Beside the message below, not before it: a warning waits for the user to close it.
          if (stack.runner.type === 'pipelines') void vscode.commands.executeCommand(Command.CheckRunner, stack.id);
          await announceCreated(ctx, stack, integrationId);
          return stack;
        } catch (error) {
          if (isCancellation(error)) return undefined;
          // A refusal keeps everything typed: Edit reopens the step that holds the problem.
          startAt = await offerEdit(error, vscode.l10n.t('The stack was not created.'), { integrationId });
          if (!startAt) return undefined;
        }
      }
    },
  );
}

async function stackOf(ctx: CommandContext, arg: unknown, placeHolder: string): Promise<Protocol.Stack | undefined> {
  const stackId = await stackArg(ctx.server, arg, placeHolder);
  if (!stackId) return undefined;
  const stack = (await ctx.server.request(protocol().StacksList, {})).find((candidate) => candidate.id === stackId);
  if (!stack) void vscode.window.showInformationMessage(vscode.l10n.t('That stack no longer exists.'));
  return stack;
}

/** Edit stack: its integration, branch and project root (its name and space are fixed). */
export async function edit(ctx: CommandContext, arg?: unknown): Promise<Protocol.Stack | undefined> {
  return showingErrors(
    () => ({}),
    async () => {
      const stack = await stackOf(ctx, arg, vscode.l10n.t('Edit which stack?'));
      if (!stack) return undefined;
      const flow = await stackFlow(ctx, ['repository']);
      if (flow.integrations.length === 0) {
        await offerCreateIntegration(vscode.l10n.t('"{0}" needs an integration, and there is none yet.', stack.name));
        return undefined;
      }
      const lone = flow.integrations.length === 1 ? flow.integrations[0]?.id : undefined;
      const draft: StackDraft = {
        integrationId: stack.integrationId ?? lone,
        repository: stack.repository,
        mainBranch: null,
        branch: stack.branch,
        projectRoot: stack.projectRoot,
        name: stack.name,
        spaceId: stack.spaceId,
        ...onDemand().runnerDraft(protocol(), stack),
      };
      const steps = [
        integrationStep(flow, vscode.l10n.t('Integration of "{0}"', stack.name)),
        branchStep(flow),
        projectRootStep(flow),
        ...onDemand().runnerSteps<StackDraft>(ctx.prompter, protocol(), { localRunner: flow.localRunner !== false }),
      ];
      let startAt: StackFlowStepName | undefined;
      for (;;) {
        if (!(await runSteps(vscode.l10n.t('Edit stack "{0}"', stack.name), steps, draft, startAt))) return undefined;
        try {
          let updated = stack;
          if (draft.integrationId && draft.integrationId !== stack.integrationId) {
            updated = await ctx.server.request(protocol().StacksSetIntegration, { stackId: stack.id, integrationId: draft.integrationId });
          }
          const branch = draft.branch !== updated.branch ? draft.branch : undefined;
          const projectRoot = draft.projectRoot !== updated.projectRoot ? draft.projectRoot : undefined;
          const how = onDemand().runnerOf(draft);
          const runnerChanged = !onDemand().sameRunner(how.runner, updated.runner) || how.autodeploy !== updated.autodeploy;
          if (branch !== undefined || projectRoot !== undefined || runnerChanged) {
            updated = await ctx.server.request(protocol().StacksUpdate, {
              stackId: stack.id,
              ...(branch !== undefined ? { branch } : {}),
              ...(projectRoot !== undefined ? { projectRoot } : {}),
              ...(runnerChanged ? how : {}),
            });
            if (runnerChanged && updated.runner.type === 'pipelines') void vscode.commands.executeCommand(Command.CheckRunner, updated.id);
          }
          // Said where it is seen, with what the stack now is.
          const root = updated.projectRoot ? vscode.l10n.t('project root {0}', updated.projectRoot) : vscode.l10n.t('the repository\'s top');
          const runsOn = updated.runner.type === 'pipelines' ? vscode.l10n.t('Bitbucket Pipelines ({0})', updated.runner.pipeline) : vscode.l10n.t('this machine');
          void vscode.window.showInformationMessage(vscode.l10n.t('Stack "{0}" saved: it tracks {1} @ {2}, {3}, and runs on {4}.', updated.name, updated.repository, updated.branch, root, runsOn));
          return updated;
        } catch (error) {
          startAt = await offerEdit(error, vscode.l10n.t('The stack was not changed.'), { stackId: stack.id });
          if (!startAt) return undefined;
        }
      }
    },
  );
}

/** Delete stack, after a confirmation that names it. */
export async function remove(ctx: CommandContext, arg?: unknown): Promise<boolean> {
  const deleted = await requestCommand(ctx, {
    pick: () => stackOf(ctx, arg, vscode.l10n.t('Delete which stack?')),
    request: protocol().StacksDelete,
    params: async (stack) => {
      const confirm = vscode.l10n.t('Delete');
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t('Delete the stack "{0}"?', stack.name),
        {
          modal: true,
          detail: vscode.l10n.t(
            'It tracks {0} @ {1}. Pushes to it will no longer start runs. Its webhook in Bitbucket stays, since other stacks may use the repository.',
            stack.repository,
            stack.branch,
          ),
        },
        confirm,
      );
      return choice === confirm ? { stackId: stack.id } : undefined;
    },
    onAnswer: (_result, stack) => {
      void vscode.window.showInformationMessage(vscode.l10n.t('Stack "{0}" deleted. Its runs and deliveries stay in the history.', stack.name));
      return true;
    },
  });
  return deleted ?? false;
}

/** Change Runner (on a stack's menu): the runner steps of Edit Stack alone. */
export function changeRunner(ctx: CommandContext, arg?: unknown): Promise<Protocol.Stack | undefined> {
  return requestCommand(ctx, {
    pick: () => stackOf(ctx, arg, vscode.l10n.t('Change the runner of which stack?')),
    request: protocol().StacksUpdate,
    params: async (stack) => {
      const draft = onDemand().runnerDraft(protocol(), stack);
      const localRunner = await localRunnerAllowed(ctx);
      if (!(await runSteps(vscode.l10n.t('Runner of "{0}"', stack.name), onDemand().runnerSteps(ctx.prompter, protocol(), { localRunner }), draft))) return undefined;
      return { stackId: stack.id, ...onDemand().runnerOf(draft) };
    },
    onAnswer: async (updated) => {
      if (updated.runner.type === 'pipelines') await vscode.commands.executeCommand(Command.CheckRunner, updated.id);
      return updated;
    },
  });
}

export function reattach(ctx: CommandContext, arg?: unknown): Promise<Protocol.Stack | undefined> {
  let integrationName = '';
  return requestCommand(ctx, {
    ...aboutStack(ctx.server, arg, vscode.l10n.t('Which stack do you want to attach to an integration?'), (stack) => stack.state === 'detached'),
    request: protocol().StacksSetIntegration,
    params: async (stackId) => {
      const integration = await pickIntegration(ctx.server, vscode.l10n.t('Attach the stack to which integration?'), () => true);
      integrationName = integration?.name ?? '';
      return integration && { stackId, integrationId: integration.id };
    },
    onAnswer: (stack) => {
      void vscode.window.showInformationMessage(vscode.l10n.t('Stack "{0}" is attached to "{1}": pushes start its runs again.', stack.name, integrationName));
      return stack;
    },
  });
}

export function reattachAll(ctx: CommandContext, arg?: unknown): Promise<void> {
  return requestCommand(ctx, {
    pick: async () => integrationIdOf(arg) ?? (await pickIntegration(ctx.server, vscode.l10n.t('Reattach the stacks detached from the deleted integration of which name?'), () => true))?.id,
    subject: (integrationId) => ({ integrationId }),
    request: protocol().StacksReattachAll,
    params: (integrationId) => ({ integrationId }),
    onAnswer: async (result, integrationId) => {
      const name = (await ctx.server.request(protocol().IntegrationsList, {})).find((integration) => integration.id === integrationId)?.name ?? integrationId;
      const count = result.reattachedStackIds.length;
      const message = count === 1 ? vscode.l10n.t('1 stack reattached to "{0}".', name) : vscode.l10n.t('{0} stacks reattached to "{1}".', count, name);
      if (result.skipped.length === 0) {
        void vscode.window.showInformationMessage(message);
        return;
      }
      void vscode.window.showWarningMessage(
        `${message} ${vscode.l10n.t('Not reattached: {0}', result.skipped.map((entry) => `${entry.stackId} (${entry.reason})`).join('; '))}`,
      );
    },
  });
}

export function triggerRun(ctx: CommandContext, arg?: unknown): Promise<Protocol.Run | undefined> {
  return requestCommand(ctx, {
    // A Detached refusal is shown as the server wrote it, with Reattach stack as the fix.
    ...aboutStack(ctx.server, arg, vscode.l10n.t('Trigger a run of which stack?')),
    request: protocol().StacksTriggerRun,
    params: (stackId) => ({ stackId }),
    onAnswer: async (run, stackId) => {
      // The name the user gave, not the id derived from it.
      const name = (await ctx.server.request(protocol().StacksList, {}).catch(() => [])).find((stack) => stack.id === stackId)?.name ?? stackId;
      void vscode.window.showInformationMessage(vscode.l10n.t('Run queued for "{0}": a {1} run on {2}.', name, run.kind, run.branch));
      return run;
    },
  });
}
