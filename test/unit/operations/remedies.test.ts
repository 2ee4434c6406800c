import { strict as assert } from 'node:assert';
import * as integrations from '../../../server/operations/integrations';
import { scope, testWorld } from '../../support/testContext';

const CURL = 'curl -u ana@example.com:•••••• https://api.bitbucket.org/2.0/user';
const params = { name: 'Acme Main', type: 'default' as const, username: 'ana@example.com', secret: 'ATATT-remedies' };

describe('operations: what a Bitbucket failure calls for, said by the server', () => {
  it('a refused credential needs a new one and carries the masked curl; nothing says to save it unchecked', async () => {
    const world = await testWorld('ana');
    try {
      world.bitbucket.testCredential.resolves({ ok: false, problem: { code: 'unauthorized', message: 'Bitbucket refused the credential.' }, curl: CURL });
      const error = await integrations.createIntegration(world.as('ana'), params, scope).then(() => undefined, (e: { data?: Record<string, unknown> }) => e);
      assert.deepEqual(error?.data, { kind: 'Bitbucket', problem: 'unauthorized', needsNewCredential: true, unreachable: false, curl: CURL, field: 'secret' });
    } finally {
      world.close();
    }
  });

  it('Bitbucket not reached: unreachable, and no new credential is asked for', async () => {
    const world = await testWorld('ana');
    try {
      world.bitbucket.testCredential.resolves({ ok: false, problem: { code: 'network', message: 'ECONNREFUSED' }, curl: CURL });
      const error = await integrations.createIntegration(world.as('ana'), params, scope).then(() => undefined, (e: { data?: Record<string, unknown> }) => e);
      assert.equal(error?.data?.unreachable, true);
      assert.equal(error?.data?.needsNewCredential, false);
      const test = await integrations.testIntegration(world.as('ana'), { username: 'ana@example.com', secret: 'x' }, scope);
      assert.deepEqual(test.problem, { code: 'network', message: 'ECONNREFUSED', needsNewCredential: false, unreachable: true });
    } finally {
      world.close();
    }
  });
});
