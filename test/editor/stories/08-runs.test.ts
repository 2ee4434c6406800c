// Story 8: runs that execute and report back. A pull request runs the Pipelines stack: the fake
// Bitbucket holds the comment on the pull request and the build status on its commit. A push runs a
// stack on this machine, and the run's log opens from the Stacks tree.
import { strict as assert } from 'node:assert';
import { waitFor } from '../../../scripts/lib/processes';
import { statusKey } from '../../../server/runs/reporters/buildStatus';
import { pullRequestBody } from '../../support/pullRequestBody';
import { world } from '../support/environment';
import { needs, shared, STACK, storyPassed, webhookUrl } from '../support/story';
import { deliver, pushBody } from '../support/webhook';

const LOCAL = { name: 'network-local', repository: 'acme/network', branch: 'main' } as const;
const PULL_REQUEST = 21;

describe('Story 8: runs execute and report back', () => {
  it('a pull request runs the Pipelines stack; Bitbucket gets one comment and a SUCCESSFUL status', async function () {
    needs(this, '6', '4');
    const { workbench, bitbucket } = world();
    await workbench.clearNotifications();
    bitbucket.world.addPullRequest(STACK.repository, PULL_REQUEST);
    const commit = bitbucket.pushCommit(STACK.repository, 'feature/nat', { 'envs/prod/nat.tf': '# nat\n' });
    const body = pullRequestBody(STACK.repository, { id: PULL_REQUEST, source: 'feature/nat', destination: STACK.branch, commit });
    const answer = await deliver(webhookUrl(), { eventKey: 'pullrequest:created', body, secret: shared.webhookSecret ?? null });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    const repository = bitbucket.world.repository(STACK.repository);
    const comment = await waitFor(async () => repository?.pullRequests.get(PULL_REQUEST)?.[0], {
      timeoutMs: 60_000,
      onTimeout: () => new Error('No comment reached the pull request.'),
    });
    assert.match(comment.raw, /stack \*\*prod-infra\*\* · proposed run/);
    assert.match(comment.raw, /Plan: 1 to add, 0 to change, 0 to destroy\./);
    const status = await waitFor(async () => {
      const found = repository?.statuses.get(commit)?.get(statusKey('prod-infra', 'proposed'));
      return found?.state === 'SUCCESSFUL' ? found : undefined;
    }, { timeoutMs: 30_000, onTimeout: () => new Error('The commit has no SUCCESSFUL build status.') });
    assert.match(status.url, /\/pipelines\/results\/\d+$/);
    assert.equal(repository?.pullRequests.get(PULL_REQUEST)?.length, 1);
    const row = await workbench.waitForTreeItem('Stacks', STACK.name);
    await row.filter({ hasText: /finished/ }).waitFor({ timeout: 30_000 }).catch(async () => {
      throw new Error(`The Stacks view does not show the finished run on ${STACK.name}: ${await workbench.rowText(row)}`);
    });
    await workbench.screenshot('story-8-pipelines-run', { docs: true });
    storyPassed('8 pipelines');
  });

  it('a push runs a stack on this machine, and its log opens from the Stacks tree', async function () {
    needs(this, '6', '4');
    const { workbench, bitbucket, page } = world();
    await workbench.clearNotifications();
    await workbench.runCommand('Stackhook: Create Stack…');
    // The only integration is taken without asking; branches come from Bitbucket.
    await workbench.waitForQuickInput(/Create stack.*\(1\/6\)/);
    await workbench.pick(LOCAL.repository);
    await workbench.waitForQuickInput(/\(2\/6\)/);
    await workbench.pick(LOCAL.branch);
    await workbench.waitForQuickInput(/Project root/);
    await workbench.answer('');
    await workbench.waitForQuickInput(/On this machine/);
    await workbench.pick('On this machine');
    // Not OpenTofu (the default for a new stack): this stack runs its own plan command.
    await workbench.waitForQuickInput(/Custom commands/);
    await workbench.pick('Custom commands');
    await workbench.waitForQuickInput(/Plan command/);
    // The Node that runs the tests prints the plan: no Terraform on this machine.
    await workbench.answer(`${process.execPath} plan.js`);
    await workbench.waitForQuickInput(/Apply command/);
    await workbench.answer('');
    await workbench.waitForQuickInput(/Name of the stack/);
    await workbench.answer(LOCAL.name);
    await workbench.waitForNotification(`Stack "${LOCAL.name}" created on ${LOCAL.repository} @ ${LOCAL.branch}`);
    await workbench.clearNotifications();

    const head = bitbucket.world.repository(LOCAL.repository)?.branches.get(LOCAL.branch) ?? '';
    const answer = await deliver(webhookUrl(), { eventKey: 'repo:push', body: pushBody(LOCAL.repository, LOCAL.branch, head), secret: shared.webhookSecret ?? null });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    const row = await workbench.waitForTreeItem('Stacks', LOCAL.name);
    await row.filter({ hasText: /Plan: 2 to add, 0 to change, 1 to destroy\./ }).waitFor({ timeout: 60_000 }).catch(async () => {
      throw new Error(`The Stacks view does not show the plan line on ${LOCAL.name}: ${await workbench.rowText(row)}`);
    });
    await workbench.expandTreeItem('Stacks', LOCAL.name);
    await workbench.clickTreeItem('Stacks', new RegExp(`tracked · ${head.slice(0, 12)}`));
    // The editor renders spaces as no-break spaces: match any white space.
    const editor = page.locator('.editor-instance .view-lines').first();
    await editor.filter({ hasText: /Plan:\s2\sto\sadd,\s0\sto\schange,\s1\sto\sdestroy\./ }).waitFor({ timeout: 30_000 }).catch(async () => {
      throw new Error(`The run's log did not open: ${await editor.innerText().catch(() => '(no editor)')}`);
    });
    assert.match(await page.locator('.tabs-container .tab.active').innerText(), /\.log/);
    assert.equal(bitbucket.world.repository(LOCAL.repository)?.statuses.get(head)?.get(statusKey(LOCAL.name, 'tracked'))?.state, 'SUCCESSFUL');
    await workbench.screenshot('story-8-local-run-log', { docs: true });
    storyPassed('8');
  });
});
