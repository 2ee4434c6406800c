// The steps of the stack flows (create, edit) on the one multi-step input: integration (taken
// without asking when there is only one), repository, branch (Bitbucket's branches as a pick list),
// project root, name (checked by the server while it is typed) and space.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import { serverError } from '../connection/errors';
import { outcomeOf, type FlowStep, type Prompter, type Validation } from './quickInput';
import type { StackhookServer } from '../connection/serverApi';
import type { RunnerDraft, RunnerStepName } from './runnerSteps';
import { pickOrCreateSpace } from './spaceItems';

export interface StackDraft extends RunnerDraft {
  integrationId: string | undefined;
  repository: string | undefined;
  mainBranch: string | null;
  branch: string;
  projectRoot: string;
  name: string;
  spaceId: string | undefined;
}

export type StackStepName = 'integration' | 'repository' | 'branch' | 'projectRoot' | 'name' | 'space';
/** Every step of Create and Edit Stack: the stack's and the runner's. */
export type StackFlowStepName = StackStepName | RunnerStepName;

/** The step that asks for each field of stacks/create and stacks/update. */
const STEP_OF_FIELD: Readonly<Record<string, StackFlowStepName>> = {
  integrationId: 'integration',
  repository: 'repository',
  branch: 'branch',
  projectRoot: 'projectRoot',
  name: 'name',
  spaceId: 'space',
  // From the runner's first step: a later one may not apply to the runner chosen.
  runner: 'runner',
  // A refusal of one of the runner's settings (named alone, or as `runner.<setting>` in its issue's path).
  tool: 'tool',
  program: 'program',
  workspace: 'workspace',
  varFiles: 'varFiles',
  extraArgs: 'extraArgs',
  plan: 'plan',
  apply: 'apply',
  autodeploy: 'runner',
  allowForks: 'runner',
};

/**
 * The step to reopen for the field a refusal names (ErrorData.field); for `runner`, the runner's
 * setting its first issue's path names (`runner.program`), where a step asks for it.
 */
export function stepOfField(field: string, issuePath?: string): StackFlowStepName | undefined {
  const setting = field === 'runner' && issuePath?.startsWith('runner.') ? issuePath.split('.')[1] : undefined;
  return (setting !== undefined && Object.hasOwn(STEP_OF_FIELD, setting) ? STEP_OF_FIELD[setting] : undefined) ?? (Object.hasOwn(STEP_OF_FIELD, field) ? STEP_OF_FIELD[field] : undefined);
}

export interface StackFlow {
  server: StackhookServer;
  prompter: Prompter;
  integrations: readonly Protocol.IntegrationSummary[];
  spaces: Protocol.Space[];
  /** Steps already answered by what the command was run on (a repository item, a stack). */
  fixed: ReadonlySet<StackStepName>;
  /** Whether the server lets stacks run "On this machine" (a team server needs --local-runner). */
  localRunner?: boolean | undefined;
}

type StackStep = FlowStep<StackDraft, StackStepName>;

const chosen = (flow: StackFlow, name: StackStepName) => !flow.fixed.has(name);

/** Asks the server what the name would give; its problem is the error, its id the preview. */
export async function validateStackName(server: StackhookServer, value: string): Promise<Validation> {
  const problem = protocol().nameProblem(value, 'stack');
  if (problem) return { severity: 'error', message: problem };
  try {
    const preview = await server.request(protocol().StacksPreview, { name: value });
    if (preview.problem) return { severity: 'error', message: preview.problem };
    return { severity: 'info', message: vscode.l10n.t('id: {0}', preview.id) };
  } catch (error) {
    return { severity: 'error', message: serverError(error).message };
  }
}

export function integrationStep(flow: StackFlow, placeholder: string): StackStep {
  return {
    name: 'integration',
    applies: () => chosen(flow, 'integration') && flow.integrations.length > 1,
    run: async (draft, at) =>
      outcomeOf(
        await flow.prompter.pick<string>({
          ...at,
          placeholder,
          active: draft.integrationId,
          items: flow.integrations.map((integration) => ({
            label: integration.name,
            description: integration.type === 'default' ? vscode.l10n.t('default') : vscode.l10n.t('space {0}', integration.spaceId),
            value: integration.id,
          })),
        }),
        (integrationId) => {
          if (integrationId !== draft.integrationId) draft.repository = chosen(flow, 'repository') ? undefined : draft.repository;
          draft.integrationId = integrationId;
        },
      ),
  };
}

function listed<T>(title: string, ask: (token: vscode.CancellationToken) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) => ask(token));
}

