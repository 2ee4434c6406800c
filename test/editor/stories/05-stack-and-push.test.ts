// Story 5: create a stack; a signed repo:push to its branch reaches the receiver, and the delivery
// with its tracked run shows in the views.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { waitFor } from '../../../scripts/lib/processes';
import { stackhookLogs } from '../support/artifacts';
import { ACCOUNT, world } from '../support/environment';
import { INTEGRATION, needs, shared, STACK, storyPassed, webhookUrl } from '../support/story';
import { deliver, pushBody } from '../support/webhook';

/** The head of the stack's branch in the fake, so the run the push queues runs a commit that exists. */
const headOf = (repository: string, branch: string) => world().bitbucket.world.repository(repository)?.branches.get(branch) ?? '0'.repeat(40);

describe('Story 5: create a stack and push to its branch', () => {
  it('creates the stack from the palette', async function () {
    needs(this, '2');
    const { workbench } = world();
    await workbench.clearNotifications();
    await workbench.runCommand('Stackhook: Create Stack…');
    // The only integration is taken without asking: the flow starts at the repository.
    await workbench.waitForQuickInput(/Create stack.*\(1\/6\)/);
    await workbench.pick(STACK.repository);
    // Branches come from Bitbucket, so a typo cannot be picked.
    await workbench.waitForQuickInput(/\(2\/6\)/);
    await workbench.pick(STACK.branch);
    await workbench.waitForQuickInput(/Project root/);
    await workbench.answer(STACK.projectRoot);
    await workbench.waitForQuickInput(/On this machine/);
    await workbench.pick('Bitbucket Pipelines');
    await workbench.waitForQuickInput(/Custom pipeline to run/);
    await workbench.answer('stackhook');
    await workbench.waitForQuickInput(/Name of the stack/);
    await workbench.answer(STACK.name);
    await workbench.waitForNotification(`Stack "${STACK.name}" created on ${STACK.repository} @ ${STACK.branch}`);

    await workbench.waitForTreeItem('Stacks', INTEGRATION.name);
    const row = await workbench.waitForTreeItem('Stacks', STACK.name);
    assert.match(await workbench.rowText(row), new RegExp(`${STACK.repository} @ ${STACK.branch}`));
    storyPassed('5 stack');
  });

  it('routes a signed push to a tracked run, shown in the Deliveries view', async function () {
    needs(this, '4', '5 stack');
    const { workbench } = world();
    await workbench.clearNotifications();
    const COMMIT = headOf(STACK.repository, STACK.branch);
    const answer = await deliver(webhookUrl(), { eventKey: 'repo:push', body: pushBody(STACK.repository, STACK.branch, COMMIT), secret: shared.webhookSecret ?? null });
    assert.equal(answer.status, 202, `the receiver accepted the delivery: ${JSON.stringify(answer.body)}`);

    const row = await workbench.waitForTreeItem('Deliveries', new RegExp(`repo:push\\s+${STACK.repository}`));
    await row.filter({ hasText: `tracked run on ${STACK.name}` }).waitFor({ timeout: 30_000 }).catch(async () => {
      throw new Error(`The delivery does not say it queued a tracked run on ${STACK.name}: ${await workbench.rowText(row)}`);
    });
    assert.match(await workbench.rowText(row), new RegExp(COMMIT.slice(0, 12)));
    await workbench.screenshot('story-5-push-queues-tracked-run', { docs: true });
    storyPassed('5');
  });

  it('shows the Pull Request Commit Links app under the stack\'s repository, with how to install it when it is missing', async function () {
    needs(this, '5 stack');
    const { workbench, bitbucket } = world();
    const repository = bitbucket.world.repository(STACK.repository);
    assert.ok(repository, `the fake Bitbucket has ${STACK.repository}`);
    repository.commitLinks = 'not-installed';
    try {
      await workbench.runCommand('Stackhook: Refresh');
      await workbench.expandTreeItem('Integrations', INTEGRATION.name);
      await workbench.expandTreeItem('Integrations', 'Repositories');
      await workbench.expandTreeItem('Integrations', ACCOUNT.workspace);
      const slug = STACK.repository.split('/')[1] ?? STACK.repository;
      await workbench.expandTreeItem('Integrations', slug);
      const row = await workbench.waitForTreeItem('Integrations', /Pull Request Commit Links: not installed/, 30_000);
      assert.match(await workbench.rowText(row), /open a commit, then click its pull requests link/);
      // The hook's health, checked again after Refresh, beside it.
      await (await workbench.waitForTreeItem('Integrations', slug)).filter({ hasText: 'webhook ok' }).waitFor({ timeout: 30_000 });
      await workbench.screenshot('story-5-commit-links-not-installed', { docs: true });
    } finally {
      repository.commitLinks = 'installed';
      // The editor keeps what it learned until Refresh: the stories after this one see the app installed.
      await workbench.runCommand('Stackhook: Refresh');
    }
  });

  it('refuses a delivery with a wrong signature, queues nothing, says why in the output and offers the fix', async function () {
    needs(this, '5');
    const { workbench, editor } = world();
    const rowsBefore = await workbench.treeLabels('Deliveries');
    const answer = await deliver(webhookUrl(), { eventKey: 'repo:push', body: pushBody(STACK.repository, STACK.branch, 'f'.repeat(40)), secret: 'not-the-secret' });
    assert.equal(answer.status, 401, `a bad signature is refused (R17): ${JSON.stringify(answer.body)}`);
    // The Stackhook output channel tells the user where to look: the secret on the Bitbucket webhook.
    const output = await waitFor(
      async () => {
        const log = stackhookLogs(editor.userDataDir).find((file) => file.endsWith('Stackhook.log'));
        const text = log ? readFileSync(log, 'utf8') : '';
        return text.includes(answer.requestUuid) ? text : undefined;
      },
      { timeoutMs: 15_000, onTimeout: () => new Error(`The Stackhook output never mentioned the refused delivery ${answer.requestUuid}.`) },
    );
    const line = output.split('\n').find((entry) => entry.includes(answer.requestUuid)) ?? '';
    assert.match(line, /401/);
    assert.match(line, /secret/);
    // The refusal is not recorded, so the editor is told directly, with the actions that fix it.
    const notice = await workbench.waitForNotification(/signature does not match/);
    assert.match(notice, new RegExp(`from ${STACK.repository.replace('/', '\\/')} to "acme-main"`, 'i'));
    await workbench.clearNotifications();
    // R17: it changes nothing — no run, and the delivery list is as it was.
    await workbench.page.waitForTimeout(1_000);
    assert.deepEqual(await workbench.treeLabels('Deliveries'), rowsBefore);
  });
});
