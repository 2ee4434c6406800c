// Run commands: open a run's log, cancel, retry, confirm (saying what it will apply), discard, open
// the run's page in Bitbucket, show a planned resource's change, and check a stack's runner. Each
// takes a run item, a run id, or asks for a recent run.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import { openRunLog } from '../surfaces/runLogDocument';
import { isHeld, isLive, runLine } from '../views/runPresentation';
import { onDemand } from '../onDemandLoader';
import type { CommandContext } from './context';
import { requestCommand, showingErrors } from './request';
import { stackArg, stackNames } from './pick';

function runIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null && 'runId' in arg && typeof arg.runId === 'string') return arg.runId;
  return undefined;
}

async function runArg(ctx: CommandContext, arg: unknown, placeHolder: string, filter: (run: Protocol.Run) => boolean = () => true): Promise<string | undefined> {
  const given = runIdOf(arg);
  if (given) return given;
  const [all, names] = await Promise.all([ctx.server.request(protocol().RunsList, { limit: 50 }), stackNames(ctx.server)]);
  const runs = all.filter(filter);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('There is no run to choose from.'));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    runs.map((run) => ({ label: names.get(run.stackId) ?? run.stackId, description: runLine(run), detail: run.id, run })),
    { placeHolder, matchOnDescription: true, ignoreFocusOut: true },
  );
  return picked?.run.id;
}

export function openLog(ctx: CommandContext, arg?: unknown): Promise<void> {
  return showingErrors(
    () => ({}),
    async () => {
      const runId = await runArg(ctx, arg, vscode.l10n.t('Open the log of which run?'));
      if (runId) await openRunLog(runId, ctx.server);
    },
  );
}

/** Cancel, Confirm, Discard and Retry: one request on a run, and a word in the status bar. */
function act(ctx: CommandContext, arg: unknown, placeHolder: string, filter: (run: Protocol.Run) => boolean, request: typeof Protocol.RunsCancel, done: (name: string) => string) {
  return requestCommand(ctx, {
    pick: () => runArg(ctx, arg, placeHolder, filter),
    request,
    params: (runId) => ({ runId }),
    onAnswer: async (run) => {
      // Said where it is seen (not only a status bar word), with the name the person gave the stack.
      const name = (await stackNames(ctx.server)).get(run.stackId) ?? run.stackId;
      void vscode.window.showInformationMessage(done(name));
      return run;
    },
  });
}

export const cancel = (ctx: CommandContext, arg?: unknown) =>
  act(ctx, arg, vscode.l10n.t('Cancel which run?'), isLive, protocol().RunsCancel, (name) => vscode.l10n.t('Cancelling the run of "{0}".', name));

/**
 * Confirm asks first, in words, what it will apply: the plan's counts and the first resources it
 * destroys or replaces. A plan the server finds stale (the branch moved, or another run applied since)
 * is refused with nothing applied; the refusal says why and offers Plan Again (connection/errors.ts).
 */
export function confirm(ctx: CommandContext, arg?: unknown): Promise<Protocol.Run | undefined> {
  let stackId: string | undefined;
  return showingErrors(
    () => ({ stackId }),
    async () => {
      const runId = await runArg(ctx, arg, vscode.l10n.t('Confirm which run? Its plan will be applied.'), (run) => run.state === 'unconfirmed');
      if (!runId) return undefined;
      const run = await ctx.server.request(protocol().RunsGet, { runId });
      stackId = run.stackId;
      const name = (await stackNames(ctx.server)).get(run.stackId) ?? run.stackId;
      const rows = run.plan && run.plan.destroy + run.plan.replace > 0 ? (await ctx.server.request(protocol().RunsPlan, { runId })).resources : [];
      const apply = vscode.l10n.t('Apply');
      const detail = run.plan ? undefined : (run.summary ?? undefined);
      const choice = await vscode.window.showWarningMessage(onDemand().confirmQuestion(name, run.plan, rows), { modal: true, detail }, apply);
      if (choice !== apply) return undefined;
      const confirmed = await ctx.server.request(protocol().RunsConfirm, { runId });
      // Said where it is seen, with the name the person gave the stack.
      void vscode.window.showInformationMessage(vscode.l10n.t('Applying the plan of "{0}".', name));
      return confirmed;
    },
  );
}

/**
 * Acknowledge a plan a policy denies: says what denies it, asks why (kept with the run, shown in the
 * report and the comment), and records it; the server decides who may (an admin of the stack's space
 * who did not trigger the run) and says so when the user may not.
 */