export function repositoryStep(flow: StackFlow): StackStep {
  const cache = new Map<string, Protocol.Repository[]>();
  return {
    name: 'repository',
    applies: () => chosen(flow, 'repository'),
    run: async (draft, at) => {
      const integrationId = draft.integrationId ?? '';
      let repositories = cache.get(integrationId);
      if (!repositories) {
        repositories = await listed(vscode.l10n.t('Listing repositories…'), (token) => flow.server.request(protocol().RepositoriesList, { integrationId }, { token }));
        cache.set(integrationId, repositories);
      }
      const byName = new Map(repositories.map((repository) => [repository.fullName, repository]));
      return outcomeOf(
        await flow.prompter.pick<string>({
          ...at,
          placeholder: vscode.l10n.t('Repository of the stack'),
          active: draft.repository,
          items: repositories.map((repository) => ({
            label: repository.fullName,
            description: repository.mainBranch ? vscode.l10n.t('default branch: {0}', repository.mainBranch) : undefined,
            value: repository.fullName,
          })),
        }),
        (fullName) => {
          if (fullName !== draft.repository) draft.branch = '';
          draft.repository = fullName;
          draft.mainBranch = byName.get(fullName)?.mainBranch ?? null;
        },
      );
    },
  };
}

/** The repository's branches to pick from; when Bitbucket cannot list them, the name is typed (and the server checks it). */
export function branchStep(flow: StackFlow): StackStep {
  return {
    name: 'branch',
    run: async (draft, at) => {
      const integrationId = draft.integrationId;
      const repository = draft.repository ?? '';
      let branches: Protocol.Branch[] | undefined;
      if (integrationId) {
        try {
          branches = await listed(vscode.l10n.t('Listing the branches of {0}…', repository), (token) =>
            flow.server.request(protocol().RepositoriesBranches, { integrationId, repository }, { token }),
          );
        } catch {
          branches = undefined;
        }
      }
      const current = draft.branch || draft.mainBranch || '';
      if (!branches || branches.length === 0) {
        return outcomeOf(
          await flow.prompter.input({
            ...at,
            value: current,
            prompt: vscode.l10n.t('Branch the stack tracks in {0}', repository),
            validate: (value) => (value.trim() === '' ? { severity: 'error', message: vscode.l10n.t('Enter a branch name.') } : undefined),
          }),
          (value) => (draft.branch = value.trim()),
        );
      }
      const ordered = [...branches].sort((a, b) => Number(b.name === draft.mainBranch) - Number(a.name === draft.mainBranch) || a.name.localeCompare(b.name));
      return outcomeOf(
        await flow.prompter.pick<string>({
          ...at,
          placeholder: vscode.l10n.t('Branch the stack tracks in {0}', repository),
          active: branches.some((branch) => branch.name === current) ? current : draft.mainBranch ?? undefined,
          items: ordered.map((branch) => ({
            label: branch.name,
            description: branch.name === draft.mainBranch ? vscode.l10n.t('main branch') : undefined,
            detail: branch.commit.slice(0, 12),
            value: branch.name,
          })),
        }),
        (name) => (draft.branch = name),
      );
    },
  };
}

export function projectRootStep(flow: StackFlow): StackStep {
  return {
    name: 'projectRoot',
    run: async (draft, at) =>
      outcomeOf(
        await flow.prompter.input({
          ...at,
          value: draft.projectRoot,
          prompt: vscode.l10n.t('Project root inside the repository (optional)'),
          placeholder: 'envs/prod',
          // The server's own rule (it refuses the same roots): said while typing, not after the last step.
          validate: (value) => {
            const problem = protocol().projectRootProblem(value);
            return problem ? { severity: 'error', message: problem } : undefined;
          },
        }),
        (value) => (draft.projectRoot = value.trim()),
      ),
  };
}

export function nameStep(flow: StackFlow): StackStep {
  return {
    name: 'name',
    run: async (draft, at) =>
      outcomeOf(
        await flow.prompter.input({
          ...at,
          value: draft.name || (draft.repository?.split('/')[1] ?? ''),
          prompt: vscode.l10n.t('Name of the stack. The name cannot be changed later: the stack\'s id is derived from it.'),
          validate: (value) => validateStackName(flow.server, value),
        }),
        (value) => (draft.name = value.trim()),
      ),
  };
}

export function spaceStep(flow: StackFlow): StackStep {
  return {
    name: 'space',
    applies: () => flow.spaces.length > 1,
    run: async (draft, at) => {
      // R4: only the spaces the chosen integration can be used from; the pick says why others are missing.
      const integration = flow.integrations.find((candidate) => candidate.id === draft.integrationId);
      const usable = integration ? protocol().spacesUsableBy(flow.spaces, integration) : new Set(flow.spaces.map((space) => space.id));
      const offered = flow.spaces.filter((space) => usable.has(space.id));
      const hidden = flow.spaces.length - offered.length;
      const placeholder =
        hidden === 0 || !integration
          ? vscode.l10n.t('Space of the stack')
          : vscode.l10n.t(
              'Space of the stack. Only the spaces "{0}" can be used from are listed: its own space, and the spaces below it that inherit entities ({1} not listed).',
              integration.name,
              hidden,
            );
      const active = draft.spaceId !== undefined && usable.has(draft.spaceId) ? draft.spaceId : integration?.spaceId;
      const answer = await pickOrCreateSpace(flow.server, flow.prompter, at, offered, placeholder, active);
      // A space made from the pick joins the flow's list, so Back and a second pass see it.
      for (const space of offered) if (!flow.spaces.includes(space)) flow.spaces.push(space);
      return outcomeOf(answer, (spaceId) => (draft.spaceId = spaceId));
    },
  };
}
