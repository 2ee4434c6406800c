// A run's plan in the editor: the rows under a run in the Stacks view, a resource's before/after diff
// (sensitive values as the server masked them, nothing else kept), and Confirm's question and the
// stale refusal's Plan Again. The fake server checks every answer with the protocol's schemas.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answers, recorded, resetStub, workspace } from '../../support/vscodeStub';
import { Command } from '../../../extension/commandIds';
import { StacksTree } from '../../../extension/views/stacksTree';
import { planNodes, type PlanNode } from '../../../extension/views/planTree';
import { confirmQuestion } from '../../../extension/views/planWords';
import { KNOWN_AFTER_APPLY, ResourceChangeDocuments, parseResourceUri, resourceUri, withUnknown } from '../../../extension/surfaces/planDiff';
import { PlanDocuments } from '../../../extension/onDemandLoader';
import { commandContext } from './harness';
import { FakeServer, integration, rpcError, run, stack } from './fakeServer';

const counts = (extra: Record<string, unknown> = {}) => ({ add: 0, change: 0, replace: 0, destroy: 0, import: 0, move: 0, forget: 0, read: 0, drift: 0, outputs: 0, errored: false, ...extra });
const row = (address: string, action: string, extra: Record<string, unknown> = {}) => {
  const [type = '', name = ''] = address.split('.').slice(-2);
  return { address, module: '', type, name, action, importing: false, ...extra };
};

/** prod-network's plan: 2 to add, 1 to replace, 3 to destroy, a move, and drift. */
export const PROD_PLAN = {
  counts: counts({ add: 2, replace: 1, destroy: 3, move: 1, drift: 1 }),
  resources: [
    row('aws_db_instance.main', 'delete', { reason: 'delete_because_no_resource_config' }),
    row('aws_s3_bucket.logs', 'delete'),
    row('aws_iam_role.old', 'delete'),
    row('aws_instance.web', 'replace', { reason: 'replace_because_cannot_update', replacePaths: [['ami']] }),
    row('aws_vpc.main', 'create'),
    row('aws_subnet.a', 'create'),
    row('aws_security_group.web', 'move', { previousAddress: 'aws_security_group.old' }),
  ],
  drift: [{ address: 'aws_s3_bucket.assets', action: 'update' }],
  outputs: [],
  checks: [],
  diagnostics: [],
  truncated: false,
};

const labels = (nodes: readonly PlanNode[]) => nodes.map((node) => String(node.label));

