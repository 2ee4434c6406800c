// The steps that ask how a stack runs: on Bitbucket Pipelines (which custom pipeline) or on this
// machine, with OpenTofu or Terraform (the program, workspace, var files and extra plan arguments:
// Stackhook runs init, plans to a file and applies that file) or with the stack's own commands
// (`custom`: plan and apply as argv), and the confirmation setting. They are steps of the same
// multi-step input as the rest of Create and Edit Stack, so Back and kept values hold. Part of
// dist/onDemand.js: the protocol's schemas (`P`) are handed in by the caller, which has them loaded.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { outcomeOf, type FlowStep, type Prompter, type Validation } from './quickInput';

type Tool = Protocol.RunnerTool;

export interface RunnerDraft {
  runnerType: Protocol.Runner['type'];
  pipeline: string;
  /** The local runner's tool; new stacks start with OpenTofu. */
  tool: Tool;
  /** OpenTofu/Terraform: the program (empty: the tool's default), workspace (empty: none selected), var files and plan arguments as typed. */
  program: string;
  workspace: string;
  varFiles: string;
  extraArgs: string;
  /** `custom`: the commands as typed; sent as argv, never to a shell. */
  plan: string;
  apply: string;
  autodeploy: boolean;
}

export type RunnerStepName = 'runner' | 'pipeline' | 'tool' | 'program' | 'workspace' | 'varFiles' | 'extraArgs' | 'plan' | 'apply' | 'autodeploy';

const DEFAULT_APPLY = ['tofu', 'apply', '-input=false', '-auto-approve', '-no-color'];

/** `tofu plan -input=false` → argv; quotes keep spaces inside one argument. No shell ever sees it. */
export function argvOf(line: string): string[] {
  const argv: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) argv.push(match[1] ?? match[2] ?? match[3] ?? '');
  return argv;
}

const shown = (argv: readonly string[]) => argv.map((arg) => (/\s/.test(arg) ? `"${arg}"` : arg)).join(' ');

const isTool = (tool: Tool): tool is Exclude<Tool, 'custom'> => tool !== 'custom';

/** The draft for a new stack (Pipelines, the default pipeline; OpenTofu if it runs here) or for the stack's current runner. */
export function runnerDraft(P: typeof Protocol, current?: Pick<Protocol.Stack, 'runner' | 'autodeploy'>): RunnerDraft {
  const runner = current?.runner;
  const local = runner?.type === 'local' ? runner : undefined;
  return {
    runnerType: runner?.type ?? 'pipelines',
    pipeline: runner?.type === 'pipelines' ? runner.pipeline : P.DEFAULT_PIPELINE,
    tool: local ? P.localToolOf(local) : 'opentofu',
    program: local?.program ?? '',
    workspace: local?.workspace ?? '',
    varFiles: shown(local?.varFiles ?? []),
    extraArgs: shown(local?.extraArgs ?? []),
    plan: shown(local?.plan ?? P.DEFAULT_PLAN_COMMAND),
    apply: shown(local ? (local.apply ?? []) : DEFAULT_APPLY),
    autodeploy: current?.autodeploy ?? false,
  };
}

/** Whether the draft's runner applies anything: a tool always does; `custom` when it has an apply command. */
const applies = (draft: RunnerDraft) => draft.runnerType === 'local' && (isTool(draft.tool) || argvOf(draft.apply).length > 0);

/** What the server is sent: only the fields the runner's tool takes, and autodeploy only where something is applied. */
export function runnerOf(draft: RunnerDraft): { runner: Protocol.Runner; autodeploy: boolean } {
  if (draft.runnerType === 'pipelines') return { runner: { type: 'pipelines', pipeline: draft.pipeline.trim() }, autodeploy: draft.autodeploy };
  if (isTool(draft.tool)) {
    const varFiles = argvOf(draft.varFiles);
    const extraArgs = argvOf(draft.extraArgs);
    const runner: Protocol.Runner = {
      type: 'local',
      tool: draft.tool,
      ...(draft.program.trim() ? { program: draft.program.trim() } : {}),
      ...(draft.workspace.trim() ? { workspace: draft.workspace.trim() } : {}),
      ...(varFiles.length > 0 ? { varFiles } : {}),
      ...(extraArgs.length > 0 ? { extraArgs } : {}),
    };
    return { runner, autodeploy: draft.autodeploy };
  }
  const apply = argvOf(draft.apply);
  return { runner: { type: 'local', tool: 'custom', plan: argvOf(draft.plan), apply: apply.length > 0 ? apply : null }, autodeploy: apply.length > 0 && draft.autodeploy };
}

/** Whether two runners run the same way: a runner stored before tools (no `tool`) is `custom`, and key order does not matter. */
export function sameRunner(a: Protocol.Runner, b: Protocol.Runner): boolean {
  const normal = (runner: Protocol.Runner) =>
    runner.type === 'pipelines'
      ? [runner.type, runner.pipeline]
      : [runner.type, runner.tool ?? 'custom', runner.program, runner.workspace, runner.varFiles, runner.extraArgs, runner.plan, runner.apply];
  return JSON.stringify(normal(a)) === JSON.stringify(normal(b));
}

/** Checks a typed value with the protocol's schema, so the server's rule is the one applied. */
function checkedBy(schema: { safeParse(value: unknown): { success: true } | { success: false; error: { issues: { message: string }[] } } }, value: unknown): Validation | undefined {
  const checked = schema.safeParse(value);
  return checked.success ? undefined : { severity: 'error', message: checked.error.issues[0]?.message ?? vscode.l10n.t('Not valid here.') };
}

