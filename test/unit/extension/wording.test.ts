// The words a person expects: stacks named as their person named them (not by id) in run messages,
// the runner check and the Trigger Run picker (with the integration's name); a progress message said
// once, not after a title that says the same; and Trigger Run with no stack offers Create Stack.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answers, recorded, resetStub } from '../../support/vscodeStub';
import { Command } from '../../../extension/commandIds';
import { withoutTitle } from '../../../extension/commands/request';
import { answerQuickPick, commandContext } from './harness';
import { FakeServer, integration, run, stack } from './fakeServer';

function server(stacks: unknown[] = [stack('prod-infra', { name: 'Prod Infra' })]) {
  return new FakeServer({
    'stackhook/stacks/list': () => stacks,
    'stackhook/integrations/list': () => [integration('acme-main', { name: 'Acme Main' })],
    'stackhook/runs/list': () => [run('r1', { stackId: 'prod-infra', state: 'unconfirmed' })],
    'stackhook/runs/get': () => run('r1', { stackId: 'prod-infra', state: 'unconfirmed' }),
    'stackhook/runs/confirm': () => run('r1', { stackId: 'prod-infra', state: 'applying' }),
    'stackhook/runs/discard': () => run('r1', { stackId: 'prod-infra', state: 'discarded' }),
    'stackhook/stacks/checkRunner': () => ({ ok: true, problems: [] }),
    'stackhook/stacks/triggerRun': () => run('r2', { stackId: 'prod-infra' }),
  });
}

describe('extension wording', () => {
  beforeEach(() => resetStub());

  it('Confirm and Discard say what happened, with the stack\'s name, in a message a person sees', async () => {
    commandContext(server());
    // Confirm asks first, naming the stack as its person named it.
    answers.push((_message, items) => items.find((item) => item === 'Apply'));
    await vscode.commands.executeCommand(Command.ConfirmRun, 'r1');
    await vscode.commands.executeCommand(Command.DiscardRun, 'r1');
    assert.deepEqual(recorded.messages.map((message) => message.message), ['Apply the plan of Prod Infra?', 'Applying the plan of "Prod Infra".', 'The plan of "Prod Infra" was discarded: nothing was applied.']);
  });

  it('Check Runner names the stack, not its id', async () => {
    commandContext(server());
    await vscode.commands.executeCommand(Command.CheckRunner, 'prod-infra');
    assert.equal(recorded.messages.at(-1)?.message, 'The runner of "Prod Infra" is ready.');
  });

  it('the Trigger Run picker shows the integration\'s name beside each stack', async () => {
    commandContext(server());
    let offered: { label: string; description: string }[] = [];
    answerQuickPick((items) => {
      offered = items;
      return items[0];
    });
    await vscode.commands.executeCommand(Command.TriggerRun);
    assert.deepEqual(offered.map((item) => [item.label, item.description]), [['Prod Infra', 'Acme Main']]);
  });

  it('Trigger Run with no stack offers Create Stack instead of a dead end', async () => {
    commandContext(server([]));
    const executed: string[] = [];
    answers.push((_message, items) => {
      executed.push(...items);
      return undefined;
    });
    await vscode.commands.executeCommand(Command.TriggerRun);
    assert.match(recorded.messages[0]?.message ?? '', /There is no stack yet/);
    assert.deepEqual(executed, ['Create Stack']);
  });

  it('a progress message that starts with the notification\'s title is said once', () => {
    assert.equal(withoutTitle('Configuring webhooks: 8 of 25', 'Configuring webhooks'), '8 of 25');
    assert.equal(withoutTitle('8 of 25', 'Configuring webhooks'), '8 of 25');
    assert.equal(withoutTitle(undefined, 'Configuring webhooks'), undefined);
  });
});

describe('extension run lines', () => {
  it('a summary that starts with the state does not say it twice ("discarded · … · discarded: Plan…")', async () => {
    const { runLine } = await import('../../../extension/views/runPresentation');
    const Protocol = await import('../../../server/protocol');
    const line = runLine(Protocol.Run.parse(run('r1', { state: 'discarded', summary: 'discarded: Plan: 2 to add, 0 to change, 1 to destroy.' })));
    assert.equal(line.match(/discarded/g)?.length, 1, line);
    assert.match(line, /Plan: 2 to add/);
  });

  it('a Pipelines run shows the step it is at while it works, and not once it has ended', async () => {
    const { runLine } = await import('../../../extension/views/runPresentation');
    const Protocol = await import('../../../server/protocol');
    assert.match(runLine(Protocol.Run.parse(run('r1', { state: 'running', progress: 'Stackhook plan: running' }))), /· Stackhook plan: running/);
    assert.doesNotMatch(runLine(Protocol.Run.parse(run('r1', { state: 'finished', progress: 'Stackhook plan: running', summary: 'No changes.' }))), /Stackhook plan/);
  });
});
