// Stack and space variables in the editor: the Variables nodes, a secret shown as "set" and typed in
// a password input, Add / Edit / Delete, and refusals: one naming a field reopens its step, any other
// (no access) is shown as the server words it.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answers, recorded, resetStub } from '../../support/vscodeStub';
import { Command } from '../../../extension/commandIds';
import { StacksTree } from '../../../extension/views/stacksTree';
import { VariableItem } from '../../../extension/views/variableItems';
import { commandContext, scriptedPrompter } from './harness';
import { FakeServer, integration, rpcError, stack } from './fakeServer';

const UPDATED = '2026-12-07T19:00:00.000Z';
const variable = (name: string, extra: Record<string, unknown> = {}) => ({ name, secret: false, updatedAt: UPDATED, ...extra });

describe('extension: stack and space variables', () => {
  beforeEach(() => resetStub());

  it('a stack\'s Variables node lists its variables: a secret as "set" (never a value), an inherited one with its space', async () => {
    const server = new FakeServer({
      'stackhook/integrations/list': () => [integration('acme-main')],
      'stackhook/stacks/list': () => [stack('prod-network')],
      'stackhook/runs/list': () => [],
      'stackhook/stacks/variables/list': () => [
        variable('TF_VAR_region', { value: 'eu-west-1' }),
        variable('AWS_SECRET_ACCESS_KEY', { secret: true }),
        variable('TF_VAR_team', { value: 'platform', inherited: true, inheritedFrom: 'payments' }),
      ],
    });
    const provider = new StacksTree(server);
    const [group] = (await provider.getChildren()) as never[];
    const [stackItem] = (await provider.getChildren(group)) as never[];
    const [variablesNode] = (await provider.getChildren(stackItem)) as vscode.TreeItem[];
    assert.equal(variablesNode?.label, 'Variables');
    assert.equal(variablesNode?.contextValue, 'variables');
    const rows = (await provider.getChildren(variablesNode as never)) as vscode.TreeItem[];
    assert.deepEqual(
      rows.map((row) => [row.label, row.description, row.contextValue]),
      [
        ['TF_VAR_region', 'eu-west-1', 'variable'],
        ['AWS_SECRET_ACCESS_KEY', 'set', 'variable.secret'],
        ['TF_VAR_team', 'platform · from space payments', 'variable.inherited'],
      ],
    );
    assert.deepEqual(server.sent('stackhook/stacks/variables/list'), [{ stackId: 'prod-network' }]);
  });

  it('each space has a Variables node, under the Spaces group', async () => {
    const server = new FakeServer({
      'stackhook/integrations/list': () => [integration('acme-main')],
      'stackhook/stacks/list': () => [stack('prod-network')],
      'stackhook/spaces/list': () => [{ id: 'payments', name: 'Payments', parentId: 'root', inheritEntities: true }],
      'stackhook/spaces/variables/list': () => [variable('AWS_ACCESS_KEY_ID', { secret: true })],
    });
    const provider = new StacksTree(server);
    const spaces = ((await provider.getChildren()) as vscode.TreeItem[]).at(-1);
    assert.equal(spaces?.label, 'Spaces');
    const [space] = (await provider.getChildren(spaces as never)) as vscode.TreeItem[];
    const [variablesNode] = (await provider.getChildren(space as never)) as never[];
    const [secret] = (await provider.getChildren(variablesNode)) as vscode.TreeItem[];
    assert.deepEqual([secret?.label, secret?.description], ['AWS_ACCESS_KEY_ID', 'set']);
    assert.deepEqual(server.sent('stackhook/spaces/variables/list'), [{ spaceId: 'payments' }]);
  });

  it('Add: name, plain or secret, then the value; a secret\'s value is typed in a password input and sent once', async () => {
    const server = new FakeServer({ 'stackhook/stacks/variables/set': (params) => variable(params.name, { secret: params.secret }) });
    const { prompter, shown } = scriptedPrompter(['AWS_SECRET_ACCESS_KEY', true, 'wJalrXUtnFEMI']);
    commandContext(server, prompter);
    await vscode.commands.executeCommand(Command.AddVariable, { owner: { stackId: 'prod-network' } });
    assert.deepEqual(server.sent('stackhook/stacks/variables/set'), [{ stackId: 'prod-network', name: 'AWS_SECRET_ACCESS_KEY', value: 'wJalrXUtnFEMI', secret: true }]);
    assert.deepEqual(shown.map((step) => `${step.kind} ${step.step}/${step.totalSteps}`), ['input 1/3', 'pick 2/3', 'input 3/3']);
    assert.equal(shown[2]?.password, true, 'the secret is typed where it is not shown');
    assert.equal(shown[0]?.password, undefined);
  });

  it('Add checks the name with the protocol\'s rule as it is typed (a reserved name is refused with the reason)', async () => {
    const server = new FakeServer({});
    const { prompter } = scriptedPrompter(['GIT_DIR']);
    commandContext(server, prompter);
    await vscode.commands.executeCommand(Command.AddVariable, { owner: { stackId: 'prod-network' } });
    // The scripted prompter fails the flow when what it typed is refused, with the refusal's words.
    assert.match(recorded.messages[0]?.message ?? '', /is refused: is reserved: GIT_\* variables would change what git does/);
    assert.deepEqual(server.requests, [], 'nothing was sent');
  });

  it('a refusal that names a field reopens that step with what was typed; a refusal of access is shown as the server words it', async () => {
    let refusals = [
      rpcError('The stack prod-network already has a variable TF_VAR_region.', { kind: 'Conflict', field: 'name' }),
      rpcError('Setting a secret variable on prod-network needs admin on space root; you have write.', { kind: 'Forbidden' }),
    ];
    const server = new FakeServer({
      'stackhook/stacks/variables/set': () => {
        const refusal = refusals.shift();
        if (refusal) throw refusal;
        return variable('TF_VAR_zone');
      },
    });
    const { prompter, shown } = scriptedPrompter(['TF_VAR_region', false, 'eu-west-1', 'TF_VAR_zone', false, 'eu-west-1a']);
    commandContext(server, prompter);
    answers.push((_message, items) => items.find((item) => item === 'Edit'));
    await vscode.commands.executeCommand(Command.AddVariable, { owner: { stackId: 'prod-network' } });
    assert.equal(shown[3]?.value, 'TF_VAR_region', 'the name step again, with the name typed');
    assert.equal(shown[3]?.step, 1);
    assert.equal(shown[5]?.value, 'eu-west-1', 'the value typed is kept');
    const forbidden = recorded.messages.find((message) => message.message.startsWith('Setting a secret variable'));
    assert.equal(forbidden?.severity, 'warning', 'shown as the server words it');
    refusals = [];
  });

  it('Edit of a secret asks its value again in a password input (it is never read back); of a plain one, shows its value', async () => {
    const set = (params: { name: string; secret: boolean }) => variable(params.name, { secret: params.secret });
    const server = new FakeServer({ 'stackhook/stacks/variables/set': set, 'stackhook/spaces/variables/set': set });
    const { prompter, shown } = scriptedPrompter([true, 'new-secret']);
    commandContext(server, prompter);
    const secret = new VariableItem({ stackId: 'prod-network' }, variable('AWS_SECRET_ACCESS_KEY', { secret: true }));
    await vscode.commands.executeCommand(Command.EditVariable, secret);
    assert.deepEqual(shown.map((step) => `${step.kind} ${step.step}/${step.totalSteps}`), ['pick 1/2', 'input 2/2'], 'the name is kept, not asked');
    assert.deepEqual([shown[1]?.value, shown[1]?.password], ['', true]);
    assert.deepEqual(server.sent('stackhook/stacks/variables/set'), [{ stackId: 'prod-network', name: 'AWS_SECRET_ACCESS_KEY', value: 'new-secret', secret: true }]);

    const plain = scriptedPrompter([false, 'eu-central-1']);
    commandContext(server, plain.prompter);
    await vscode.commands.executeCommand(Command.EditVariable, new VariableItem({ spaceId: 'payments' }, variable('TF_VAR_region', { value: 'eu-west-1' })));
    assert.equal(plain.shown[1]?.value, 'eu-west-1');
    assert.deepEqual(server.sent('stackhook/spaces/variables/set'), [{ spaceId: 'payments', name: 'TF_VAR_region', value: 'eu-central-1', secret: false }]);
  });

  it('Delete asks first, then deletes the stack\'s or the space\'s variable', async () => {
    const server = new FakeServer({ 'stackhook/stacks/variables/delete': () => ({}), 'stackhook/spaces/variables/delete': () => ({}) });
    commandContext(server);
    answers.push(() => undefined);
    await vscode.commands.executeCommand(Command.DeleteVariable, new VariableItem({ stackId: 'prod-network' }, variable('TF_VAR_region', { value: 'x' })));
    assert.deepEqual(server.sent('stackhook/stacks/variables/delete'), [], 'declined: nothing deleted');
    assert.equal(recorded.messages[0]?.modal, true);
    answers.push((_message, items) => items[0]);
    answers.push((_message, items) => items[0]);
    await vscode.commands.executeCommand(Command.DeleteVariable, new VariableItem({ stackId: 'prod-network' }, variable('TF_VAR_region', { value: 'x' })));
    await vscode.commands.executeCommand(Command.DeleteVariable, new VariableItem({ spaceId: 'payments' }, variable('AWS_ACCESS_KEY_ID', { secret: true })));
    assert.deepEqual(server.sent('stackhook/stacks/variables/delete'), [{ stackId: 'prod-network', name: 'TF_VAR_region' }]);
    assert.deepEqual(server.sent('stackhook/spaces/variables/delete'), [{ spaceId: 'payments', name: 'AWS_ACCESS_KEY_ID' }]);
  });
});
