// The editor's side of drift (R26, R29), with the stub vscode and a fake server: the drift badge with
// the check's age in the Stacks tree, the drifted resources under it opening before and after as the
// server masked them, Check Drift, a notification only when a stack becomes drifted (Open, Reconcile),
// and the drifted count in the status bar and the status panel.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answers, recorded, resetStub } from '../../support/vscodeStub';
import { Command } from '../../../extension/commandIds';
import { DriftNotifier } from '../../../extension/state/driftNotifier';
import { DriftDocuments, driftUri } from '../../../extension/surfaces/driftDiff';
import { panelState } from '../../../extension/surfaces/panel';
import { StatusBar } from '../../../extension/surfaces/statusBar';
import { ageOf, driftBadge } from '../../../extension/views/driftItems';
import { StacksTree, type StacksNode } from '../../../extension/views/stacksTree';
import type { OverviewState } from '../../../extension/state/overview';
import type * as Protocol from '../../../server/protocol';
import { answerInputBox, answerQuickPick, commandContext } from './harness';
import { FakeServer, stack } from './fakeServer';

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const drifted = (runId: string, extra: Partial<Protocol.StackDrift> = {}): Protocol.StackDrift => ({ state: 'drifted', resources: 1, checkedAt: minutesAgo(5), runId, newlyDrifted: true, ...extra });
const RESULT: Protocol.DriftResult = {
  state: 'drifted',
  count: 1,
  newlyDrifted: true,
  truncated: false,
  resources: [{ address: 'aws_security_group.web', action: 'update', before: { ingress: '10.0.0.0/8', password: '(sensitive)' }, after: { ingress: '0.0.0.0/0', password: '(sensitive)' }, truncated: false }],
};

