// Story 11: Bitbucket stops accepting the integration's API token (it was revoked). Test Connection
// says so, and the refusal stays where a person looks: the integration's row ("token refused"),
// the status bar. Replace Token explains a refused token as Create does (Edit and Copy curl, never
// Save without checking), reopens the token box, and once Bitbucket accepts the new token the marks go.
import { strict as assert } from 'node:assert';
import { ACCOUNT, world } from '../support/environment';
import { INTEGRATION, needs, storyPassed } from '../support/story';

const NEW_TOKEN = 'ATATT3xFfGF0-e2e-new-token-9876543210';

describe('Story 11: a token Bitbucket refuses stays visible until it is replaced', () => {
  it('Test Connection marks the integration: "token refused" on its row and in the status bar', async function () {
    needs(this, '2');
    const { workbench, bitbucket } = world();
    const user = bitbucket.world.users.find((candidate) => candidate.email === ACCOUNT.email);
    assert.ok(user, 'the story user is in the fake Bitbucket');
    // The old token is revoked; a new one exists that the person has not given Stackhook yet.
    user.credentials = user.credentials.map((credential) => (credential.secret === ACCOUNT.token ? { ...credential, secret: NEW_TOKEN } : credential));
    await workbench.clearNotifications();
    await workbench.runCommand('Stackhook: Test Connection');
    await workbench.pick(INTEGRATION.name);
    await workbench.waitForDialog(/refused|did not accept|401/i, 30_000);
    const dialog = await workbench.waitForDialog(/./);
    assert.match(dialog, /Replace Token/);
    await workbench.clickDialogButton('Copy curl');

    const row = await workbench.waitForTreeItem('Integrations', INTEGRATION.name);
    await row.filter({ hasText: 'token refused' }).waitFor({ timeout: 30_000 }).catch(async () => {
      throw new Error(`The integration's row does not say its token was refused: ${await workbench.rowText(row)}`);
    });
    await workbench.waitForStatusBar(/1 token refused/, 30_000);
    await workbench.screenshot('story-11-token-refused', { docs: true });
    storyPassed('11 refused');
  });

  it('Replace Token: a wrong token gets Edit and Copy curl (no Save without checking), Edit reopens the token box, and the right one clears the marks', async function () {
    needs(this, '11 refused');
    const { workbench, page } = world();
    await workbench.clearNotifications();
    await workbench.treeItemMenu('Integrations', INTEGRATION.name, 'Replace Token…');
    await workbench.waitForQuickInput(/New API token/);
    assert.equal(await workbench.quickInput.locator('.quick-input-box input').getAttribute('type'), 'password');
    await workbench.answer('ATATT3xFfGF0-still-wrong-0000');
    const refusal = await workbench.waitForDialog(/did not accept the credential/, 30_000);
    assert.doesNotMatch(refusal, /Save without checking/);
    assert.match(refusal, /Copy curl/);
    await workbench.clickDialogButton('Edit');
    await workbench.waitForQuickInput(/New API token/);
    assert.equal(await workbench.quickInput.locator('.quick-input-box input').getAttribute('type'), 'password', 'Edit reopens the token box, never the email box');
    await workbench.answer(NEW_TOKEN);
    await workbench.waitForNotification(`Integration "${INTEGRATION.name}" updated: Bitbucket accepted the new API token.`, 30_000);

    const row = workbench.treeItem('Integrations', INTEGRATION.name);
    await page.waitForTimeout(1_000);
    await row.filter({ hasNotText: 'token refused' }).waitFor({ timeout: 30_000 }).catch(async () => {
      throw new Error(`The row still says the token was refused: ${await workbench.rowText(row)}`);
    });
    const bar = await workbench.statusBarTexts();
    assert.ok(!bar.some((text) => /token refused/.test(text)), `the status bar no longer says so: ${bar.join(' | ')}`);
    storyPassed('11');
  });
});