const toolName = (tool: Tool) => (tool === 'terraform' ? 'Terraform' : 'OpenTofu');

export function runnerSteps<D extends RunnerDraft>(prompter: Prompter, P: typeof Protocol, options: { localRunner?: boolean } = {}): FlowStep<D, RunnerStepName>[] {
  // A team server started without --local-runner refuses local runs: not offered, and the step says why.
  const localAllowed = options.localRunner !== false;
  const local = (draft: D) => draft.runnerType === 'local';
  const tool = (draft: D) => local(draft) && isTool(draft.tool);
  return [
    {
      name: 'runner',
      run: async (draft, at) =>
        outcomeOf(
          await prompter.pick<Protocol.Runner['type']>({
            ...at,
            placeholder: localAllowed
              ? vscode.l10n.t('Where do the stack\'s runs execute?')
              : vscode.l10n.t('Where do the stack\'s runs execute? ("On this machine" is not offered: this team server was started without --local-runner.)'),
            active: localAllowed ? draft.runnerType : 'pipelines',
            items: [
              { label: vscode.l10n.t('Bitbucket Pipelines'), detail: vscode.l10n.t('Runs the repository\'s custom pipeline on the run\'s commit. For teams.'), value: 'pipelines' as const },
              ...(localAllowed
                ? [{ label: vscode.l10n.t('On this machine'), detail: vscode.l10n.t('Runs OpenTofu, Terraform or your commands here, in a checkout of the run\'s commit. No CI needed.'), value: 'local' as const }]
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
                : P.PipelineName.safeParse(value.trim()).success
                  ? undefined
                  : { severity: 'error', message: vscode.l10n.t('A pipeline name has letters, digits, ".", "_" and "-" only.') },
          }),
          (value) => (draft.pipeline = value.trim()),
        ),
    },
    {
      name: 'tool',
      applies: local,
      run: async (draft, at) =>
        outcomeOf(
          await prompter.pick<Tool>({
            ...at,
            placeholder: vscode.l10n.t('What do the stack\'s runs run?'),
            active: draft.tool,
            items: [
              { label: 'OpenTofu', detail: vscode.l10n.t('init, plan to a file, and on Confirm apply exactly that file. Shows the plan\'s resources.'), value: 'opentofu' },
              { label: 'Terraform', detail: vscode.l10n.t('The same, with terraform.'), value: 'terraform' },
              { label: vscode.l10n.t('Custom commands'), detail: vscode.l10n.t('Your own plan and apply commands, run as typed (apply plans again).'), value: 'custom' },
            ],
          }),
          (picked) => (draft.tool = picked),
        ),
    },
    {
      name: 'program',
      applies: tool,
      run: async (draft, at) =>
        outcomeOf(
          await prompter.input({
            ...at,
            value: draft.program,
            placeholder: draft.tool === 'terraform' ? 'terraform' : 'tofu',
            prompt: vscode.l10n.t('{0} program to run (empty: {1} on the PATH)', toolName(draft.tool), draft.tool === 'terraform' ? 'terraform' : 'tofu'),
            validate: (value) => (value.trim() === '' ? undefined : checkedBy(P.ProgramName, value)),
          }),
          (value) => (draft.program = value.trim()),
        ),
    },
    {
      name: 'workspace',
      applies: tool,
      run: async (draft, at) =>
        outcomeOf(
          await prompter.input({
            ...at,
            value: draft.workspace,
            placeholder: 'prod',
            prompt: vscode.l10n.t('Workspace to select, created when missing (optional)'),
            validate: (value) => (value.trim() === '' ? undefined : checkedBy(P.TerraformWorkspace, value)),
          }),
          (value) => (draft.workspace = value.trim()),
        ),
    },
    {
      name: 'varFiles',
      applies: tool,
      run: async (draft, at) =>
        outcomeOf(
          await prompter.input({
            ...at,
            value: draft.varFiles,
            placeholder: 'prod.tfvars common.tfvars',
            prompt: vscode.l10n.t('Var files, under the project root, separated by spaces (optional)'),
            validate: (value) => {
              for (const file of argvOf(value)) {
                const problem = checkedBy(P.VarFile, file);
                if (problem) return { severity: 'error', message: `${file}: ${problem.message}` };
              }
              return undefined;
            },
          }),
          (value) => (draft.varFiles = value),
        ),
    },
    {
      name: 'extraArgs',
      applies: tool,
      run: async (draft, at) =>
        outcomeOf(
          await prompter.input({ ...at, value: draft.extraArgs, placeholder: '-parallelism=20', prompt: vscode.l10n.t('Extra arguments for plan (optional)') }),
          (value) => (draft.extraArgs = value),
        ),
    },
    {
      name: 'plan',
      applies: (draft) => local(draft) && draft.tool === 'custom',
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
      applies: (draft) => local(draft) && draft.tool === 'custom',
      run: async (draft, at) =>
        outcomeOf(
          await prompter.input({ ...at, value: draft.apply, prompt: vscode.l10n.t('Apply command, after a tracked run is confirmed (empty: plan only)') }),
          (value) => (draft.apply = value),
        ),
    },
    {
      name: 'autodeploy',
      applies: (draft) => applies(draft),
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
