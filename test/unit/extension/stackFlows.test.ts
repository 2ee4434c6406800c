// Create, Edit and Delete Stack on the one multi-step input, and the advice around them.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answers, recorded, resetStub } from '../../support/vscodeStub';
import { Command } from '../../../extension/commandIds';
import * as Protocol from '../../../server/protocol';
import { BACK } from '../../../extension/commands/quickInput';
import { commandContext, scriptedPrompter, type ShownStep } from './harness';
import { FakeServer, integration, repository, rpcError, stack } from './fakeServer';

const HEAD = 'b'.repeat(40);
const ROOT = { id: 'root', name: 'root', parentId: null, inheritEntities: true };

function stackServer(extra: Record<string, (params: any) => unknown> = {}) {
  return new FakeServer({
    'stackhook/integrations/list': () => [integration('acme-main', { name: 'Acme Main' })],
    'stackhook/spaces/list': () => [ROOT],
    'stackhook/repositories/list': () => [repository('acme/infra-live'), repository('acme/network')],
    'stackhook/repositories/branches': () => [
      { name: 'develop', commit: HEAD },
      { name: 'main', commit: HEAD },
    ],
    'stackhook/stacks/preview': ({ name }) =>
      String(name).trim() === '' ? { id: '', problem: 'Enter a name for the stack.' } : { id: String(name).toLowerCase().replace(/[^a-z0-9]+/g, '-') },
    'stackhook/stacks/create': (params) => stack(String(params.name).toLowerCase().replace(/[^a-z0-9]+/g, '-'), { ...params, name: params.name }),
    'stackhook/stacks/checkRunner': () => ({ ok: true, problems: [] }),
    'stackhook/webhooks/status': ({ repositories }) => repositories.map((name: string) => ({ repository: name, state: 'missing', problems: [`no webhook`] })),
    ...extra,
  });
}

const steps = (shown: ShownStep[]) => shown.map((step) => `${step.kind} ${step.step}/${step.totalSteps}`);

