import { strict as assert } from 'node:assert';
import * as integrations from '../../../server/operations/integrations';
import * as repositories from '../../../server/operations/repositories';
import { previewIntegration } from '../../../server/operations/preview';
import { status } from '../../../server/operations/status';
import { webhookUrlProblem } from '../../../server/registry/reachability';
import { kindOf, scope, testWorld } from '../../support/testContext';

describe('registry/reachability: webhook URLs Bitbucket cannot reach', () => {
  it('loopback addresses, in every spelling', () => {
    for (const url of ['http://127.0.0.1:8787/webhooks', 'http://localhost:3000', 'https://[::1]:8443/x', 'http://127.8.0.1']) {
      assert.match(webhookUrlProblem(url) ?? '', /loopback/, url);
    }
  });

  it('private ranges', () => {
    for (const url of ['https://10.1.2.3', 'https://172.20.0.4', 'https://192.168.1.10', 'https://169.254.1.1', 'https://[fd00::1]', 'https://build.local']) {
      assert.match(webhookUrlProblem(url) ?? '', /private network/, url);
    }
    assert.equal(webhookUrlProblem('https://172.32.0.1'), undefined, '172.32/16 is public');
  });

  it('plain http to a public host, and says how to fix each with stackhook.publicUrl', () => {
    assert.match(webhookUrlProblem('http://hooks.example.com') ?? '', /plain http/);
    assert.match(webhookUrlProblem('http://127.0.0.1') ?? '', /stackhook\.publicUrl/);
    assert.equal(webhookUrlProblem('https://hooks.example.com/webhooks/bitbucket-cloud/acme-main'), undefined);
  });

  it('the demo exception: against the demo\'s simulated Bitbucket on this machine, the receiver\'s loopback address counts as reachable, and status says it is the demo', async () => {
    assert.equal(webhookUrlProblem('http://127.0.0.1:8787/webhooks', true), undefined);
    const world = await testWorld('ana');
    try {
      const local = { ...world.as('ana'), publicUrl: 'http://127.0.0.1:8787' };
      const demo = { ...local, demo: true, bitbucketWeb: 'http://127.0.0.1:9999' };
      assert.match((await status(local)).publicUrlProblem ?? '', /loopback/, 'outside the demo the same address is refused');
      assert.equal((await status(local)).demo, undefined);
      const shown = await status(demo);
      assert.equal(shown.publicUrlProblem, undefined);
      assert.deepEqual(shown.demo, { bitbucket: 'http://127.0.0.1:9999' });
      await integrations.createIntegration(world.as('ana'), { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-demo', verify: false }, scope);
      assert.equal((await repositories.webhookSettings(demo, { integrationId: 'acme-main' })).urlProblem, undefined);
      assert.equal((await integrations.getIntegration(demo, { id: 'acme-main' })).webhookUrlProblem, undefined);
      assert.equal((await previewIntegration(demo, { name: 'Acme Ops' })).urlProblem, undefined);
    } finally {
      world.close();
    }
  });

  it('status and webhooks/settings say so; settings gives the URL, the secret and the seven events to admins only', async () => {
    const world = await testWorld('ana');
    try {
      const local = { ...world.as('ana'), publicUrl: 'http://127.0.0.1:8787' };
      assert.match((await status(local)).publicUrlProblem ?? '', /loopback/);
      assert.equal((await status(world.as('ana'))).publicUrlProblem, undefined);
      await integrations.createIntegration(world.as('ana'), { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-settings', verify: false }, scope);
      const settings = await repositories.webhookSettings(local, { integrationId: 'acme-main' });
      assert.equal(settings.url, 'http://127.0.0.1:8787/webhooks/bitbucket-cloud/acme-main');
      assert.equal(settings.secret, (await integrations.webhookSecret(world.as('ana'), { id: 'acme-main' })).secret);
      assert.equal(settings.events.length, 7);
      assert.match(settings.urlProblem ?? '', /loopback/);
      assert.notEqual(await kindOf(() => repositories.webhookSettings(world.as('bo'), { integrationId: 'acme-main' })), 'allowed');
      // …and wherever the URL is shown: the integration's details and the name preview.
      assert.match((await integrations.getIntegration(local, { id: 'acme-main' })).webhookUrlProblem ?? '', /loopback/);
      assert.equal((await integrations.getIntegration(world.as('ana'), { id: 'acme-main' })).webhookUrlProblem, undefined);
      assert.match((await previewIntegration(local, { name: 'Acme Ops' })).urlProblem ?? '', /loopback/);
    } finally {
      world.close();
    }
  });
});