export function acknowledge(ctx: CommandContext, arg?: unknown): Promise<Protocol.Run | undefined> {
  let stackId: string | undefined;
  return showingErrors(
    () => ({ stackId }),
    async () => {
      const runId = await runArg(ctx, arg, vscode.l10n.t('Acknowledge the denied plan of which run?'), (run) => run.state === 'unconfirmed' && isHeld(run));
      if (!runId) return undefined;
      const run = await ctx.server.request(protocol().RunsGet, { runId });
      stackId = run.stackId;
      const denies = (run.policy?.findings ?? []).filter((finding) => finding.effect === 'deny').map((finding) => finding.message);
      const reason = await vscode.window.showInputBox({
        title: vscode.l10n.t('Acknowledge the denied plan of "{0}"', run.stackId),
        prompt: denies.slice(0, 3).join(' '),
        placeHolder: vscode.l10n.t('Why this plan may be applied (kept with the run)'),
        ignoreFocusOut: true,
        validateInput: (value) => (value.trim() === '' ? vscode.l10n.t('Say why, for whoever reads the run later.') : undefined),
      });
      if (!reason) return undefined;
      const acknowledged = await ctx.server.request(protocol().RunsAcknowledge, { runId, reason: reason.trim() });
      vscode.window.setStatusBarMessage(vscode.l10n.t('The plan of "{0}" was acknowledged: it can be confirmed now.', acknowledged.stackId), 5_000);
      return acknowledged;
    },
  );
}

/** Opens a planned resource's before and after side by side (a plan row's command). */
export function openResourceChange(arg?: unknown): Promise<void> {
  return showingErrors(
    () => ({}),
    async () => {
      if (typeof arg !== 'object' || arg === null || !('runId' in arg) || !('address' in arg)) return;
      const { runId, address } = arg as { runId: unknown; address: unknown };
      if (typeof runId !== 'string' || typeof address !== 'string') return;
      await onDemand().openResourceDiff(runId, address);
    },
  );
}

export const discard = (ctx: CommandContext, arg?: unknown) =>
  act(ctx, arg, vscode.l10n.t('Discard which run? Nothing will be applied.'), (run) => run.state === 'unconfirmed', protocol().RunsDiscard, (name) =>
    vscode.l10n.t('The plan of "{0}" was discarded: nothing was applied.', name),
  );

export const retry = (ctx: CommandContext, arg?: unknown) =>
  act(ctx, arg, vscode.l10n.t('Run which run again?'), (run) => !isLive(run), protocol().RunsRetry, (name) => vscode.l10n.t('Run queued again for "{0}".', name));

export function openInBitbucket(ctx: CommandContext, arg?: unknown): Promise<void> {
  return requestCommand(ctx, {
    pick: () => runArg(ctx, arg, vscode.l10n.t('Open which run in Bitbucket?'), (run) => run.externalUrl !== null),
    request: protocol().RunsGet,
    params: (runId) => ({ runId }),
    onAnswer: async (run) => {
      if (run.externalUrl) await vscode.env.openExternal(vscode.Uri.parse(run.externalUrl));
    },
  });
}

/** Says whether the stack's runner can run, and what to add or fix when it cannot. */
export function checkRunner(ctx: CommandContext, arg?: unknown): Promise<Protocol.RunnerCheck | undefined> {
  return requestCommand(ctx, {
    pick: async () => {
      const stackId = await stackArg(ctx.server, arg, vscode.l10n.t('Check the runner of which stack?'), (stack) => stack.state === 'attached');
      return stackId === undefined ? undefined : { stackId, name: (await stackNames(ctx.server)).get(stackId) ?? stackId };
    },
    subject: ({ stackId }) => ({ stackId }),
    request: protocol().StacksCheckRunner,
    params: ({ stackId }) => ({ stackId }),
    progress: ({ name }) => ({ title: vscode.l10n.t('Checking the runner of "{0}"…', name) }),
    onAnswer: async (check, { name }) => {
      if (check.ok) {
        void vscode.window.showInformationMessage(vscode.l10n.t('The runner of "{0}" is ready.', name));
        return check;
      }
      const first = check.problems[0];
      const copy = vscode.l10n.t('Copy fix');
      const choice = await vscode.window.showWarningMessage(check.problems.map((problem) => problem.message).join(' '), { modal: false }, ...(first?.fix ? [copy] : []));
      if (choice === copy && first?.fix) await vscode.env.clipboard.writeText(first.fix.slice(first.fix.indexOf('\n') + 1));
      return check;
    },
  });
}