describe('extension stack flows', () => {
  beforeEach(() => resetStub());

  describe('Create Stack', () => {
    it('has a title and step x/y, skips the lone integration and space, and offers Bitbucket\'s branches with the main branch first', async () => {
      const server = stackServer();
      const { prompter, shown } = scriptedPrompter(['acme/network', 'develop', '', 'pipelines', 'stackhook', 'Prod Network']);
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.CreateStack);
      assert.deepEqual(steps(shown), ['pick 1/6', 'pick 2/6', 'input 3/6', 'pick 4/6', 'input 5/6', 'input 6/6']);
      assert.ok(shown.every((step) => step.title === 'Create stack'));
      assert.deepEqual(shown[1]?.items?.map((item) => item.label), ['main', 'develop']);
      assert.equal(shown[1]?.active, 'main');
      assert.deepEqual(server.sent('stackhook/repositories/branches'), [{ integrationId: 'acme-main', repository: 'acme/network' }]);
      assert.deepEqual(server.sent('stackhook/stacks/create'), [{ name: 'Prod Network', integrationId: 'acme-main', repository: 'acme/network', branch: 'develop', runner: { type: 'pipelines', pipeline: 'stackhook' }, autodeploy: false }], 'the server places it with its integration');
      assert.deepEqual(server.sent('stackhook/stacks/checkRunner'), [{ stackId: 'prod-network' }], 'a Pipelines stack is checked at once');
    });

    it('on a team server without --local-runner, "On this machine" is not offered, and the step says why', async () => {
      const server = stackServer({
        'stackhook/status': () => ({ version: '0.1.0', storePath: '/s', user: 'ana', listener: { url: null, state: 'off' }, publicUrl: 'https://h.example.com', localRunner: false, counts: { integrations: 1, stacks: 0, detachedStacks: 0 } }),
      });
      const { prompter, shown } = scriptedPrompter(['acme/network', 'develop', '', 'pipelines', 'stackhook', 'Prod Network']);
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.CreateStack);
      const runner = shown[3];
      assert.deepEqual(runner?.items?.map((item) => item.value), ['pipelines']);
      assert.match(runner?.placeholder ?? '', /"On this machine" is not offered: this team server was started without --local-runner/);
      assert.equal(server.sent('stackhook/stacks/create').length, 1);
    });

    it('an empty custom pipeline name is refused while typed, in words', async () => {
      const server = stackServer();
      const { prompter, validations } = scriptedPrompter(['acme/network', 'develop', '', 'pipelines', async () => undefined]);
      commandContext(server, prompter);
      // The scripted prompter refuses invalid typed answers; ask the pipeline step's validation directly.
      const { runnerSteps, runnerDraft } = await import('../../../extension/commands/runnerSteps');
      let validate: ((value: string) => unknown) | undefined;
      const steps = runnerSteps({ input: async (step) => ((validate = step.validate), undefined), pick: async () => undefined }, Protocol);
      await steps.find((step) => step.name === 'pipeline')?.run(runnerDraft(Protocol), { title: 't', step: 1, totalSteps: 1 } as never);
      assert.match(String((await validate?.('  ') as { message?: string } | undefined)?.message), /Enter the name of a custom pipeline/);
      assert.equal(await validate?.('stackhook'), undefined);
      assert.deepEqual(validations, []);
    });

    it('asks which integration only when there are several', async () => {
      const server = stackServer({ 'stackhook/integrations/list': () => [integration('acme-main', { name: 'Acme Main' }), integration('acme-ops', { name: 'Acme Ops', type: 'space' })] });
      const { prompter, shown } = scriptedPrompter(['acme-ops', 'acme/network', 'main', '', 'pipelines', 'stackhook', 'net']);
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.CreateStack);
      assert.deepEqual(shown[0]?.items?.map((item) => item.label), ['Acme Main', 'Acme Ops']);
      assert.equal(shown[0]?.totalSteps, 7);
      assert.equal(server.sent('stackhook/stacks/create')[0]?.integrationId, 'acme-ops');
    });

    it('Back returns to the step before with what was chosen still chosen', async () => {
      const server = stackServer();
      const { prompter, shown } = scriptedPrompter(['acme/network', 'develop', BACK, 'main', 'envs/prod', 'pipelines', 'stackhook', 'net']);
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.CreateStack);
      assert.deepEqual(steps(shown), ['pick 1/6', 'pick 2/6', 'input 3/6', 'pick 2/6', 'input 3/6', 'pick 4/6', 'input 5/6', 'input 6/6']);
      assert.equal(shown[3]?.active, 'develop', 'the branch picked before is still the active one');
      assert.equal(server.sent('stackhook/stacks/create')[0]?.branch, 'main');
    });

    it('checks the name with the server while it is typed, and shows the id it gives', async () => {
      const server = stackServer();
      const { prompter, validations } = scriptedPrompter(['acme/network', 'main', '', 'pipelines', 'stackhook', 'Prod Network']);
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.CreateStack);
      assert.deepEqual(server.sent('stackhook/stacks/preview'), [{ name: 'Prod Network' }]);
      assert.deepEqual(validations, ['info: id: prod-network']);
    });

    it('a refusal keeps everything typed: Edit reopens the name, and the second try sends the rest unchanged', async () => {
      let attempts = 0;
      const server = stackServer({
        'stackhook/stacks/create': (params) => {
          attempts++;
          if (attempts === 1) throw rpcError('A stack with the id "net" already exists. Choose another name.', { kind: 'Conflict', field: 'name' });
          return stack('net-2', params);
        },
      });
      const { prompter, shown } = scriptedPrompter(['acme/network', 'develop', 'envs/prod', 'pipelines', 'stackhook', 'net', 'net 2']);
      answers.push((_message, items) => items.find((item) => item === 'Edit'));
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.CreateStack);
      assert.equal(recorded.messages[0]?.modal, true);
      assert.match(recorded.messages[0]?.message ?? '', /already exists/);
      assert.equal(shown[6]?.value, 'net', 'the name step reopens with the refused name');
      const [first, second] = server.sent('stackhook/stacks/create');
      assert.deepEqual({ ...first, name: 'net 2' }, second);
      assert.equal(second?.projectRoot, 'envs/prod');
    });

    it('Edit reopens the step of the field the server names, whatever words its message uses', async () => {
      let attempts = 0;
      const server = stackServer({
        'stackhook/stacks/create': (params) => {
          attempts++;
          if (attempts === 1) throw rpcError('The project root "envs/prd" does not exist on the branch "main".', { kind: 'Invalid', field: 'projectRoot' });
          if (attempts === 2) throw rpcError('Setting the runner of a new stack needs admin on the space "root".', { kind: 'Forbidden', field: 'runner' });
          return stack('net', params);
        },
      });
      const { prompter, shown } = scriptedPrompter(['acme/network', 'main', 'envs/prd', 'pipelines', 'stackhook', 'net', 'envs/prod', 'pipelines', 'stackhook', 'net', 'pipelines', 'stackhook', 'net']);
      answers.push((_message, items) => items.find((item) => item === 'Edit'), (_message, items) => items.find((item) => item === 'Edit'));
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.CreateStack);
      assert.deepEqual(
        shown.slice(6).map((step) => `${step.kind} ${step.step}/${step.totalSteps}`),
        ['input 3/6', 'pick 4/6', 'input 5/6', 'input 6/6', 'pick 4/6', 'input 5/6', 'input 6/6'],
        'the project root first (not the branch its message names), then the runner',
      );
      assert.equal(shown[6]?.value, 'envs/prd', 'with what was typed');
      assert.equal(server.sent('stackhook/stacks/create').at(-1)?.projectRoot, 'envs/prod');
    });

    it('after creating, says what is true of the webhook: healthy when it is', async () => {
      const server = stackServer({ 'stackhook/webhooks/status': ({ repositories }) => repositories.map((name: string) => ({ repository: name, state: 'ok', problems: [] })) });
      const { prompter } = scriptedPrompter(['acme/network', 'main', '', 'pipelines', 'stackhook', 'net']);
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.CreateStack);
      const message = recorded.messages.find((shown) => /created on/.test(shown.message));
      assert.match(message?.message ?? '', /webhook is healthy/);
      assert.doesNotMatch(message?.message ?? '', /needs a webhook|no webhook/);
      assert.deepEqual(message?.items, []);
    });

    it('after creating, a repository without a hook gets Configure webhook', async () => {
      const server = stackServer();
      const { prompter } = scriptedPrompter(['acme/network', 'main', '', 'pipelines', 'stackhook', 'net']);
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.CreateStack);
      const message = recorded.messages.find((shown) => /created on/.test(shown.message));
      assert.match(message?.message ?? '', /has no webhook yet/);
      assert.deepEqual(message?.items, ['Configure webhook']);
    });

    it('the space step shows names with their paths, and creates a space from the pick', async () => {
      const payments = { id: 'payments', name: 'Payments', parentId: 'root', inheritEntities: true };
      const server = stackServer({
        'stackhook/spaces/list': () => [ROOT, payments],
        'stackhook/spaces/create': (params) => ({ id: 'ledger', name: params.name, parentId: params.parentId, inheritEntities: params.inheritEntities }),
      });
      const newSpace = (step: ShownStep) => step.items?.find((item) => item.label.includes('New space'))?.value;
      const { prompter, shown } = scriptedPrompter(['acme/network', 'main', '', 'pipelines', 'stackhook', 'Ledger', newSpace, 'Ledger', 'payments']);
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.CreateStack);
      const spaceStep = shown[6];
      assert.deepEqual(spaceStep?.items?.slice(0, 2).map((item) => [item.label, item.description]), [
        ['root', 'top space'],
        ['Payments', 'root / Payments'],
      ]);
      assert.deepEqual(server.sent('stackhook/spaces/create'), [{ name: 'Ledger', parentId: 'payments', inheritEntities: true }]);
      assert.ok(recorded.messages.some((message) => /Space "Ledger" created\. It stays even if the rest of this is cancelled or refused\./.test(message.message)), 'the new space is said to stay');
      assert.equal(server.sent('stackhook/stacks/create')[0]?.spaceId, 'ledger');
    });

    it('offers only the spaces the chosen integration can be used from, preselects its space, and says why others are missing (R4)', async () => {
      const payments = { id: 'payments', name: 'Payments', parentId: 'root', inheritEntities: true };
      const ops = { id: 'ops', name: 'Ops', parentId: 'root', inheritEntities: true };
      const server = stackServer({
        'stackhook/integrations/list': () => [integration('pay-bb', { name: 'Pay BB', type: 'space', spaceId: 'payments' })],
        'stackhook/spaces/list': () => [ROOT, payments, ops],
      });
      const { prompter, shown } = scriptedPrompter(['acme/network', 'main', '', 'pipelines', 'stackhook', 'Ledger', 'payments']);
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.CreateStack);
      const spaceStep = shown[6];
      assert.deepEqual(spaceStep?.items?.filter((item) => !item.label.includes('New space')).map((item) => item.value), ['payments']);
      assert.equal(spaceStep?.active, 'payments');
      assert.match(spaceStep?.placeholder ?? '', /Only the spaces "Pay BB" can be used from are listed.*2 not listed/);
      assert.equal(server.sent('stackhook/stacks/create')[0]?.spaceId, 'payments');
    });

    it('with no integration, offers Create Integration instead of a dead end', async () => {
      const server = stackServer({ 'stackhook/integrations/list': () => [] });
      answers.push((_message, items) => items.find((item) => item === 'Create Integration'));
      commandContext(server, scriptedPrompter([]).prompter);
      await vscode.commands.executeCommand(Command.CreateStack);
      assert.deepEqual(recorded.messages[0]?.items, ['Create Integration']);
      assert.ok(recorded.executed.some((call) => call.command === Command.CreateIntegration));
    });
  });

  describe('the local runner\'s tool', () => {
    it('a new stack run here defaults to OpenTofu and asks program, workspace, var files and plan arguments, each counted, then sends only what was given', async () => {
      const server = stackServer();
      const { prompter, shown } = scriptedPrompter(['acme/network', 'main', 'envs/prod', 'local', (step: ShownStep) => step.active, '', 'prod', 'prod.tfvars "common vars.tfvars"', '-parallelism=20', false, 'net']);
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.CreateStack);
      assert.equal(shown[4]?.active, 'opentofu', 'OpenTofu is the tool a new stack starts with');
      // Counted for the runner chosen: once it runs here with a tool, every step of it counts.
      assert.deepEqual(steps(shown).slice(4), ['pick 5/11', 'input 6/11', 'input 7/11', 'input 8/11', 'input 9/11', 'pick 10/11', 'input 11/11']);
      assert.deepEqual(server.sent('stackhook/stacks/create')[0]?.runner, { type: 'local', tool: 'opentofu', workspace: 'prod', varFiles: ['prod.tfvars', 'common vars.tfvars'], extraArgs: ['-parallelism=20'] });
      assert.equal(server.sent('stackhook/stacks/create')[0]?.autodeploy, false);
    });

    it('custom keeps today\'s argv plan and apply; Back from the plan command to the tool keeps what was typed', async () => {
      const server = stackServer();
      const { prompter, shown } = scriptedPrompter(['acme/network', 'main', '', 'local', 'custom', 'make plan', BACK, BACK, (step: ShownStep) => step.active, (step: ShownStep) => step.value, '', 'net']);
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.CreateStack);
      assert.equal(shown[8]?.active, 'custom', 'back on the tool, custom still chosen');
      assert.equal(shown[9]?.value, 'make plan', 'the plan command typed is kept');
      // Counted for what is chosen so far: OpenTofu's steps until custom is picked, autodeploy while an apply command is there.
      assert.deepEqual(steps(shown).slice(4, 7), ['pick 5/11', 'input 6/9', 'input 7/9']);
      assert.equal(steps(shown).at(-1), 'input 8/8', 'apply emptied: no autodeploy step, the name is the last of 8');
      assert.deepEqual(server.sent('stackhook/stacks/create')[0]?.runner, { type: 'local', tool: 'custom', plan: ['make', 'plan'], apply: null });
    });

    it('a refused runner setting reopens its own step (the issue\'s path names it), with what was typed', async () => {
      let attempts = 0;
      const server = stackServer({
        'stackhook/stacks/create': (params) => {
          attempts++;
          if (attempts === 1) throw rpcError('Invalid params: runner.varFiles.0: must be a path under the project root.', { kind: 'Invalid', field: 'runner', issues: [{ path: 'runner.varFiles.0', message: 'must be a path under the project root' }] });
          return stack('net', params);
        },
      });
      const { prompter, shown } = scriptedPrompter(['acme/network', 'main', '', 'local', 'terraform', 'terraform1.9', '', 'prod.tfvars', '', true, 'net', 'envs/prod.tfvars', '', true, 'net']);
      answers.push((_message, items) => items.find((item) => item === 'Edit'));
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.CreateStack);
      assert.equal(shown[11]?.value, 'prod.tfvars', 'the var files step again, as typed');
      assert.equal(shown[11]?.step, 8);
      assert.deepEqual(server.sent('stackhook/stacks/create')[1]?.runner, { type: 'local', tool: 'terraform', program: 'terraform1.9', varFiles: ['envs/prod.tfvars'] });
      assert.equal(server.sent('stackhook/stacks/create')[1]?.autodeploy, true, 'a tool always applies, so autodeploy is asked and kept');
    });

    it('Edit of a stack stored before tools shows it as custom and sends no runner when nothing changed', async () => {
      const old = stack('prod-network', { name: 'Prod Network', repository: 'acme/network', runner: { type: 'local', plan: ['tofu', 'plan'], apply: null } });
      const server = stackServer({ 'stackhook/stacks/list': () => [old], 'stackhook/stacks/update': (params) => ({ ...old, ...params }) });
      const { prompter, shown } = scriptedPrompter(['develop', '', 'local', (step: ShownStep) => step.active, 'tofu plan', '']);
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.EditStack, 'prod-network');
      assert.equal(shown[3]?.active, 'custom');
      assert.deepEqual(server.sent('stackhook/stacks/update'), [{ stackId: 'prod-network', branch: 'develop' }]);
    });
  });

  describe('Edit Stack', () => {
    const existing = stack('prod-network', { name: 'Prod Network', repository: 'acme/network', branch: 'main' });

    it('offers the branches with the current one active, and sends only what changed through stacks/update', async () => {
      const server = stackServer({ 'stackhook/stacks/list': () => [existing], 'stackhook/stacks/update': (params) => ({ ...existing, ...params, stackId: undefined }) });
      const { prompter, shown } = scriptedPrompter(['develop', 'envs/prod', 'pipelines', 'stackhook']);
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.EditStack, 'prod-network');
      assert.deepEqual(steps(shown), ['pick 1/4', 'input 2/4', 'pick 3/4', 'input 4/4']);
      assert.equal(shown[0]?.title, 'Edit stack "Prod Network"');
      assert.equal(shown[0]?.active, 'main');
      assert.deepEqual(server.sent('stackhook/stacks/update'), [{ stackId: 'prod-network', branch: 'develop', projectRoot: 'envs/prod' }]);
      assert.deepEqual(server.sent('stackhook/stacks/setIntegration'), []);
    });

    it('a detached stack gets its integration through stacks/setIntegration, then its branch', async () => {
      const detached = { ...existing, integrationId: null, detachedFrom: 'old', state: 'detached' };
      const server = stackServer({
        'stackhook/integrations/list': () => [integration('acme-main', { name: 'Acme Main' }), integration('acme-ops', { name: 'Acme Ops' })],
        'stackhook/stacks/list': () => [detached],
        'stackhook/stacks/setIntegration': ({ integrationId }) => ({ ...detached, integrationId, detachedFrom: null, state: 'attached' }),
      });
      const { prompter } = scriptedPrompter(['acme-ops', 'main', '', 'pipelines', 'stackhook']);
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.EditStack, 'prod-network');
      assert.deepEqual(server.sent('stackhook/stacks/setIntegration'), [{ stackId: 'prod-network', integrationId: 'acme-ops' }]);
      assert.deepEqual(server.sent('stackhook/stacks/update'), [], 'nothing else changed');
    });

    it('a refused branch reopens the branch step, keeping the project root typed', async () => {
      let attempts = 0;
      const server = stackServer({
        'stackhook/stacks/list': () => [existing],
        'stackhook/stacks/update': (params) => {
          attempts++;
          if (attempts === 1) throw rpcError('acme/network has no branch "mian".', { kind: 'Invalid', field: 'branch' });
          return { ...existing, ...params };
        },
      });
      const { prompter, shown } = scriptedPrompter(['develop', 'envs/prod', 'pipelines', 'stackhook', 'main', 'envs/prod', 'pipelines', 'stackhook']);
      answers.push((_message, items) => items.find((item) => item === 'Edit'));
      commandContext(server, prompter);
      await vscode.commands.executeCommand(Command.EditStack, 'prod-network');
      assert.equal(shown[4]?.kind, 'pick');
      assert.equal(shown[5]?.value, 'envs/prod');
      assert.equal(server.sent('stackhook/stacks/update').length, 2);
    });
  });

  describe('Delete Stack', () => {
    it('asks with a confirmation that names the stack, then deletes it', async () => {
      const server = stackServer({ 'stackhook/stacks/list': () => [stack('prod-network', { name: 'Prod Network' })], 'stackhook/stacks/delete': () => ({}) });
      answers.push((_message, items) => items.find((item) => item === 'Delete'));
      commandContext(server);
      await vscode.commands.executeCommand(Command.DeleteStack, 'prod-network');
      assert.equal(recorded.messages[0]?.modal, true);
      assert.equal(recorded.messages[0]?.message, 'Delete the stack "Prod Network"?');
      assert.deepEqual(server.sent('stackhook/stacks/delete'), [{ stackId: 'prod-network' }]);
    });

    it('deletes nothing when the confirmation is dismissed', async () => {
      const server = stackServer({ 'stackhook/stacks/list': () => [stack('prod-network')], 'stackhook/stacks/delete': () => ({}) });
      commandContext(server);
      await vscode.commands.executeCommand(Command.DeleteStack, 'prod-network');
      assert.deepEqual(server.sent('stackhook/stacks/delete'), []);
    });
  });

  describe('Regenerate Webhook Secret', () => {
    it('says how many hooks still carry the old secret and updates exactly those at once', async () => {
      const server = stackServer({
        'stackhook/integrations/webhookSecret': () => ({ secret: 'whsec-new', outdatedRepositories: ['acme/network', 'acme/dns'] }),
        'stackhook/webhooks/configure': ({ repositories }) => repositories.map((name: string) => ({ repository: name, action: 'updated' })),
      });
      answers.push(() => 'Regenerate', (_message, items) => items.find((item) => item === 'Update webhooks now'));
      commandContext(server);
      await vscode.commands.executeCommand(Command.RegenerateWebhookSecret, 'acme-main');
      assert.match(recorded.messages[1]?.message ?? '', /"Acme Main" was regenerated\. 2 webhooks still carry the old one/);
      assert.deepEqual(server.sent('stackhook/webhooks/configure'), [{ integrationId: 'acme-main', repositories: ['acme/network', 'acme/dns'] }]);
    });
  });
});
