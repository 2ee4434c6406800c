import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import { answers, recorded, resetStub } from '../../support/vscodeStub';
import { collectIntegration, createIntegration, validateEmail, validateName } from '../../../extension/commands/createIntegration';
import { BACK, type InputStep, type PickStep, type Prompter } from '../../../extension/commands/quickInput';
import { details, FakeServer, rpcError } from './fakeServer';

/** Mirrors the server's preview so the flow can be tested without it; the rule itself is tested on the server. */
function previewServer(taken: string[] = []) {
  return new FakeServer({
    'stackhook/integrations/preview': ({ name }) => {
      const id = String(name).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
      const webhookUrl = id ? `https://hooks.example.com/webhooks/bitbucket-cloud/${id}` : '';
      if (String(name).trim() === '') return { id, webhookUrl, problem: 'Enter a name for the integration.' };
      if (!id) return { id, webhookUrl, problem: `"${name}" has no letters or digits, so no id (and no webhook URL) can be derived from it.` };
      if (taken.includes(id)) return { id, webhookUrl, problem: `This name gives the id "${id}", which the integration "${id}" already has. Choose another name.` };
      return { id, webhookUrl };
    },
    // Mirrors the server's username rule (tested on the server) so the flow runs without it.
    'stackhook/integrations/checkUsername': ({ username }) => (String(username).includes('@') ? {} : { problem: 'Use your Atlassian account email.' }),
    'stackhook/spaces/list': () => [
      { id: 'root', name: 'root', parentId: null, inheritEntities: false },
      { id: 'payments', name: 'Payments', parentId: 'root', inheritEntities: true },
    ],
  });
}

type Script = { step: string; answer: unknown }[];

/** A prompter that answers from a script and records the steps it was shown. */
function scripted(script: Script) {
  const shown: { title: string; step: number; totalSteps: number; value?: string | undefined; kind: string; password?: boolean | undefined }[] = [];
  const next = (kind: string, step: InputStep | PickStep<unknown>) => {
    const entry = script.shift();
    if (!entry) return undefined;
    shown.push({ title: step.title, step: step.step, totalSteps: step.totalSteps, kind: entry.step, value: 'value' in step ? step.value : undefined, password: 'password' in step ? step.password : undefined });
    assert.ok(kind, entry.step);
    return entry.answer;
  };
  const prompter: Prompter = {
    input: async (step) => {
      const answer = next('input', step);
      if (typeof answer === 'string' && step.validate) {
        const validation = await step.validate(answer);
        if (validation?.severity === 'error') throw new Error(`the script gave an invalid ${answer}: ${validation.message}`);
      }
      return answer as string | typeof BACK | undefined;
    },
    pick: async (step) => next('pick', step) as never,
  };
  return { prompter, shown };
}

const TOKEN = 'ATATT3xFfGF0-known-test-token-0123456789';

