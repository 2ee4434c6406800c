// Story 2: create an integration from the command palette with an email and an API token; it
// appears in the tree, and its repositories load with their webhook health.
import { strict as assert } from 'node:assert';
import { ACCOUNT, world } from '../support/environment';
import { createIntegrationThroughPalette, INTEGRATION, needs, storyPassed, webhookUrl } from '../support/story';

describe('Story 2: create an integration from the command palette', () => {
  it('checks the credentials, saves it and shows it in the Integrations view', async function () {
    needs(this, '1');
    const { workbench, bitbucket } = world();
    const before = bitbucket.count('GET', '/user');
    // With the status panel open, as when a newcomer follows it: Tab must not send keys there.
    await workbench.runCommand('Stackhook: Show Status Panel');
    await workbench.webview(/Stackhook status/);
    const { preview } = await createIntegrationThroughPalette({ pressTab: true });
    assert.match(preview, new RegExp(`id: ${INTEGRATION.id}`));
    await workbench.waitForNotification(`Integration "${INTEGRATION.name}" created.`);
    assert.ok(bitbucket.count('GET', '/user') > before, 'the credentials were checked with Bitbucket before saving');
    await workbench.runCommand('View: Close All Editors');

    const row = await workbench.waitForTreeItem('Integrations', INTEGRATION.name);
    assert.match(await workbench.rowText(row), /default/);
    await workbench.expandTreeItem('Integrations', INTEGRATION.name);
    const url = await workbench.waitForTreeItem('Integrations', 'Webhook URL');
    assert.match(await workbench.rowText(url), new RegExp(webhookUrl().replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    const email = await workbench.waitForTreeItem('Integrations', 'Email');
    assert.match(await workbench.rowText(email), new RegExp(ACCOUNT.email));
    assert.match(await workbench.rowText(await workbench.waitForTreeItem('Integrations', 'Labels')), /prod, platform/);
    storyPassed('2');
  });

  it('loads the repositories with their webhook health', async function () {
    needs(this, '2');
    const { workbench } = world();
    await workbench.clearNotifications();
    await workbench.expandTreeItem('Integrations', 'Repositories');
    await workbench.expandTreeItem('Integrations', ACCOUNT.workspace);
    for (const fullName of ACCOUNT.repositories) {
      const slug = fullName.split('/')[1] ?? fullName;
      const row = await workbench.waitForTreeItem('Integrations', slug);
      // No repository has a webhook yet: once checked, each says so.
      await row.filter({ hasText: 'no webhook' }).waitFor({ timeout: 30_000 }).catch(async () => {
        throw new Error(`${fullName} does not show its webhook health: ${await workbench.rowText(row)}`);
      });
    }
    await workbench.screenshot('story-2-integration-and-repositories', { docs: true });
    storyPassed('2 repositories');
  });
});