describe('extension: drift (R26, R29)', () => {
  beforeEach(() => resetStub());

  it('R29: a stack shows its drift badge with the check\'s age; in sync and unknown say so; a stack never checked shows none', () => {
    assert.equal(driftBadge(drifted('d1', { resources: 3 })), 'drifted 3 · 5 min ago');
    assert.equal(driftBadge({ state: 'in-sync', resources: 0, checkedAt: minutesAgo(180), runId: 'd2' }), 'in sync · 3 h ago');
    assert.equal(driftBadge({ state: 'unknown', resources: 0, checkedAt: minutesAgo(0), runId: 'd3', reason: 'init failed' }), 'drift unknown · just now');
    assert.equal(driftBadge(null), null);
    assert.equal(ageOf(minutesAgo(60 * 72)), '3 d ago');
  });

  it('R26: the Stacks tree lists the drifted resources under a Drift row; one opens its before and after as the server masked them', async () => {
    const server = new FakeServer({
      'stackhook/stacks/list': () => [stack('infra', { drift: drifted('drift-1') })],
      'stackhook/integrations/list': () => [],
      'stackhook/stacks/variables/list': () => [],
      'stackhook/runs/list': () => [],
      'stackhook/runs/drift': ({ runId }) => (runId === 'drift-1' ? RESULT : null),
    });
    commandContext(server);
    const tree = new StacksTree(server);
    const [group] = await tree.getChildren();
    const [infra] = await tree.getChildren(group as StacksNode);
    assert.match(String((infra as vscode.TreeItem).description), /^drifted 1 · 5 min ago · /);
    const [driftRow] = await tree.getChildren(infra as StacksNode);
    assert.equal((driftRow as vscode.TreeItem).contextValue, 'drift.drifted');
    assert.equal((driftRow as vscode.TreeItem).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const [resource] = (await tree.getChildren(driftRow as StacksNode)) as vscode.TreeItem[];
    assert.equal(resource?.label, 'aws_security_group.web');
    assert.deepEqual(resource?.command?.arguments, ['drift-1', 'aws_security_group.web']);
    await vscode.commands.executeCommand(Command.OpenDriftedResource, 'drift-1', 'aws_security_group.web');
    const diff = recorded.executed.find((call) => call.command === 'vscode.diff');
    assert.ok(diff, 'the diff opened');
    const documents = new DriftDocuments(server);
    const [before, after] = [await documents.provideTextDocumentContent(diff.args[0] as vscode.Uri), await documents.provideTextDocumentContent(diff.args[1] as vscode.Uri)];
    assert.match(before, /"ingress": "10\.0\.0\.0\/8"/);
    assert.match(after, /"ingress": "0\.0\.0\.0\/0"/);
    assert.match(after, /"password": "\(sensitive\)"/);
    assert.equal(await documents.provideTextDocumentContent(driftUri('drift-1', 'aws_instance.gone', 'after')), '// The drift check drift-1 holds no drifted resource aws_instance.gone.\n');
  });

  it('R26: Check Drift asks the server for a drift check of the stack and offers its log', async () => {
    const server = new FakeServer({
      'stackhook/stacks/checkDrift': ({ stackId }) => ({ id: 'drift-9', stackId, kind: 'drift', trigger: 'manual', branch: 'main', commit: null, deliveryId: null, createdAt: minutesAgo(0), pullRequestId: null, state: 'queued', startedAt: null, endedAt: null, summary: null, externalUrl: null, runner: null, reports: { status: 'pending', comment: 'pending' }, plan: null }),
    });
    commandContext(server);
    answers.push((_message, items) => items[0]);
    await vscode.commands.executeCommand(Command.CheckDrift, 'infra');
    assert.deepEqual(server.sent('stackhook/stacks/checkDrift'), [{ stackId: 'infra' }]);
    assert.match(recorded.messages[0]?.message ?? '', /Drift check queued: a refresh-only plan of main, never applied/);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(recorded.executed.some((call) => call.command === Command.OpenRunLog && call.args[0] === 'drift-9'));
  });

  it('R26: Drift Schedule… sends the cron, its time zone and reconcile in one stacks/update; an empty cron turns checks off', async () => {
    const server = new FakeServer({
      'stackhook/stacks/list': () => [stack('infra')],
      'stackhook/stacks/update': ({ stackId, driftSchedule, reconcile }) => stack(stackId, { driftSchedule, reconcile }),
    });
    commandContext(server);
    answerInputBox('30 6 * * 1-5', 'Europe/Stockholm');
    answerQuickPick((items) => (items as { value: string }[]).find((item) => item.value === 'propose'));
    await vscode.commands.executeCommand(Command.SetDriftSchedule, 'infra');
    answerInputBox('');
    answerQuickPick((items) => (items as { value: string }[]).find((item) => item.value === 'off'));
    await vscode.commands.executeCommand(Command.SetDriftSchedule, 'infra');
    assert.deepEqual(server.sent('stackhook/stacks/update'), [
      { stackId: 'infra', driftSchedule: { cron: '30 6 * * 1-5', timeZone: 'Europe/Stockholm' }, reconcile: 'propose' },
      { stackId: 'infra', driftSchedule: null, reconcile: 'off' },
    ]);
    assert.match(recorded.messages[0]?.message ?? '', /"infra" is checked for drift at "30 6 \* \* 1-5" \(Europe\/Stockholm\)/);
    assert.match(recorded.messages[1]?.message ?? '', /only when asked/);
  });

  it('R29: a stack that becomes drifted is told once, with Open and Reconcile; the same drift found again, or drift known at start, is not', async () => {
    const notifier = new DriftNotifier();
    const infra = (drift: Protocol.StackDrift | null) => stack('infra', { drift }) as unknown as Protocol.Stack;
    notifier.look([infra(drifted('d0'))]);
    assert.equal(recorded.messages.length, 0, 'drift known when the window opened is not announced');
    answers.push((_message, items) => items.find((item) => item === 'Reconcile'));
    notifier.look([infra(drifted('d1', { resources: 2 }))]);
    assert.equal(recorded.messages.length, 1);
    assert.equal(recorded.messages[0]?.message, '"infra" has drifted: 2 resources changed outside OpenTofu/Terraform.');
    assert.deepEqual(recorded.messages[0]?.items, ['Open', 'Reconcile']);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(recorded.executed.some((call) => call.command === Command.TriggerRun && call.args[0] === 'infra'), 'Reconcile queues a tracked run (it waits for Confirm)');
    notifier.look([infra(drifted('d1', { resources: 2 }))]);
    notifier.look([infra(drifted('d2', { resources: 2, newlyDrifted: false }))]);
    notifier.look([infra({ state: 'in-sync', resources: 0, checkedAt: minutesAgo(0), runId: 'd3' })]);
    assert.equal(recorded.messages.length, 1, 'the same drift, a second look and an in-sync check say nothing');
  });

  it('R29: the status bar and the status panel count drifted stacks', () => {
    const bar = new StatusBar();
    bar.update({ server: 'running', detached: 0, brokenWebhooks: 0, drifted: 2 });
    const item = recorded.statusBarItems[0];
    assert.match(item?.text ?? '', /2 drifted/);
    const state = { status: undefined, integrations: [], stacks: [stack('infra', { drift: drifted('d1') }), stack('edge', { drift: { state: 'in-sync', resources: 0, checkedAt: minutesAgo(1), runId: 'd4' } })], deliveries: [], expected: [], webhooks: [] } as unknown as OverviewState;
    assert.deepEqual(panelState(state).drifted, [{ name: 'infra', line: 'drifted 1 · 5 min ago', runId: 'd1' }]);
  });
});
