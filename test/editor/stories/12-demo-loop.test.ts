// Story 12: the demo's whole loop, from the palette alone. The demo commands make the simulated
// Bitbucket commit on a stack's branch and open a pull request; Bitbucket sends the signed
// deliveries; the runs they start post their comment on the pull request and their build statuses
// on the commits; and every "Open in Bitbucket" lands on a page of the simulated Bitbucket that
// shows them. Then the pull request is commented on, approved and merged, each a delivery.
import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { waitFor } from '../../../scripts/lib/processes';
import { statusKey } from '../../../server/runs/reporters/buildStatus';
import { DOCS_IMAGES_DIR, RESULTS_DIR } from '../support/artifacts';
import { world } from '../support/environment';
import { needs, storyPassed } from '../support/story';

/** The stack story 8 made: runs on this machine, on acme/network @ main, at the repository's root. */
const LOCAL = { name: 'network-local', repository: 'acme/network', branch: 'main' } as const;
const SOURCE = 'feature/nat-gateways';

/** A page of the simulated Bitbucket, captured like the workbench (docs/images/ when asked). */
async function screenshotPage(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(RESULTS_DIR, `${name}.png`), fullPage: false });
  if (process.env.STACKHOOK_UPDATE_DOCS_IMAGES === '1') await page.screenshot({ path: path.join(DOCS_IMAGES_DIR, `${name}.png`), fullPage: false });
}

const headOf = (branch: string) => world().bitbucket.world.repository(LOCAL.repository)?.branches.get(branch) ?? '';

