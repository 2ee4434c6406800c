// The editor's side of R31: a run a plan policy denies offers Acknowledge instead of Confirm (its
// context value says `.held`), and Acknowledge says what denies it, asks why and sends the reason.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { resetStub } from '../../support/vscodeStub';
import { Command } from '../../../extension/commandIds';
import { runContext } from '../../../extension/views/runPresentation';
import { planNodes, PlanGroupItem, PlanResourceItem } from '../../../extension/views/planTree';
import { answerInputBox, commandContext } from './harness';
import { FakeServer, run } from './fakeServer';

const DENY = {
  verdict: 'deny',
  findings: [{ rule: 'protectedTypes', effect: 'deny', source: { kind: 'space', id: 'root' }, address: 'aws_db_instance.main', message: 'aws_db_instance.main would be destroyed.' }],
};

describe('extension: acknowledging a denied plan', () => {
  beforeEach(() => resetStub());

  it('a held run offers Acknowledge, not Confirm; an acknowledged one offers Confirm again', () => {
    const held = runContext(run('r1', { state: 'unconfirmed', policy: DENY }) as never);
    const acknowledged = runContext(run('r1', { state: 'unconfirmed', policy: { ...DENY, acknowledged: { by: 'cy', at: 'now', reason: 'ok' } } }) as never);
    assert.equal(held, 'run.unconfirmed.held');
    assert.equal(acknowledged, 'run.unconfirmed');
    const menus = JSON.parse(readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')).contributes.menus['view/item/context'] as { command: string; when: string }[];
    const offered = (context: string) =>
      menus.filter((menu) => {
        const match = /viewItem =~ \/(.*)\/$/.exec(menu.when);
        return match && new RegExp(match[1] as string).test(context);
      }).map((menu) => menu.command);
    assert.ok(offered(held).includes('stackhook.acknowledgeRun') && !offered(held).includes('stackhook.confirmRun'));
    assert.ok(offered(acknowledged).includes('stackhook.confirmRun') && !offered(acknowledged).includes('stackhook.acknowledgeRun'));
  });

  it('Acknowledge shows what denies it, asks why and sends the reason', async () => {
    const server = new FakeServer({
      'stackhook/runs/get': () => run('r1', { state: 'unconfirmed', policy: DENY }),
      'stackhook/runs/acknowledge': ({ reason }) => run('r1', { state: 'unconfirmed', policy: { ...DENY, acknowledged: { by: 'cy', at: 'now', reason } } }),
    });
    commandContext(server);
    const asked = answerInputBox('  migrated, CHG-42 ');
    await vscode.commands.executeCommand(Command.AcknowledgeRun, 'r1');
    assert.deepEqual(server.sent('stackhook/runs/acknowledge'), [{ runId: 'r1', reason: 'migrated, CHG-42' }]);
    assert.match(String(asked.options[0]?.prompt), /aws_db_instance\.main would be destroyed/);
  });

  it('the plan tree shows the findings first and each on its resource, and the acknowledgement', () => {
    const plan = {
      counts: { add: 0, change: 0, replace: 0, destroy: 1, import: 0, move: 0, forget: 0, read: 0, drift: 0, outputs: 0, errored: false },
      resources: [{ address: 'aws_db_instance.main', module: '', type: 'aws_db_instance', name: 'main', action: 'delete' as const, importing: false }],
      drift: [], outputs: [], checks: [], diagnostics: [], truncated: false,
    };
    const nodes = planNodes('r1', plan, { ...DENY, verdict: 'deny', acknowledged: { by: 'cy', at: 'now', reason: 'CHG-42' } } as never);
    const [policy, destroyed] = nodes as [PlanGroupItem, PlanGroupItem];
    assert.match(String(policy.label), /^Policy: denied, acknowledged \(1\)/);
    assert.deepEqual(policy.children.map((child) => child.label), ['aws_db_instance.main would be destroyed.', 'Acknowledged by cy']);
    const resource = destroyed.children[0] as PlanResourceItem;
    assert.match(String(resource.description), /^denied by policy/);
    assert.match(String(resource.tooltip), /deny \(protectedTypes\): aws_db_instance\.main would be destroyed\./);
    assert.equal(planNodes('r1', plan, null).length, 1, 'no policy group without a verdict');
  });
});
