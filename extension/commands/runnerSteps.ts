// The steps that ask how a stack runs: on Bitbucket Pipelines (which custom pipeline) or on this
// machine (the plan and apply commands, as argv), with the confirmation setting. They are steps of
// the same multi-step input as the rest of Create and Edit Stack, so Back and kept values hold.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import { outcomeOf, type FlowStep, type Prompter } from './quickInput';

export interface RunnerDraft {
  runnerType: Protocol.Runner['type'];
  pipeline: string;
  /** The commands as typed; sent as argv, never to a shell. */
  plan: string;
  apply: string;
  autodeploy: boolean;
}

export type RunnerStepName = 'runner' | 'pipeline' | 'plan' | 'apply' | 'autodeploy';

const DEFAULT_APPLY = ['tofu', 'apply', '-input=false', '-auto-approve', '-no-color'];

/** `tofu plan -input=false` → argv; quotes keep spaces inside one argument. No shell ever sees it. */
export function argvOf(line: string): string[] {
  const argv: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) argv.push(match[1] ?? match[2] ?? match[3] ?? '');
  return argv;
}

const shown = (argv: readonly string[]) => argv.map((arg) => (/\s/.test(arg) ? `"${arg}"` : arg)).join(' ');

/** The draft for a new stack (Pipelines, the default pipeline) or for the stack's current runner. */
export function runnerDraft(current?: Pick<Protocol.Stack, 'runner' | 'autodeploy'>): RunnerDraft {
  const runner = current?.runner;
  return {
    runnerType: runner?.type ?? 'pipelines',
    pipeline: runner?.type === 'pipelines' ? runner.pipeline : protocol().DEFAULT_PIPELINE,
    plan: shown(runner?.type === 'local' ? runner.plan : protocol().DEFAULT_PLAN_COMMAND),
    apply: shown(runner?.type === 'local' ? (runner.apply ?? []) : DEFAULT_APPLY),
    autodeploy: current?.autodeploy ?? false,
  };
}

/** What the server is sent: the runner as argv, and autodeploy only where an apply command exists. */
export function runnerOf(draft: RunnerDraft): { runner: Protocol.Runner; autodeploy: boolean } {
  if (draft.runnerType === 'pipelines') return { runner: { type: 'pipelines', pipeline: draft.pipeline.trim() }, autodeploy: draft.autodeploy };
  const apply = argvOf(draft.apply);
  return { runner: { type: 'local', plan: argvOf(draft.plan), apply: apply.length > 0 ? apply : null }, autodeploy: apply.length > 0 && draft.autodeploy };
}

export function runnerSteps<D extends RunnerDraft>(prompter: Prompter, options: { localRunner?: boolean } = {}): FlowStep<D, RunnerStepName>[] {
  // A team server started without --local-runner refuses local runs: not offered, and the step says why.
  const local = options.localRunner !== false;
  return [
    {
      name: 'runner',
      run: async (draft, at) =>
        outcomeOf(
          await prompter.pick<Protocol.Runner['type']>({
            ...at,
            placeholder: local
              ? vscode.l10n.t('Where do the stack\'s runs execute?')
              : vscode.l10n.t('Where do the stack\'s runs execute? ("On this machine" is not offered: this team server was started without --local-runner.)'),
            active: local ? draft.runnerType : 'pipelines',
            items: [
              { label: vscode.l10n.t('Bitbucket Pipelines'), detail: vscode.l10n.t('Runs the repository\'s custom pipeline on the run\'s commit. For teams.'), value: 'pipelines' as const },
              ...(local
                ? [{ label: vscode.l10n.t('On this machine'), detail: vscode.l10n.t('Runs the plan (and apply) commands here, in a checkout of the run\'s commit. No CI needed.'), value: 'local' as const }]
                : []),
            ],
          }),
          (type) => (draft.runnerType = type),
        ),
    },
    {
      name: 'pipeline',
      applies: (draft) => draft.runnerType === 'pipelines',
      run: async (draft, at) =>
        outcomeOf(
          await prompter.input({
            ...at,
            value: draft.pipeline,
            prompt: vscode.l10n.t('Custom pipeline to run (a key under pipelines.custom in bitbucket-pipelines.yml)'),
            validate: (value) =>
              value.trim() === ''
                ? { severity: 'error', message: vscode.l10n.t('Enter the name of a custom pipeline: a key under pipelines.custom in bitbucket-pipelines.yml, such as stackhook.') }
                : protocol().PipelineName.safeParse(value.trim()).success
                  ? undefined
                  : { severity: 'error', message: vscode.l10n.t('A pipeline name has letters, digits, ".", "_" and "-" only.') },
          }),
          (value) => (draft.pipeline = value.trim()),
        ),
    },
    {
      name: 'plan',
      applies: (draft) => draft.runnerType === 'local',
      run: async (draft, at) =>
        outcomeOf(
          await prompter.input({
            ...at,
            value: draft.plan,
            prompt: vscode.l10n.t('Plan command (run in the project root of a checkout of the commit)'),
            validate: (value) => (argvOf(value).length === 0 ? { severity: 'error', message: vscode.l10n.t('Enter a command.') } : undefined),
          }),
          (value) => (draft.plan = value),
        ),
    },
    {
      name: 'apply',
      applies: (draft) => draft.runnerType === 'local',
      run: async (draft, at) =>
        outcomeOf(
          await prompter.input({ ...at, value: draft.apply, prompt: vscode.l10n.t('Apply command, after a tracked run is confirmed (empty: plan only)') }),
          (value) => (draft.apply = value),
        ),
    },
    {
      name: 'autodeploy',
      applies: (draft) => draft.runnerType === 'local' && argvOf(draft.apply).length > 0,
      run: async (draft, at) =>
        outcomeOf(
          await prompter.pick<boolean>({
            ...at,
            placeholder: vscode.l10n.t('After a tracked run plans'),
            active: draft.autodeploy,
            items: [
              { label: vscode.l10n.t('Wait for Confirm'), value: false },
              { label: vscode.l10n.t('Apply at once (autodeploy)'), value: true },
            ],
          }),
          (autodeploy) => (draft.autodeploy = autodeploy),
        ),
    },
  ];
}