describe('Story 12: the demo\'s loop — push, run, comment and status — from the palette', () => {
  it('Demo: Make a Commit… on a stack\'s branch sends a signed push; the run it starts finishes and sets the commit\'s build status', async function () {
    needs(this, '8');
    const { workbench, bitbucket } = world();
    await workbench.clearNotifications();
    const before = headOf(LOCAL.branch);
    await workbench.runCommand('Stackhook: Demo: Make a Commit…');
    await workbench.pick(LOCAL.name);
    await workbench.waitForQuickInput(/commit message/);
    await workbench.answer('Raise the NAT gateway count');
    const said = await workbench.waitForNotification(/Committed [0-9a-f]{12} on acme\/network @ main\. Bitbucket sent repo:push\./, 30_000);
    const commit = headOf(LOCAL.branch);
    assert.notEqual(commit, before, 'the branch moved');
    assert.match(said, new RegExp(commit.slice(0, 12)));
    // The delivery, the tracked run it queued, and the build status it set: all from the one command.
    const delivery = await workbench.waitForTreeItem('Deliveries', new RegExp(`repo:push\\s+${LOCAL.repository}`), 30_000);
    await delivery.filter({ hasText: commit.slice(0, 12) }).waitFor({ timeout: 30_000 }).catch(async () => {
      throw new Error(`The newest delivery is not the push of ${commit.slice(0, 12)}: ${await workbench.rowText(delivery)}`);
    });
    assert.match(await workbench.rowText(delivery), new RegExp(`tracked run on ${LOCAL.name}`));
    const status = await waitFor(async () => {
      const found = bitbucket.world.repository(LOCAL.repository)?.statuses.get(commit)?.get(statusKey(LOCAL.name, 'tracked'));
      return found?.state === 'SUCCESSFUL' ? found : undefined;
    }, { timeoutMs: 60_000, onTimeout: () => new Error(`The commit ${commit} has no SUCCESSFUL build status from ${LOCAL.name}.`) });
    assert.ok(status);
    await workbench.expandTreeItem('Stacks', LOCAL.name);
    await workbench.waitForTreeItem('Stacks', new RegExp(`tracked · ${commit.slice(0, 12)}`), 30_000);
    await workbench.screenshot('story-12-demo-commit-runs', { docs: true });

    // The commit's page in the simulated Bitbucket shows the build status Stackhook set.
    const page = await world().browser.context.newPage();
    try {
      await page.goto(`${bitbucket.origin}/${LOCAL.repository}/commits/${commit}`);
      await page.getByText(statusKey(LOCAL.name, 'tracked')).first().waitFor({ timeout: 10_000 });
      assert.match(await page.locator('body').innerText(), /SUCCESSFUL/);
      await screenshotPage(page, 'story-12-demo-commit-page');
    } finally {
      await page.close();
    }
    storyPassed('12 commit');
  });

  it('Demo: Open or Update a Pull Request… opens one; its proposed run comments on it, shown on the pull request\'s page', async function () {
    needs(this, '12 commit');
    const { workbench, bitbucket } = world();
    await workbench.clearNotifications();
    await workbench.runCommand('Stackhook: Demo: Open or Update a Pull Request…');
    await workbench.pick(LOCAL.name);
    await workbench.waitForQuickInput(/The branch to merge into main/);
    await workbench.answer(SOURCE);
    const said = await workbench.waitForNotification(/Opened pull request #\d+ from feature\/nat-gateways into main\. Bitbucket sent repo:push, pullrequest:created\./, 30_000);
    const id = Number(/#(\d+)/.exec(said)?.[1]);
    const pull = () => bitbucket.pullRequests.get(LOCAL.repository, id);
    const comment = await waitFor(async () => pull().comments.find((entry) => /proposed run/.test(entry.raw)), {
      timeoutMs: 60_000,
      onTimeout: () => new Error(`No Stackhook comment reached pull request #${id}: ${JSON.stringify(pull().comments.map((entry) => entry.raw))}`),
    });
    assert.match(comment.raw, new RegExp(`stack \\*\\*${LOCAL.name}\\*\\*`));
    await workbench.waitForTreeItem('Deliveries', /pullrequest:created/, 30_000);
    await workbench.screenshot('story-12-demo-pull-request-runs', { docs: true });

    const page = await world().browser.context.newPage();
    try {
      await page.goto(`${bitbucket.origin}/${LOCAL.repository}/pull-requests/${id}`);
      await page.getByText(/proposed run/).first().waitFor({ timeout: 10_000 });
      await screenshotPage(page, 'story-12-demo-pull-request-page');
    } finally {
      await page.close();
    }
    storyPassed('12 pull request');
  });

  it('Demo: Comment on, Approve and Merge a Pull Request… each send their delivery; the merge pushes the destination', async function () {
    needs(this, '12 pull request');
    const { workbench, bitbucket } = world();
    const id = Math.max(...[...(bitbucket.world.repository(LOCAL.repository)?.pulls.keys() ?? [])]);
    const pickPull = async () => workbench.pick(`#${id} Change ${SOURCE}`);

    await workbench.clearNotifications();
    await workbench.runCommand('Stackhook: Demo: Comment on a Pull Request…');
    await pickPull();
    await workbench.waitForQuickInput(/What the reviewer says/);
    await workbench.answer('Why three NAT gateways?');
    await workbench.waitForNotification(`Commented on pull request #${id}. Bitbucket sent pullrequest:comment_created.`, 30_000);
    assert.equal(bitbucket.pullRequests.get(LOCAL.repository, id).comments.at(-1)?.raw, 'Why three NAT gateways?');

    await workbench.runCommand('Stackhook: Demo: Approve a Pull Request…');
    await pickPull();
    await workbench.waitForNotification(`Approved pull request #${id}. Bitbucket sent pullrequest:approved.`, 30_000);
    await workbench.waitForTreeItem('Deliveries', /pullrequest:approved/, 30_000);

    await workbench.runCommand('Stackhook: Demo: Merge a Pull Request…');
    await pickPull();
    await workbench.waitForNotification(`Merged pull request #${id} into main. Bitbucket sent pullrequest:fulfilled, repo:push.`, 30_000);
    assert.equal(bitbucket.pullRequests.get(LOCAL.repository, id).state, 'MERGED');
    await workbench.waitForTreeItem('Deliveries', /pullrequest:fulfilled/, 30_000);
    storyPassed('12');
  });
});
