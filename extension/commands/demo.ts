// The demo's commands (`STACKHOOK_DEMO=1 npm start` only): make a commit on a stack's branch, open
// or update a pull request, comment on it, approve it, merge it. Each asks the simulated Bitbucket
// (whose address the server gives in `stackhook/status` only in the demo) to do what a person would
// do in Bitbucket; Bitbucket then sends its signed deliveries to the webhooks, as it would for real,
// and the rest of the loop (delivery, run, comment, build status) is Stackhook's own.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import { Command } from '../commandIds';
import type { CommandContext } from './context';
import { showingErrors } from './request';
import { stackArg, stackIdOf } from './pick';

interface DemoPullRequest {
  id: number;
  title: string;
  source: string;
  destination: string;
  state: string;
}

interface DemoRepository {
  fullName: string;
  pullRequests: DemoPullRequest[];
}

interface DemoDelivery {
  event: string;
  url: string;
  status: number;
}

/** The simulated Bitbucket's answers cross a process edge: read them field by field. */
function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function deliveriesOf(body: Record<string, unknown>): DemoDelivery[] {
  const list = Array.isArray(body.deliveries) ? body.deliveries : [];
  return list.map(asRecord).map((entry) => ({ event: String(entry.event ?? ''), url: String(entry.url ?? ''), status: Number(entry.status ?? 0) }));
}

function repositoriesOf(body: Record<string, unknown>): DemoRepository[] {
  const list = Array.isArray(body.repositories) ? body.repositories : [];
  return list.map(asRecord).map((entry) => ({
    fullName: String(entry.fullName ?? ''),
    pullRequests: (Array.isArray(entry.pullRequests) ? entry.pullRequests : []).map(asRecord).map((pull) => ({
      id: Number(pull.id ?? 0),
      title: String(pull.title ?? ''),
      source: String(pull.source ?? ''),
      destination: String(pull.destination ?? ''),
      state: String(pull.state ?? ''),
    })),
  }));
}

/** The simulated Bitbucket's address, or undefined (said) outside the demo. */
async function demoBitbucket(ctx: CommandContext): Promise<string | undefined> {
  const status = await ctx.server.request(protocol().Status, {});
  if (status.demo) return status.demo.bitbucket;
  void vscode.window.showInformationMessage(vscode.l10n.t('The demo commands work only in the demo, against its simulated Bitbucket: start it with STACKHOOK_DEMO=1 npm start.'));
  return undefined;
}

class DemoRefused extends Error {}

async function call(base: string, route: string, body?: object): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}/_demo/${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const answer = asRecord(await response.json().catch(() => ({})));
  if (!response.ok) throw new DemoRefused(vscode.l10n.t('The simulated Bitbucket refused: {0}', String(answer.error ?? response.status)));
  return answer;
}

/** Runs a demo action: its failure is said in words, not as a server error. */
async function demoAction(ctx: CommandContext, work: (base: string) => Promise<void>): Promise<void> {
  await showingErrors(
    () => ({}),
    async () => {
      const base = await demoBitbucket(ctx);
      if (!base) return;
      try {
        await work(base);
      } catch (error) {
        // fetch fails with a TypeError when nothing answers (the demo was stopped).
        if (error instanceof DemoRefused) void vscode.window.showErrorMessage(error.message);
        else if (error instanceof TypeError) void vscode.window.showErrorMessage(vscode.l10n.t('The simulated Bitbucket did not answer: {0}', error.message));
        else throw error;
      }
    },
  );
}

/** What Bitbucket did with the deliveries: which events went to how many webhooks, or that none subscribes. */
async function sayDelivered(ctx: CommandContext, done: string, deliveries: DemoDelivery[]): Promise<void> {
  if (deliveries.length === 0) {
    const configure = vscode.l10n.t('Configure Webhooks');
    const choice = await vscode.window.showWarningMessage(vscode.l10n.t('{0} No webhook subscribes to it, so Bitbucket sent nothing: configure the repository\'s webhook first.', done), configure);
    if (choice === configure) await vscode.commands.executeCommand(Command.ConfigureWebhooks);
    return;
  }
  const events = [...new Set(deliveries.map((delivery) => delivery.event))].join(', ');
  const refused = deliveries.filter((delivery) => delivery.status < 200 || delivery.status >= 300);
  const message =
    refused.length === 0
      ? vscode.l10n.t('{0} Bitbucket sent {1}.', done, events)
      : vscode.l10n.t('{0} Bitbucket sent {1}; the receiver answered {2}.', done, events, refused.map((delivery) => String(delivery.status)).join(', '));
  void vscode.window.showInformationMessage(message);
  ctx.refreshAll();
}

async function pickStack(ctx: CommandContext, arg: unknown, placeHolder: string): Promise<Protocol.Stack | undefined> {
  const stackId = stackIdOf(arg) ?? (await stackArg(ctx.server, arg, placeHolder, (stack) => stack.state === 'attached'));
  if (!stackId) return undefined;
  return (await ctx.server.request(protocol().StacksList, {})).find((stack) => stack.id === stackId);
}

/** The file a demo commit changes: in the stack's project root, so the push concerns the stack. */
function demoFile(stack: Protocol.Stack): string {
  const root = stack.projectRoot.replace(/^\.?\/?$/, '').replace(/\/+$/, '');
  return root === '' ? 'stackhook-demo.tf' : `${root}/stackhook-demo.tf`;
}

