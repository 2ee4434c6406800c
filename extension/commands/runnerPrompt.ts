// Asks how a stack runs: on Bitbucket Pipelines (which custom pipeline) or on this machine (the plan
// and apply commands, as argv), with the safety settings. Used by Create Stack and Change Runner.
import * as vscode from 'vscode';
import * as Protocol from '../../server/protocol';

export interface RunnerChoice {
  runner: Protocol.Runner;
  autodeploy: boolean;
}

const DEFAULT_APPLY = ['tofu', 'apply', '-input=false', '-auto-approve', '-no-color'];

/** `tofu plan -input=false` → argv; quotes keep spaces inside one argument. No shell ever sees it. */
export function argvOf(line: string): string[] {
  const argv: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) argv.push(match[1] ?? match[2] ?? match[3] ?? '');
  return argv;
}

const shown = (argv: readonly string[]) => argv.map((arg) => (/\s/.test(arg) ? `"${arg}"` : arg)).join(' ');

export async function askRunner(current?: Protocol.Stack): Promise<RunnerChoice | undefined> {
  const pipelines = { label: vscode.l10n.t('Bitbucket Pipelines'), detail: vscode.l10n.t('Runs the repository\'s custom pipeline on the run\'s commit. For teams.'), type: 'pipelines' as const };
  const local = { label: vscode.l10n.t('On this machine'), detail: vscode.l10n.t('Runs the plan (and apply) commands here, in a checkout of the run\'s commit. No CI needed.'), type: 'local' as const };
  const picked = await vscode.window.showQuickPick([pipelines, local], { title: vscode.l10n.t('Where do the stack\'s runs execute?'), ignoreFocusOut: true });
  if (!picked) return undefined;
  if (picked.type === 'pipelines') {
    const pipeline = await vscode.window.showInputBox({
      title: vscode.l10n.t('Custom pipeline to run (a key under pipelines.custom in bitbucket-pipelines.yml)'),
      value: current?.runner.type === 'pipelines' ? current.runner.pipeline : Protocol.DEFAULT_PIPELINE,
      ignoreFocusOut: true,
      validateInput: (value) => (Protocol.PipelineName.safeParse(value).success ? undefined : vscode.l10n.t('Letters, digits, ".", "_" and "-" only.')),
    });
    return pipeline === undefined ? undefined : { runner: { type: 'pipelines', pipeline: pipeline.trim() }, autodeploy: current?.autodeploy ?? false };
  }
  const plan = await vscode.window.showInputBox({
    title: vscode.l10n.t('Plan command (run in the project root of a checkout of the commit)'),
    value: shown(current?.runner.type === 'local' ? current.runner.plan : Protocol.DEFAULT_PLAN_COMMAND),
    ignoreFocusOut: true,
    validateInput: (value) => (argvOf(value).length === 0 ? vscode.l10n.t('Enter a command.') : undefined),
  });
  if (plan === undefined) return undefined;
  const apply = await vscode.window.showInputBox({
    title: vscode.l10n.t('Apply command, after a tracked run is confirmed (empty: plan only)'),
    value: shown(current?.runner.type === 'local' ? (current.runner.apply ?? []) : DEFAULT_APPLY),
    ignoreFocusOut: true,
  });
  if (apply === undefined) return undefined;
  const applyArgv = argvOf(apply);
  let autodeploy = false;
  if (applyArgv.length > 0) {
    const confirm = { label: vscode.l10n.t('Wait for Confirm'), autodeploy: false };
    const auto = { label: vscode.l10n.t('Apply at once (autodeploy)'), autodeploy: true };
    const choice = await vscode.window.showQuickPick([confirm, auto], { title: vscode.l10n.t('After a tracked run plans'), ignoreFocusOut: true });
    if (!choice) return undefined;
    autodeploy = choice.autodeploy;
  }
  return { runner: { type: 'local', plan: argvOf(plan), apply: applyArgv.length > 0 ? applyArgv : null }, autodeploy };
}
