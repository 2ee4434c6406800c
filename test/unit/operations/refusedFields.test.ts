// A refusal names the field of the request's params it is about (ErrorData.field), so an editor
// reopens the step that asks for it instead of guessing from the message's words: a stack's name,
// branch, space and runner, an integration's name, type, space, username and token.
import { strict as assert } from 'node:assert';
import { handlers } from '../../../server/rpc/handlers';
import type { ErrorData } from '../../../server/protocol';
import { scope, testWorld, type TestWorld } from '../../support/testContext';

const HEAD = 'c'.repeat(40);

describe('refusals name the field they are about (ErrorData.field)', () => {
  let world: TestWorld;

  /** Sends a request the way the server's door does (params parsed first), and answers its error's data. */
  async function refusal(user: string, method: string, params: unknown): Promise<ErrorData & { message: string }> {
    const found = handlers.find((candidate) => candidate.method === method);
    assert.ok(found, `${method} has a handler`);
    try {
      await found.invoke(world.as(user), params, scope);
    } catch (error) {
      const { data, message } = error as { data?: ErrorData; message: string };
      assert.ok(data, `${method} failed with a Stackhook error: ${message}`);
      return { ...data, message };
    }
    return assert.fail(`${method} was not refused`);
  }

  const integration = { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-fields', verify: false };
  const newStack = { name: 'Prod Network', integrationId: 'acme-main', repository: 'acme/network', branch: 'main' };

  beforeEach(async () => {
    world = await testWorld('ana');
    world.bitbucket.getBranch.callsFake(async (_credential, _repository, name) => (name === 'main' ? { name, commit: HEAD } : null));
    world.bitbucket.listBranches.resolves([{ name: 'main', commit: HEAD }]);
    await handlers.find((candidate) => candidate.method === 'stackhook/integrations/create')?.invoke(world.as('ana'), integration, scope);
    await handlers.find((candidate) => candidate.method === 'stackhook/spaces/create')?.invoke(world.as('ana'), { name: 'Payments', parentId: 'root', inheritEntities: true }, scope);
    await handlers.find((candidate) => candidate.method === 'stackhook/access/grant')?.invoke(world.as('ana'), { user: 'bo', spaceId: 'payments', role: 'write' }, scope);
  });
  afterEach(() => world.close());

  describe('a stack', () => {
    it('a branch the repository does not have: branch', async () => {
      const refused = await refusal('ana', 'stackhook/stacks/create', { ...newStack, branch: 'mian' });
      assert.deepEqual([refused.kind, refused.field], ['Invalid', 'branch']);
      assert.match(refused.message, /has no branch "mian"/);
    });

    it('a name whose id is taken: name; a name with no letters or digits: name', async () => {
      await handlers.find((candidate) => candidate.method === 'stackhook/stacks/create')?.invoke(world.as('ana'), newStack, scope);
      assert.deepEqual(
        [await refusal('ana', 'stackhook/stacks/create', newStack), await refusal('ana', 'stackhook/stacks/create', { ...newStack, name: '!!' })].map((r) => [r.kind, r.field]),
        [
          ['Conflict', 'name'],
          ['Invalid', 'name'],
        ],
      );
    });

    it('a space the user cannot write to: spaceId', async () => {
      const refused = await refusal('bo', 'stackhook/stacks/create', { ...newStack, spaceId: 'root' });
      assert.deepEqual([refused.kind, refused.field], ['NotFound', 'spaceId']);
      await handlers.find((candidate) => candidate.method === 'stackhook/access/grant')?.invoke(world.as('ana'), { user: 'bo', spaceId: 'root', role: 'read' }, scope);
      const forbidden = await refusal('bo', 'stackhook/stacks/create', { ...newStack, spaceId: 'root' });
      assert.deepEqual([forbidden.kind, forbidden.field], ['Forbidden', 'spaceId']);
    });

    it('a runner a writer may not choose: runner; a project root past its bound: projectRoot', async () => {
      const local = { type: 'local', plan: ['tofu', 'plan'], apply: null };
      const runner = await refusal('bo', 'stackhook/stacks/create', { ...newStack, spaceId: 'payments', runner: local });
      assert.deepEqual([runner.kind, runner.field], ['Forbidden', 'runner']);
      const root = await refusal('ana', 'stackhook/stacks/create', { ...newStack, projectRoot: 'x'.repeat(2_000) });
      assert.deepEqual([root.kind, root.field], ['Invalid', 'projectRoot']);
    });

    it('a branch change of a stack: branch', async () => {
      await handlers.find((candidate) => candidate.method === 'stackhook/stacks/create')?.invoke(world.as('ana'), newStack, scope);
      const refused = await refusal('ana', 'stackhook/stacks/update', { stackId: 'prod-network', branch: 'mian' });
      assert.deepEqual([refused.kind, refused.field], ['Invalid', 'branch']);
    });
  });

  describe('an integration', () => {
    it('a name whose id is taken: name; a second default integration: type', async () => {
      const taken = await refusal('ana', 'stackhook/integrations/create', { ...integration, type: 'space', spaceId: 'payments' });
      assert.deepEqual([taken.kind, taken.field], ['Conflict', 'name']);
      const second = await refusal('ana', 'stackhook/integrations/create', { ...integration, name: 'Acme Other' });
      assert.deepEqual([second.kind, second.field], ['Conflict', 'type']);
    });

    it('a space-level integration without a space: spaceId', async () => {
      const refused = await refusal('ana', 'stackhook/integrations/create', { ...integration, name: 'Payments BB', type: 'space' });
      assert.deepEqual([refused.kind, refused.field], ['Invalid', 'spaceId']);
    });

    it('a username that is not an email: username', async () => {
      const refused = await refusal('ana', 'stackhook/integrations/create', { ...integration, name: 'Other', type: 'space', spaceId: 'payments', username: 'ana' });
      assert.deepEqual([refused.kind, refused.field], ['Invalid', 'username']);
    });

    it('a token Bitbucket refuses or finds too narrow: secret; Bitbucket not reached: no field', async () => {
      const create = { ...integration, name: 'Other', type: 'space', spaceId: 'payments', verify: true };
      const answers = {
        unauthorized: { ok: false, problem: { code: 'unauthorized', message: 'Bitbucket refused the credential of ana@example.com (401).', needsNewCredential: true } },
        'missing-scope': { ok: false, problem: { code: 'missing-scope', message: 'The token lacks read:webhook:bitbucket.', needsNewCredential: true } },
        network: { ok: false, problem: { code: 'network', message: 'Bitbucket could not be reached.', unreachable: true } },
      };
      const fields: Record<string, [string, string | undefined]> = {};
      for (const [code, answer] of Object.entries(answers)) {
        world.bitbucket.testCredential.resolves({ ...answer, curl: 'curl -u ana@example.com:•••••• https://api.bitbucket.org/2.0/user' } as never);
        const refused = await refusal('ana', 'stackhook/integrations/create', create);
        fields[code] = [refused.kind, refused.field];
      }
      assert.deepEqual(fields, { unauthorized: ['Bitbucket', 'secret'], 'missing-scope': ['Bitbucket', 'secret'], network: ['Bitbucket', undefined] });
    });
  });
});