describe('extension create-integration flow', () => {
  beforeEach(() => resetStub());

  describe('validation', () => {
    it('refuses an empty name with the reason the server gives', async () => {
      const result = await validateName(previewServer(), '   ');
      assert.deepEqual(result, { severity: 'error', message: 'Enter a name for the integration.' });
    });

    it('refuses a name with no letters or digits', async () => {
      const result = await validateName(previewServer(), '---');
      assert.equal(result.severity, 'error');
      assert.match(result.message, /no Latin letter/);
    });

    it('refuses, while typing and in plain words (never protocol text), a name with a bidi override, one too long for the preview, and labels that are too long or hold control characters', async () => {
      const server = previewServer();
      const bidi = await validateName(server, 'acme\u202eniam');
      assert.equal(bidi.severity, 'error');
      assert.match(bidi.message, /text-direction marks/);
      const long = await validateName(server, 'a'.repeat(250));
      assert.match(long.message, /at most 100 characters; this one has 250/);
      assert.doesNotMatch(long.message, /Invalid parameters|stackhook\//);
      assert.deepEqual(server.sent('stackhook/integrations/preview'), [], 'refused without asking the server');
      const { protocol } = await import('../../../extension/connection/protocol');
      assert.match(protocol().labelsProblem(`prod, ${'x'.repeat(70)}`) ?? '', /at most 64 characters/);
      assert.match(protocol().labelsProblem('prod, a\tb') ?? '', /control characters/);
      assert.equal(protocol().labelsProblem('prod, platform'), undefined);
    });

    it('refuses a name that collides with an existing integration by id (R2)', async () => {
      const result = await validateName(previewServer(['prod-bb']), 'Prod BB');
      assert.equal(result.severity, 'error');
      assert.match(result.message, /"prod-bb"/);
    });

    it('previews the id and the webhook URL while the name is typed', async () => {
      const server = previewServer();
      const result = await validateName(server, 'Acme Main');
      assert.deepEqual(result, { severity: 'info', message: 'id: acme-main · webhook URL: https://hooks.example.com/webhooks/bitbucket-cloud/acme-main' });
      assert.deepEqual(server.sent('stackhook/integrations/preview'), [{ name: 'Acme Main' }]);
    });

    it('asks the server about the email and shows its refusal, so the editor refuses exactly what the server refuses', async () => {
      const server = previewServer();
      assert.deepEqual(await validateEmail(server, 'ana'), { severity: 'error', message: 'Use your Atlassian account email.' });
      assert.equal(await validateEmail(server, 'ana@example.com'), undefined);
      assert.deepEqual(server.sent('stackhook/integrations/checkUsername'), [{ username: 'ana' }, { username: 'ana@example.com' }]);
    });
  });

  describe('steps', () => {
    it('goes back a step keeping what was typed, and skips the space step for a default integration', async () => {
      const { prompter, shown } = scripted([
        { step: 'name', answer: 'Acme main' },
        { step: 'type', answer: BACK },
        { step: 'name', answer: 'Acme main' },
        { step: 'type', answer: 'space' },
        { step: 'space', answer: 'payments' },
        { step: 'username', answer: 'ana@example.com' },
        { step: 'secret', answer: BACK },
        { step: 'username', answer: 'ana@example.com' },
        { step: 'secret', answer: TOKEN },
        { step: 'labels', answer: 'prod, platform, prod' },
        { step: 'description', answer: BACK },
        { step: 'labels', answer: 'prod' },
        { step: 'description', answer: 'Main **Acme** account' },
      ]);
      const draft = await collectIntegration(previewServer(), prompter);
      assert.deepEqual(draft, {
        name: 'Acme main',
        type: 'space',
        spaceId: 'payments',
        username: 'ana@example.com',
        secret: TOKEN,
        labels: ['prod'],
        description: 'Main **Acme** account',
      });
      assert.equal(shown[2]?.value, 'Acme main', 'back keeps the name');
      assert.deepEqual(shown.map((s) => `${s.step}/${s.totalSteps}`).slice(0, 5), ['1/6', '2/6', '1/6', '2/6', '3/7']);
      assert.equal(shown.find((s) => s.kind === 'secret')?.password, true, 'the token is a password input');

      const defaultFlow = scripted([
        { step: 'name', answer: 'Acme main' },
        { step: 'type', answer: 'default' },
        { step: 'username', answer: BACK },
        { step: 'type', answer: 'default' },
        { step: 'username', answer: 'ana@example.com' },
        { step: 'secret', answer: TOKEN },
        { step: 'labels', answer: '' },
        { step: 'description', answer: '' },
      ]);
      const plain = await collectIntegration(previewServer(), defaultFlow.prompter);
      assert.equal(plain?.type, 'default');
      assert.equal(plain?.spaceId, undefined);
      assert.deepEqual(defaultFlow.shown.map((s) => s.kind), ['name', 'type', 'username', 'type', 'username', 'secret', 'labels', 'description']);
      assert.equal(defaultFlow.shown[2]?.totalSteps, 6);
    });

    it('stops when the user cancels a step', async () => {
      const { prompter } = scripted([{ step: 'name', answer: 'Acme' }, { step: 'type', answer: undefined }]);
      assert.equal(await collectIntegration(previewServer(), prompter), undefined);
    });
  });

  describe('creating', () => {
    const steps = (): Script => [
      { step: 'name', answer: 'Acme main' },
      { step: 'type', answer: 'default' },
      { step: 'username', answer: 'ana@example.com' },
      { step: 'secret', answer: TOKEN },
      { step: 'labels', answer: 'prod' },
      { step: 'description', answer: '' },
    ];

    it('creates with verification and one request', async () => {
      const server = previewServer();
      server.handlers['stackhook/integrations/create'] = (params) => details('acme-main', { name: params.name });
      const { prompter } = scripted(steps());
      const created = await createIntegration(server, prompter);
      assert.equal(created?.id, 'acme-main');
      assert.deepEqual(server.sent('stackhook/integrations/create'), [
        { name: 'Acme main', type: 'default', username: 'ana@example.com', secret: TOKEN, credentialType: 'api_token', labels: ['prod'], description: '', verify: true },
      ]);
    });

    it('a refused credential: a readable dialog with Edit and Copy curl, never Save without checking; Edit returns to the email with what was typed', async () => {
      const server = previewServer();
      let calls = 0;
      const curl = 'curl -u ana@example.com:•••••• https://api.bitbucket.org/2.0/user';
      server.handlers['stackhook/integrations/create'] = () => {
        calls++;
        if (calls === 1) {
          throw rpcError(`Bitbucket refused the credentials: use your Atlassian account email, not your Bitbucket username. Nothing was saved. To check by hand: ${curl}`, {
            kind: 'Bitbucket',
            problem: 'unauthorized',
            needsNewCredential: true,
            curl,
            field: 'username',
          });
        }
        return details('acme-main');
      };
      const { prompter, shown } = scripted([...steps(), { step: 'username', answer: 'ana@example.org' }, { step: 'secret', answer: TOKEN }, { step: 'labels', answer: 'prod' }, { step: 'description', answer: '' }]);
      answers.push(() => 'Copy curl', () => 'Edit');
      const created = await createIntegration(server, prompter);
      assert.equal(created?.id, 'acme-main');
      const failure = recorded.messages[0];
      assert.equal(failure?.modal, true);
      assert.equal(failure?.message, 'Bitbucket did not accept the credential. The integration was not saved.', 'a short title, not one long paragraph');
      assert.match(failure?.detail ?? '', /Atlassian account email/);
      assert.deepEqual(failure?.items, ['Edit', 'Copy curl']);
      assert.equal(recorded.clipboard, curl);
      assert.equal(shown[6]?.kind, 'username', 'Edit goes back to the email step');
      assert.equal(shown[6]?.value, 'ana@example.com', 'with what was typed');
      assert.deepEqual(server.sent('stackhook/integrations/create').map((p) => [p.username, p.verify]), [
        ['ana@example.com', true],
        ['ana@example.org', true],
      ]);
    });

    it('Bitbucket not reached: Save without checking is offered and skips the check', async () => {
      const server = previewServer();
      server.handlers['stackhook/integrations/create'] = (params) => {
        if (params.verify) throw rpcError('Stackhook could not reach Bitbucket (ECONNREFUSED).', { kind: 'Bitbucket', problem: 'network', unreachable: true });
        return details('acme-main');
      };
      const { prompter } = scripted(steps());
      answers.push(() => 'Save without checking');
      await createIntegration(server, prompter);
      assert.deepEqual(recorded.messages[0]?.items, ['Edit', 'Save without checking']);
      assert.deepEqual(server.sent('stackhook/integrations/create').map((p) => p.verify), [true, false]);
    });

    it('a token without the scopes reopens the token step', async () => {
      const server = previewServer();
      let calls = 0;
      server.handlers['stackhook/integrations/create'] = () => {
        calls++;
        if (calls === 1) throw rpcError('The token lacks read:webhook:bitbucket.', { kind: 'Bitbucket', problem: 'missing-scope', needsNewCredential: true, field: 'secret' });
        return details('acme-main');
      };
      const { prompter, shown } = scripted([...steps(), { step: 'secret', answer: TOKEN }, { step: 'labels', answer: '' }, { step: 'description', answer: '' }]);
      answers.push(() => 'Edit');
      await createIntegration(server, prompter);
      assert.equal(shown[6]?.kind, 'secret');
    });

    it('offers to reattach the stacks detached from the same name right after a recreate (R13)', async () => {
      const server = previewServer();
      server.handlers['stackhook/integrations/create'] = () => details('acme-main', { reattachableStackIds: ['legacy-dns', 'prod-network'] });
      server.handlers['stackhook/stacks/reattachAll'] = () => ({ reattachedStackIds: ['legacy-dns', 'prod-network'], skipped: [] });
      const { prompter } = scripted(steps());
      answers.push((_message, items) => items.find((item) => item === 'Reattach all'));
      const { commandContext } = await import('./harness');
      commandContext(server);
      await createIntegration(server, prompter);
      assert.match(recorded.messages[0]?.message ?? '', /2 stacks detached from an integration of this name/);
      assert.deepEqual(server.sent('stackhook/stacks/reattachAll'), [{ integrationId: 'acme-main' }]);
    });
  });
});
