// A stack's project root is a folder inside the repository: Create and Edit Stack refuse an absolute
// path or one through "..", in words, naming the field, before anything is asked of Bitbucket or
// saved; the editor says the same while the root is typed (the rule is the protocol's, one for both).
import { strict as assert } from 'node:assert';
import * as integrations from '../../../server/operations/integrations';
import * as stacks from '../../../server/operations/stacks';
import { projectRootProblem } from '../../../server/protocol';
import { scope, testWorld, type TestWorld } from '../../support/testContext';

describe('operations/stacks: project roots stay inside the repository', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await testWorld('ana');
    await integrations.createIntegration(world.as('ana'), { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-roots', verify: false }, scope);
  });
  afterEach(() => world.close());

  const create = (projectRoot: string) =>
    stacks.createStack(world.as('ana'), { name: 'Prod Network', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/network', branch: 'main', projectRoot }, scope);

  it('the rule: relative folders are fine; "..", absolute paths, backslashes and control characters are not', () => {
    for (const fine of ['', 'envs/prod', './envs/prod', 'a..b/c', 'envs/prod/']) assert.equal(projectRootProblem(fine), undefined, fine);
    assert.match(projectRootProblem('../etc') ?? '', /leaves the repository/);
    assert.match(projectRootProblem('envs/../../etc') ?? '', /leaves the repository/);
    assert.match(projectRootProblem('/etc') ?? '', /absolute path/);
    assert.match(projectRootProblem('C:/infra') ?? '', /absolute path/);
    assert.match(projectRootProblem('~/infra') ?? '', /absolute path/);
    assert.match(projectRootProblem('envs\\prod') ?? '', /forward slashes/);
    assert.match(projectRootProblem('envs/\u202eprod') ?? '', /text-direction/);
  });

  it('Create Stack refuses ../etc before asking Bitbucket, naming the field, and saves nothing', async () => {
    await assert.rejects(create('../etc'), (error: Error & { kind?: string; extra?: { field?: string } }) => {
      assert.equal(error.kind, 'Invalid');
      assert.equal(error.extra?.field, 'projectRoot');
      assert.match(error.message, /"\.\.\/etc" leaves the repository.*Nothing was saved\./);
      return true;
    });
    assert.equal(world.bitbucket.getRepository.callCount, 0, 'Bitbucket was not asked');
    assert.deepEqual(await stacks.listStacks(world.as('ana')), []);
  });

  it('Edit Stack refuses it too, and the stack keeps its root', async () => {
    await create('envs/prod');
    await assert.rejects(stacks.updateStack(world.as('ana'), { stackId: 'prod-network', projectRoot: '/etc' }, scope), /absolute path/);
    assert.equal((await stacks.listStacks(world.as('ana')))[0]?.projectRoot, 'envs/prod');
  });
});
