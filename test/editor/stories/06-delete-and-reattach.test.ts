// Story 6: deleting the integration detaches its stack — the modal says so first; afterwards the
// status bar, the Stacks view and the status panel show it, and a run is refused. Recreating the
// integration with the same name brings back the same webhook URL, and Reattach all reattaches.
import { strict as assert } from 'node:assert';
import { world } from '../support/environment';
import { createIntegrationThroughPalette, INTEGRATION, needs, shared, STACK, storyPassed, webhookUrl } from '../support/story';
import { deliver, pushBody } from '../support/webhook';

const COMMIT = '7c3e9a1f0b2d4c6e8a0f1b3d5c7e9a1b2c4d6e8f';

describe('Story 6: delete the integration, then recreate it and reattach', () => {
  it('lists the stack in the delete dialog, then shows it detached everywhere', async function () {
    needs(this, '5 stack');
    const { workbench } = world();
    await workbench.clearNotifications();
    await workbench.runCommand('Stackhook: Delete Integration…');
    await workbench.pick(INTEGRATION.name);
    const dialog = await workbench.waitForDialog(`Delete the integration "${INTEGRATION.name}"?`);
    assert.match(dialog, new RegExp(`These stacks will be detached: ${STACK.name}`));
    await workbench.screenshot('story-6-delete-dialog', { docs: true });
    await workbench.clickDialogButton('Delete');

    const status = await workbench.waitForStatusBar(/1 detached/);
    assert.match(status, /1 detached/);
    await workbench.waitForTreeItem('Stacks', 'Detached (1)');
    const row = await workbench.waitForTreeItem('Stacks', STACK.name);
    assert.match(await workbench.rowText(row), new RegExp(`was on "${INTEGRATION.name}"`));
    storyPassed('6 detached');
  });

  it('lists the detached stack in the status panel', async function () {
    needs(this, '6 detached');
    const { workbench } = world();
    await workbench.runCommand('Stackhook: Show Status Panel');
    const panel = await workbench.webview(/Stackhook/);
    const detached = panel.locator('#detached li', { hasText: STACK.name });
    await detached.waitFor({ timeout: 15_000 }).catch(async () => {
      throw new Error(`The status panel does not list ${STACK.name} as detached: ${await panel.locator('body').innerText()}`);
    });
    assert.match(await detached.innerText(), new RegExp(`"${INTEGRATION.name}"`));
    assert.equal(await detached.locator('button', { hasText: 'Reattach' }).count(), 1, 'the detached stack has a Reattach button');
    await workbench.screenshot('story-6-status-panel', { docs: true });
  });

  it('refuses to trigger a run of the detached stack, with a clear message', async function () {
    needs(this, '6 detached');
    const { workbench } = world();
    await workbench.clearNotifications();
    await workbench.runCommand('Stackhook: Trigger Run');
    await workbench.pick(STACK.name);
    const message = await workbench.waitForNotification(/cannot run/, 15_000);
    assert.match(message, new RegExp(`"${STACK.name}" is detached`));
    const fix = workbench.notification(/cannot run/).locator('.monaco-button', { hasText: 'Reattach stack' });
    assert.equal(await fix.count(), 1, `the refusal offers the fix: ${message}`);
    await workbench.screenshot('story-6-trigger-run-refused');
  });

  it('recreates the integration with the same webhook URL and reattaches the stack', async function () {
    needs(this, '6 detached');
    const { workbench } = world();
    await workbench.clearNotifications();
    await workbench.closeQuickInput();
    // The helper checks that the name step previews the same webhook URL as before (R13).
    await createIntegrationThroughPalette();
    const offer = await workbench.waitForNotification(/same webhook URL as before/);
    assert.match(offer, /1 stack detached/);
    await workbench.clickNotificationButton(/same webhook URL as before/, 'Reattach all');
    await workbench.waitForNotification(`1 stack reattached to "${INTEGRATION.name}".`);

    await workbench.waitForTreeItem('Stacks', INTEGRATION.name);
    await workbench
      .treeItem('Stacks', /^Detached/)
      .waitFor({ state: 'detached', timeout: 15_000 })
      .catch(() => {
        throw new Error('The Stacks view still shows a Detached group after Reattach all.');
      });
    await workbench.page
      .locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: /detached/ })
      .waitFor({ state: 'detached', timeout: 15_000 })
      .catch(() => {
        throw new Error('The status bar still shows detached stacks after Reattach all.');
      });
    await workbench.expandTreeItem('Integrations', INTEGRATION.name);
    assert.match(await workbench.rowText(await workbench.waitForTreeItem('Integrations', 'Webhook URL')), /webhooks\/bitbucket-cloud\/acme-main/);
    assert.equal(new URL(webhookUrl()).pathname, `/webhooks/bitbucket-cloud/${INTEGRATION.id}`);
    await workbench.screenshot('story-6-reattached', { docs: true });
    storyPassed('6');
  });

  it("takes Bitbucket's existing webhooks again: a push signed as before queues a run (R13)", async function () {
    needs(this, '6', '4');
    const { workbench } = world();
    // The hooks in Bitbucket were never edited: same URL, same secret as before the delete.
    const answer = await deliver(webhookUrl(), { eventKey: 'repo:push', body: pushBody(STACK.repository, STACK.branch, COMMIT), secret: shared.webhookSecret ?? null });
    assert.equal(answer.status, 202, `the recreated integration accepts the old hook's delivery: ${JSON.stringify(answer.body)}`);
    const row = workbench.view('Deliveries').locator('.monaco-list-row', { hasText: COMMIT.slice(0, 12) }).first();
    await row.waitFor({ timeout: 30_000 }).catch(async () => {
      throw new Error(`The Deliveries view does not show the new push: ${(await workbench.treeLabels('Deliveries')).join(' | ')}`);
    });
    assert.match(await workbench.rowText(row), new RegExp(`tracked run on ${STACK.name}`));
  });
});