export function commit(ctx: CommandContext, arg?: unknown): Promise<void> {
  return demoAction(ctx, async (base) => {
    const stack = await pickStack(ctx, arg, vscode.l10n.t('Make a commit on the branch of which stack?'));
    if (!stack) return;
    const message = await vscode.window.showInputBox({
      title: vscode.l10n.t('Make a commit (demo)'),
      prompt: vscode.l10n.t('The commit message. The commit changes {0} on {1} @ {2}.', demoFile(stack), stack.repository, stack.branch),
      value: vscode.l10n.t('Raise the NAT gateway count'),
      ignoreFocusOut: true,
    });
    if (!message) return;
    const answer = await call(base, 'commit', { repository: stack.repository, branch: stack.branch, path: demoFile(stack), message });
    await sayDelivered(ctx, vscode.l10n.t('Committed {0} on {1} @ {2}.', String(answer.commit ?? '').slice(0, 12), stack.repository, stack.branch), deliveriesOf(answer));
  });
}

export function pullRequest(ctx: CommandContext, arg?: unknown): Promise<void> {
  return demoAction(ctx, async (base) => {
    const stack = await pickStack(ctx, arg, vscode.l10n.t('Open or update a pull request into the branch of which stack?'));
    if (!stack) return;
    const source = await vscode.window.showInputBox({
      title: vscode.l10n.t('Open or update a pull request (demo)'),
      prompt: vscode.l10n.t('The branch to merge into {0}: a new one is made with a commit; an open pull request from it gets a new commit.', stack.branch),
      value: 'feature/nat-gateways',
      validateInput: (value) => (/^[\w./-]+$/.test(value.trim()) && !value.includes('..') ? undefined : vscode.l10n.t('A branch name: letters, digits, and . _ / -')),
      ignoreFocusOut: true,
    });
    if (!source) return;
    const answer = await call(base, 'pull-request', { repository: stack.repository, source: source.trim(), destination: stack.branch, path: demoFile(stack) });
    const done =
      answer.created === true
        ? vscode.l10n.t('Opened pull request #{0} from {1} into {2}.', String(answer.id), source.trim(), stack.branch)
        : vscode.l10n.t('Pushed a commit to pull request #{0}.', String(answer.id));
    await sayDelivered(ctx, done, deliveriesOf(answer));
  });
}

/** An open pull request of the stacks' repositories: the one given, the only one, or the person's pick. */
async function pickPullRequest(ctx: CommandContext, base: string, placeHolder: string): Promise<{ repository: string; pull: DemoPullRequest } | undefined> {
  const repositories = new Set((await ctx.server.request(protocol().StacksList, {})).map((stack) => stack.repository.toLowerCase()));
  const open = repositoriesOf(await call(base, 'state'))
    .filter((repository) => repositories.has(repository.fullName.toLowerCase()))
    .flatMap((repository) => repository.pullRequests.filter((pull) => pull.state === 'OPEN').map((pull) => ({ repository: repository.fullName, pull })));
  if (open.length === 0) {
    const openOne = vscode.l10n.t('Open a Pull Request');
    const choice = await vscode.window.showInformationMessage(vscode.l10n.t('No pull request is open on a stack\'s repository.'), openOne);
    if (choice === openOne) await vscode.commands.executeCommand(Command.DemoPullRequest);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    open.map((entry) => ({ label: `#${entry.pull.id} ${entry.pull.title}`, description: `${entry.repository}: ${entry.pull.source} → ${entry.pull.destination}`, entry })),
    { placeHolder, ignoreFocusOut: true },
  );
  return picked?.entry;
}

export function comment(ctx: CommandContext): Promise<void> {
  return demoAction(ctx, async (base) => {
    const target = await pickPullRequest(ctx, base, vscode.l10n.t('Comment on which pull request?'));
    if (!target) return;
    const text = await vscode.window.showInputBox({ title: vscode.l10n.t('Comment on pull request #{0} (demo)', String(target.pull.id)), prompt: vscode.l10n.t('What the reviewer says.'), value: vscode.l10n.t('Why three NAT gateways?'), ignoreFocusOut: true });
    if (!text) return;
    const answer = await call(base, 'comment', { repository: target.repository, id: target.pull.id, text });
    await sayDelivered(ctx, vscode.l10n.t('Commented on pull request #{0}.', String(target.pull.id)), deliveriesOf(answer));
  });
}

export function approve(ctx: CommandContext): Promise<void> {
  return demoAction(ctx, async (base) => {
    const target = await pickPullRequest(ctx, base, vscode.l10n.t('Approve which pull request?'));
    if (!target) return;
    const answer = await call(base, 'approve', { repository: target.repository, id: target.pull.id });
    await sayDelivered(ctx, vscode.l10n.t('Approved pull request #{0}.', String(target.pull.id)), deliveriesOf(answer));
  });
}

export function merge(ctx: CommandContext): Promise<void> {
  return demoAction(ctx, async (base) => {
    const target = await pickPullRequest(ctx, base, vscode.l10n.t('Merge which pull request?'));
    if (!target) return;
    const answer = await call(base, 'merge', { repository: target.repository, id: target.pull.id });
    await sayDelivered(ctx, vscode.l10n.t('Merged pull request #{0} into {1}.', String(target.pull.id), target.pull.destination), deliveriesOf(answer));
  });
}
