// `stackhook/status` tells editors what they must not offer: on a team server started without
// --local-runner, "On this machine" (localRunner: false); one person's process always may run locally.
import { strict as assert } from 'node:assert';
import { status } from '../../../server/operations/status';
import { testWorld } from '../../support/testContext';

describe('operations/status: what editors offer follows the server', () => {
  it('localRunner is false only on a team server without --local-runner', async () => {
    const world = await testWorld('ana');
    try {
      const users = {} as never;
      assert.equal((await status(world.as('ana'))).localRunner, undefined, 'one person\'s process');
      assert.equal((await status({ ...world.as('ana'), team: { users, localRunner: false } })).localRunner, false);
      assert.equal((await status({ ...world.as('ana'), team: { users, localRunner: true } })).localRunner, undefined);
    } finally {
      world.close();
    }
  });
});
