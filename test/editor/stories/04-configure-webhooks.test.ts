// Story 4: configure webhooks for two repositories. Bitbucket then holds one hook on each, with
// the seven events, the integration's URL and its webhook secret; the tree shows them healthy.
import { strict as assert } from 'node:assert';
import { world } from '../support/environment';
import { configureInDemo, copyWebhookSecretThroughPalette, HOOKED, INTEGRATION, needs, shared, storyPassed, UNHOOKED, webhookUrl } from '../support/story';

/** R14: exactly these events. */
const EVENTS = [
  'pullrequest:approved',
  'pullrequest:comment_created',
  'pullrequest:created',
  'pullrequest:fulfilled',
  'pullrequest:unapproved',
  'pullrequest:updated',
  'repo:push',
];

describe('Story 4: configure webhooks for two repositories', () => {
  it('creates one hook on each with the seven events, the URL and the secret', async function () {
    needs(this, '2');
    const { workbench, bitbucket } = world();
    await workbench.clearNotifications();
    await workbench.runCommand('Stackhook: Configure Webhooks…');
    await workbench.pick(INTEGRATION.name);
    await workbench.pickMany([...HOOKED]);
    // The stories' public URL is a loopback address, which the demo's Bitbucket on this machine reaches.
    await configureInDemo('Webhooks: 2 created');

    const secret = await copyWebhookSecretThroughPalette();
    assert.ok(secret.length >= 16, 'the webhook secret is long enough to be a secret');
    shared.webhookSecret = secret;

    for (const fullName of HOOKED) {
      const hooks = bitbucket.hooks(fullName);
      assert.equal(hooks.length, 1, `${fullName} has exactly one hook`);
      const hook = hooks[0]!;
      assert.equal(hook.url, webhookUrl());
      assert.deepEqual([...hook.events].sort(), EVENTS);
      assert.equal(hook.active, true);
      assert.equal(hook.secret, secret, `${fullName}'s hook carries the integration's webhook secret`);
    }
    assert.equal(bitbucket.hooks(UNHOOKED).length, 0, `${UNHOOKED} was not picked and has no hook`);
    storyPassed('4');
  });

  it('shows the two repositories healthy in the tree', async function () {
    needs(this, '4');
    const { workbench } = world();
    for (const fullName of HOOKED) {
      const row = workbench.treeItem('Integrations', fullName.split('/')[1]!);
      await row.filter({ hasText: 'webhook ok' }).waitFor({ timeout: 30_000 }).catch(async () => {
        throw new Error(`${fullName} does not show a healthy webhook: ${await workbench.rowText(row)}`);
      });
    }
    assert.match(await workbench.rowText(workbench.treeItem('Integrations', UNHOOKED.split('/')[1]!)), /no webhook/);
    await workbench.screenshot('story-4-webhooks-configured', { docs: true });
  });
});
