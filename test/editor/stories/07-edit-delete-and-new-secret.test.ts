// Story 7: what a newcomer used to trip over. Create Stack is one multi-step input (title, step x/y,
// Back that keeps values, Tab that does not close it, the name checked while it is typed); a stack
// can be edited (its branch picked from Bitbucket's) and deleted; and a regenerated webhook secret
// reaches the hooks in Bitbucket, so a delivery signed with the new secret is accepted and one
// signed with the old is refused.
import { strict as assert } from 'node:assert';
import { world } from '../support/environment';
import { configureInDemo, copyWebhookSecretThroughPalette, INTEGRATION, needs, shared, STACK, storyPassed, webhookUrl } from '../support/story';
import { deliver, pushBody } from '../support/webhook';

const SECOND = { name: 'prod-network', repository: 'acme/network', branch: 'develop' } as const;

describe('Story 7: edit and delete stacks, and a new webhook secret that reaches Bitbucket', () => {
  it('creates a second stack through one multi-step input: step x/y, Back keeps values, Tab keeps it open, the name is checked as typed', async function () {
    needs(this, '6');
    const { workbench, bitbucket, page } = world();
    bitbucket.world.addBranch(SECOND.repository, SECOND.branch);
    await workbench.clearNotifications();
    await workbench.runCommand('Stackhook: Create Stack…');
    await workbench.waitForQuickInput(/Create stack.*\(1\/6\)/);
    await workbench.pick(SECOND.repository);
    await workbench.waitForQuickInput(/\(2\/6\)/);
    await workbench.pick(SECOND.branch);
    await workbench.waitForQuickInput(/Project root/);
    await workbench.answer('envs/net');
    await workbench.waitForQuickInput(/On this machine/);
    await workbench.pick('Bitbucket Pipelines');
    await workbench.waitForQuickInput(/Custom pipeline to run/);
    await workbench.answer('stackhook');

    // Tab moves focus out of the quick input; the flow must stay where it is.
    await workbench.waitForQuickInput(/Name of the stack/);
    await page.keyboard.press('Tab');
    await page.waitForTimeout(500);
    await workbench.waitForQuickInput(/Name of the stack/);

    // A name whose id is taken is refused while it is typed, and the guidance stays in view.
    await workbench.type(STACK.name);
    await workbench.quickInput.locator('.quick-input-message', { hasText: 'already has' }).waitFor({ timeout: 15_000 }).catch(async () => {
      throw new Error(`The name step does not refuse "${STACK.name}" as it is typed: ${await workbench.quickInputText()}`);
    });
    await workbench.type(SECOND.name);
    const guidance = workbench.quickInput.locator('.quick-input-message', { hasText: /cannot be changed later.*id: prod-network/ });
    await guidance.waitFor({ timeout: 15_000 }).catch(async () => {
      throw new Error(`The name step lost its guidance or preview: ${await workbench.quickInputMessage()}`);
    });
    await workbench.screenshot('story-7-create-stack-name-step', { docs: true });

    // Back returns to the step before with what was typed, and again to the one before that.
    const back = () => workbench.quickInput.locator('.quick-input-titlebar .action-label[aria-label^="Back"]').click({ timeout: 10_000 });
    await back();
    await workbench.waitForQuickInput(/Custom pipeline to run/);
    assert.equal(await workbench.quickInputValue(), 'stackhook', 'Back keeps the pipeline typed');
    await back();
    await workbench.waitForQuickInput(/On this machine/);
    await back();
    await workbench.waitForQuickInput(/Project root/);
    assert.equal(await workbench.quickInputValue(), 'envs/net', 'Back keeps the project root typed');
    await page.keyboard.press('Enter');
    await workbench.waitForQuickInput(/On this machine/);
    await workbench.pick('Bitbucket Pipelines');
    await workbench.waitForQuickInput(/Custom pipeline to run/);
    await page.keyboard.press('Enter');
    await workbench.waitForQuickInput(/Name of the stack/);
    await workbench.answer(SECOND.name);

    const created = await workbench.waitForNotification(`Stack "${SECOND.name}" created on ${SECOND.repository} @ ${SECOND.branch}`);
    // Story 4 gave acme/network a hook: the message says so instead of asking for one.
    assert.match(created, /webhook is healthy/);
    const row = await workbench.waitForTreeItem('Stacks', SECOND.name);
    assert.match(await workbench.rowText(row), /acme\/network @ develop · envs\/net/);
    storyPassed('7 created');
  });

  it('edits the stack from its context menu: the branch is picked from Bitbucket\'s, the project root kept unless changed', async function () {
    needs(this, '7 created');
    const { workbench } = world();
    await workbench.clearNotifications();
    await workbench.treeItemMenu('Stacks', SECOND.name, 'Edit Stack…');
    await workbench.waitForQuickInput(/Edit stack "prod-network".*\(1\/4\)/, 30_000).catch(async (error: Error) => {
      await workbench.screenshot('failed-story-7-edit-menu');
      throw new Error(`${error.message}; notifications: ${(await workbench.notificationTexts()).join(' | ')}`);
    });
    const offered = await workbench.quickPickLabels();
    for (const branch of ['develop', 'main']) assert.ok(offered.includes(branch), `the branch pick offers ${branch}: ${offered.join(' | ')}`);
    await workbench.pick('main');
    await workbench.waitForQuickInput(/Project root/);
    assert.equal(await workbench.quickInputValue(), 'envs/net');
    await workbench.answer('envs/network');
    await workbench.waitForQuickInput(/On this machine/);
    await workbench.pick('Bitbucket Pipelines');
    await workbench.waitForQuickInput(/Custom pipeline to run/);
    await workbench.answer('stackhook');
    // A confirmation says what the stack now is, not only a status bar word that is gone in seconds.
    await workbench.waitForNotification(/Stack "prod-network" saved: it tracks acme\/network @ main, project root envs\/network, and runs on Bitbucket Pipelines \(stackhook\)\./, 30_000);
    const row = workbench.view('Stacks').locator('.monaco-list-row', { hasText: 'acme/network @ main · envs/network' }).first();
    await row.waitFor({ timeout: 15_000 }).catch(async () => {
      throw new Error(`The Stacks view does not show the edited stack: ${(await workbench.treeLabels('Stacks')).join(' | ')}`);
    });
    await workbench.screenshot('story-7-stack-edited', { docs: true });
    storyPassed('7 edited');
  });

  it('deletes the stack after a confirmation that names it', async function () {
    needs(this, '7 edited');
    const { workbench } = world();
    await workbench.treeItemMenu('Stacks', SECOND.name, 'Delete Stack…');
    const dialog = await workbench.waitForDialog(`Delete the stack "${SECOND.name}"?`);
    assert.match(dialog, /acme\/network @ main/);
    await workbench.screenshot('story-7-delete-stack-dialog', { docs: true });
    await workbench.clickDialogButton('Delete');
    await workbench
      .treeItem('Stacks', SECOND.name)
      .waitFor({ state: 'detached', timeout: 15_000 })
      .catch(() => {
        throw new Error(`The Stacks view still shows ${SECOND.name} after Delete Stack.`);
      });
    await workbench.waitForTreeItem('Stacks', STACK.name);
  });

  it('regenerates the webhook secret, updates the hooks that carry the old one, and Bitbucket\'s deliveries follow', async function () {
    needs(this, '6', '4');
    const { workbench, bitbucket } = world();
    const old = shared.webhookSecret ?? '';
    await workbench.clearNotifications();
    await workbench.runCommand('Stackhook: Regenerate Webhook Secret…');
    await workbench.pick(INTEGRATION.name);
    await workbench.waitForDialog(/Regenerate the webhook secret/);
    await workbench.clickDialogButton('Regenerate');
    const offer = await workbench.waitForNotification(/still carry the old one/);
    assert.match(offer, /2 webhooks still carry the old one/);
    await workbench.screenshot('story-7-regenerated-secret-offer', { docs: true });
    await workbench.clickNotificationButton(/still carry the old one/, 'Update webhooks now');
    await configureInDemo('Webhooks: 2 updated');

    const secret = await copyWebhookSecretThroughPalette();
    assert.notEqual(secret, old);
    for (const fullName of ['acme/infra-live', 'acme/network']) assert.equal(bitbucket.hooks(fullName)[0]?.secret, secret, `${fullName} carries the new secret`);

    const body = pushBody(STACK.repository, STACK.branch, '9'.repeat(40));
    const accepted = await deliver(webhookUrl(), { eventKey: 'repo:push', body, secret });
    assert.equal(accepted.status, 202, `signed with the new secret: ${JSON.stringify(accepted.body)}`);
    const refused = await deliver(webhookUrl(), { eventKey: 'repo:push', body: pushBody(STACK.repository, STACK.branch, '8'.repeat(40)), secret: old });
    assert.equal(refused.status, 401, 'signed with the old secret');
    shared.webhookSecret = secret;
    storyPassed('7');
  });
});