describe('extension: a run\'s plan', () => {
  beforeEach(() => resetStub());

  describe('the rows under a run', () => {
    it('groups resources by action with the plan\'s counts, destroys and replaces first and open, drift apart, each with its reason', () => {
      const nodes = planNodes('r1', PROD_PLAN as never);
      assert.deepEqual(labels(nodes), ['3 to destroy', '1 to replace', '2 to add', '1 to move', 'Drift: 1 resource changed outside the tool']);
      const [destroy, replace, , move, drift] = nodes as vscode.TreeItem[] as (PlanNode & { children: PlanNode[] })[];
      assert.equal(destroy?.collapsibleState, vscode.TreeItemCollapsibleState.Expanded, 'what cannot be undone is open at once');
      assert.equal(replace?.collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
      assert.equal(nodes[2]?.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
      assert.deepEqual(labels(destroy?.children ?? []), ['aws_db_instance.main', 'aws_s3_bucket.logs', 'aws_iam_role.old']);
      assert.equal(destroy?.children[0]?.description, 'delete_because_no_resource_config');
      assert.equal(replace?.children[0]?.description, 'replace_because_cannot_update · forced by ami');
      assert.equal(move?.children[0]?.description, 'moved from aws_security_group.old');
      assert.deepEqual(labels(drift?.children ?? []), ['aws_s3_bucket.assets']);
      assert.equal(drift?.children[0]?.command, undefined, 'drift has no planned change to diff');
      assert.deepEqual(replace?.children[0]?.command?.arguments, [{ runId: 'r1', address: 'aws_instance.web' }]);
      assert.equal(replace?.children[0]?.command?.command, Command.OpenResourceChange);
    });

    it('counts stay whole when the rows were cut: the group says how many are not listed', () => {
      const plan = { ...PROD_PLAN, counts: counts({ destroy: 4000 }), resources: [row('aws_instance.a', 'delete')], drift: [], truncated: true };
      const [destroy] = planNodes('r1', plan as never) as (PlanNode & { children: PlanNode[] })[];
      assert.equal(destroy?.label, '4000 to destroy');
      assert.deepEqual(labels(destroy?.children ?? []), ['aws_instance.a', 'and 3999 more, not listed']);
    });

    it('a plan with nothing to do says so, and an errored plan shows its problems open', () => {
      const empty = { ...PROD_PLAN, counts: counts(), resources: [], drift: [] };
      assert.deepEqual(labels(planNodes('r1', empty as never)), ['No changes.']);
      const errored = { ...empty, counts: counts({ errored: true }), diagnostics: [{ severity: 'error', summary: 'Unsupported argument', file: 'main.tf', line: 12 }] };
      const [problems] = planNodes('r1', errored as never) as (PlanNode & { children: PlanNode[] })[];
      assert.equal(problems?.label, 'Problems (1)');
      assert.equal(problems?.collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
      assert.equal(problems?.children[0]?.description, 'main.tf:12');
    });

    it('the Stacks view: a run with a plan expands to it (one runs/plan request); a run without one does not expand', async () => {
      const server = new FakeServer({
        'stackhook/integrations/list': () => [integration('acme-main')],
        'stackhook/stacks/list': () => [stack('prod-network', { lastRun: run('r2', { state: 'unconfirmed', plan: PROD_PLAN.counts, runner: 'local' }) })],
        'stackhook/runs/list': () => [run('r2', { state: 'unconfirmed', plan: PROD_PLAN.counts, runner: 'local' }), run('r1')],
        'stackhook/runs/plan': () => PROD_PLAN,
      });
      const provider = new StacksTree(server);
      const [group] = (await provider.getChildren()) as never[];
      const [stackItem] = (await provider.getChildren(group)) as never[];
      const [, planned, plain] = (await provider.getChildren(stackItem)) as vscode.TreeItem[];
      assert.equal(planned?.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
      assert.equal(plain?.collapsibleState, vscode.TreeItemCollapsibleState.None);
      assert.deepEqual(server.sent('stackhook/runs/plan'), [], 'the plan is asked for only when the run is expanded');
      const groups = (await provider.getChildren(planned as never)) as vscode.TreeItem[];
      assert.deepEqual(groups.map((node) => node.label).slice(0, 2), ['3 to destroy', '1 to replace']);
      const resources = (await provider.getChildren(groups[0] as never)) as vscode.TreeItem[];
      assert.equal(resources[0]?.label, 'aws_db_instance.main');
      assert.deepEqual(server.sent('stackhook/runs/plan'), [{ runId: 'r2' }]);
    });
  });

  describe('a resource\'s before and after', () => {
    const change = {
      address: 'aws_db_instance.main',
      action: 'replace',
      before: { engine: 'postgres', password: '(sensitive)', tags: { team: 'net' } },
      after: { engine: 'postgres', password: '(sensitive)', tags: { team: 'platform' }, arn: null },
      unknown: { arn: true },
      replacePaths: [['engine_version']],
      truncated: false,
    };

    it('opens vscode.diff of two read-only documents on the extension\'s scheme, the address kept whole in the URI', async () => {
      const server = new FakeServer({});
      commandContext(server);
      await vscode.commands.executeCommand(Command.OpenResourceChange, { runId: 'r2', address: 'module.db["eu west"].aws_db_instance.main' });
      const diff = recorded.executed.find((call) => call.command === 'vscode.diff');
      assert.ok(diff, 'vscode.diff was run');
      const [before, after, title] = diff.args as [vscode.Uri, vscode.Uri, string];
      assert.equal(before.scheme, 'stackhook-plan');
      assert.deepEqual(parseResourceUri(before), { runId: 'r2', side: 'before', address: 'module.db["eu west"].aws_db_instance.main' });
      assert.deepEqual(parseResourceUri(after), { runId: 'r2', side: 'after', address: 'module.db["eu west"].aws_db_instance.main' });
      assert.match(title, /module\.db\["eu west"\]\.aws_db_instance\.main/);
    });

    it('shows the values as the server masked them, with what is known only after apply, from one request for both sides', async () => {
      const server = new FakeServer({ 'stackhook/runs/resourceChange': () => change });
      const documents = new PlanDocuments(server);
      const before = await documents.provideTextDocumentContent(resourceUri('r2', change.address, 'before'));
      const after = await documents.provideTextDocumentContent(resourceUri('r2', change.address, 'after'));
      assert.match(before, /"password": "\(sensitive\)"/);
      assert.match(before, /"team": "net"/);
      assert.match(after, /"team": "platform"/);
      assert.match(after, new RegExp(`"arn": "${KNOWN_AFTER_APPLY.replace(/[()]/g, '\\$&')}"`));
      assert.deepEqual(server.sent('stackhook/runs/resourceChange'), [{ runId: 'r2', address: 'aws_db_instance.main' }]);
      documents.dispose();
    });

    it('keeps a change only while one of its documents is open: closing both asks the server again next time', async () => {
      const server = new FakeServer({ 'stackhook/runs/resourceChange': () => change });
      const documents = new ResourceChangeDocuments((runId, address) => server.request({ method: 'stackhook/runs/resourceChange', ...resourceChangeDefinition() }, { runId, address }));
      const before = resourceUri('r2', change.address, 'before');
      const after = resourceUri('r2', change.address, 'after');
      await documents.provideTextDocumentContent(before);
      await documents.provideTextDocumentContent(after);
      workspace.closeDocument.fire({ uri: before });
      await documents.provideTextDocumentContent(after);
      assert.equal(server.sent('stackhook/runs/resourceChange').length, 1, 'one document still open: kept');
      workspace.closeDocument.fire({ uri: after });
      workspace.closeDocument.fire({ uri: after });
      await documents.provideTextDocumentContent(before);
      assert.equal(server.sent('stackhook/runs/resourceChange').length, 2, 'both closed: forgotten, asked again');
      documents.dispose();
    });

    it('marks unknown values inside lists and maps, and leaves known ones alone', () => {
      assert.deepEqual(withUnknown({ ids: ['a', null], tags: { a: 'x' } }, { ids: [false, true], tags: {} }), { ids: ['a', KNOWN_AFTER_APPLY], tags: { a: 'x' } });
      assert.equal(withUnknown(null, true), KNOWN_AFTER_APPLY);
      assert.equal(withUnknown('v', false), 'v');
    });
  });

  describe('Confirm', () => {
    const planned = run('r2', { state: 'unconfirmed', runner: 'local', plan: PROD_PLAN.counts });

    it('asks in words what it will apply, naming the first resources it destroys or replaces (rule: Confirm states what it will do)', () => {
      assert.equal(
        confirmQuestion('prod-network', PROD_PLAN.counts, PROD_PLAN.resources as never),
        'Apply to prod-network: 2 to add, 1 to replace, 3 to destroy, 1 to move (aws_db_instance.main, aws_s3_bucket.logs, aws_iam_role.old, …)?',
      );
      assert.equal(confirmQuestion('prod-network', counts({ destroy: 1 }), [row('aws_db_instance.main', 'delete')] as never), 'Apply to prod-network: 1 to destroy (aws_db_instance.main)?');
      assert.equal(confirmQuestion('prod-network', counts({ add: 1 })), 'Apply to prod-network: 1 to add?');
      assert.equal(confirmQuestion('dns', null), 'Apply the plan of dns?');
    });

    it('applies only after the person says Apply to that question; dismissing it sends nothing', async () => {
      const server = new FakeServer({
        'stackhook/runs/get': () => planned,
        'stackhook/runs/plan': () => PROD_PLAN,
        'stackhook/runs/confirm': () => ({ ...planned, state: 'applying' }),
      });
      commandContext(server);
      answers.push(() => undefined);
      await vscode.commands.executeCommand(Command.ConfirmRun, 'r2');
      assert.deepEqual(server.sent('stackhook/runs/confirm'), []);
      const [asked] = recorded.messages;
      assert.equal(asked?.modal, true);
      assert.match(asked?.message ?? '', /^Apply to prod-network: 2 to add, 1 to replace, 3 to destroy, 1 to move \(aws_db_instance\.main, /);
      answers.push((_message, items) => items.find((item) => item === 'Apply'));
      await vscode.commands.executeCommand(Command.ConfirmRun, 'r2');
      assert.deepEqual(server.sent('stackhook/runs/confirm'), [{ runId: 'r2' }]);
    });

    it('a stale plan is refused with the server\'s reason, and Plan Again queues a new run of the stack', async () => {
      const stale = 'Not applied: the plan is stale. main moved from 501bf5b to 9f3c2aa since the plan was made; plan again.';
      const server = new FakeServer({
        'stackhook/runs/get': () => planned,
        'stackhook/runs/plan': () => PROD_PLAN,
        'stackhook/runs/confirm': () => {
          throw rpcError(stale, { kind: 'Conflict', reason: 'stale' });
        },
        'stackhook/stacks/triggerRun': () => run('r3', { state: 'queued' }),
      });
      commandContext(server);
      answers.push((_message, items) => items.find((item) => item === 'Apply'));
      answers.push((_message, items) => items.find((item) => item === 'Plan Again'));
      await vscode.commands.executeCommand(Command.ConfirmRun, 'r2');
      const refusal = recorded.messages.find((message) => message.message === stale);
      assert.ok(refusal, 'the refusal is shown as the server words it');
      assert.equal(refusal.severity, 'warning');
      assert.deepEqual(refusal.items, ['Plan Again']);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(server.sent('stackhook/stacks/triggerRun'), [{ stackId: 'prod-network' }]);
    });

    it('a Conflict for another reason offers no Plan Again', async () => {
      const server = new FakeServer({
        'stackhook/runs/get': () => planned,
        'stackhook/runs/plan': () => PROD_PLAN,
        'stackhook/runs/confirm': () => {
          throw rpcError('The run was discarded.', { kind: 'Conflict', state: 'discarded' });
        },
      });
      commandContext(server);
      answers.push((_message, items) => items.find((item) => item === 'Apply'));
      await vscode.commands.executeCommand(Command.ConfirmRun, 'r2');
      assert.deepEqual(recorded.messages.find((message) => message.message === 'The run was discarded.')?.items, []);
    });
  });
});

/** The real request definition, loaded as the extension loads it. */
function resourceChangeDefinition() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { RunsResourceChange } = require('../../../server/protocol') as typeof import('../../../server/protocol');
  return { params: RunsResourceChange.params, result: RunsResourceChange.result };
}
