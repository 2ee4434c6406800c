// Story 10: plans you can trust, in the editor. A stack on this machine runs OpenTofu (the stand-in
// `tofu`, replaying recorded real output: docs/standin-tofu.md) on a repository whose commits hold,
// in turn, a configuration that destroys a resource, one that replaces one, and one with a sensitive
// value. The person adds a secret variable (shown as "set"), reads each plan in the Stacks tree,
// grouped by action with its reason, reads Confirm's words before applying, and opens a resource's
// before/after diff, where the sensitive value is "(sensitive)".
import { strict as assert } from 'node:assert';
import { fixtureFiles, standinFiles } from '../../support/standinTofu';
import { world } from '../support/environment';
import { needs, storyPassed } from '../support/story';

const REPOSITORY = 'acme/plans';
const STACK_NAME = 'prod-plans';
const CASES = { destroy: 'opentofu-show-json/basic-delete', replace: 'opentofu-show-json/requires-replace', sensitive: 'opentofu-show-json/sensitive-values' } as const;
const SECRET = { name: 'TF_VAR_db_password', value: 'hunter2-story-10-secret' } as const;

/** Replaces the configuration at the repository's root by the case's (`null` deletes a file the case has not). */
function configurationOf(caseId: string, previous?: string): Record<string, string | null> {
  const files: Record<string, string | null> = {};
  if (previous) for (const file of Object.keys(fixtureFiles(previous))) files[file] = null;
  return { ...files, ...fixtureFiles(caseId) };
}

describe('Story 10: an OpenTofu stack\'s plan in the editor', () => {
  it('creates a stack that runs OpenTofu here, and a secret variable shows as "set", never its value', async function () {
    needs(this, '6');
    const { workbench, bitbucket, page } = world();
    bitbucket.world.addRepository(REPOSITORY, { isPrivate: true, mainBranch: 'main' });
    bitbucket.pushCommit(REPOSITORY, 'main', { ...configurationOf(CASES.destroy), ...standinFiles(Object.values(CASES)) });
    await workbench.clearNotifications();
    await workbench.runCommand('Stackhook: Create Stack…');
    await workbench.waitForQuickInput(/Create stack/);
    await workbench.pick(REPOSITORY);
    await workbench.waitForQuickInput(/main branch/);
    await workbench.pick('main');
    await workbench.waitForQuickInput(/Project root/);
    await workbench.answer('');
    await workbench.waitForQuickInput(/On this machine/);
    await workbench.pick('On this machine');
    // A new stack runs OpenTofu unless told otherwise; every step of it is counted.
    await workbench.waitForQuickInput(/\(5\/11\)[\s\S]*Custom commands/);
    await workbench.pick('OpenTofu');
    await workbench.waitForQuickInput(/\(6\/11\)[\s\S]*OpenTofu program to run/);
    await workbench.answer('bin/tofu');
    await workbench.waitForQuickInput(/Workspace to select/);
    await workbench.answer('');
    await workbench.waitForQuickInput(/Var files/);
    await workbench.answer('');
    await workbench.waitForQuickInput(/Extra arguments for plan/);
    await workbench.answer('');
    await workbench.waitForQuickInput(/Wait for Confirm/);
    await workbench.pick('Wait for Confirm');
    await workbench.waitForQuickInput(/\(11\/11\)[\s\S]*Name of the stack/);
    await workbench.answer(STACK_NAME);
    await workbench.waitForNotification(`Stack "${STACK_NAME}" created on ${REPOSITORY} @ main`);
    await workbench.clearNotifications();

    await workbench.treeItemMenu('Stacks', STACK_NAME, 'Add Variable…');
    await workbench.waitForQuickInput(/Name of the environment variable/);
    await workbench.answer(SECRET.name);
    await workbench.waitForQuickInput(/Write-only/);
    await workbench.pick('Secret');
    await workbench.waitForQuickInput(/secret: it is never shown again/);
    const box = workbench.quickInput.locator('.quick-input-box input');
    assert.equal(await box.getAttribute('type'), 'password', 'a secret is typed where it is not shown');
    await workbench.answer(SECRET.value);
    await workbench.expandTreeItem('Stacks', STACK_NAME);
    await workbench.expandTreeItem('Stacks', 'Variables');
    const variable = await workbench.waitForTreeItem('Stacks', SECRET.name);
    const shown = await workbench.rowText(variable);
    assert.match(shown, /^TF_VAR_db_password\s*set$/);
    assert.doesNotMatch(await page.content(), new RegExp(SECRET.value), 'the value is nowhere on the page');
    storyPassed('10 stack');
  });

  it('a destroy, then a replace, each grouped with its reason; Confirm says what it applies; a sensitive value stays masked in the diff', async function () {
    needs(this, '10 stack');
    const { workbench, bitbucket, page } = world();
    const waitingRun = async (commit: string) => {
      await workbench.treeItemMenu('Stacks', STACK_NAME, 'Trigger Run');
      // A pick of the stack, should the menu's Enter have run the command a second time without its item.
      await workbench.closeQuickInput();
      await workbench.expandTreeItem('Stacks', STACK_NAME);
      const row = await workbench.waitForTreeItem('Stacks', new RegExp(`tracked · ${commit.slice(0, 12)}`), 60_000);
      await row.filter({ hasText: /waiting for confirmation/ }).waitFor({ timeout: 60_000 }).catch(async () => {
        throw new Error(`The run of ${commit.slice(0, 12)} does not wait for confirmation: ${await workbench.rowText(row)}`);
      });
      return row;
    };

    // The first commit destroys a resource the configuration no longer has.
    const first = bitbucket.world.repository(REPOSITORY)?.branches.get('main') ?? '';
    await workbench.expandTreeItem('Stacks', STACK_NAME);
    await waitingRun(first);
    await workbench.expandTreeItem('Stacks', new RegExp(`tracked · ${first.slice(0, 12)}`));
    const destroyed = await workbench.waitForTreeItem('Stacks', 'test_instance.test-delete');
    assert.match(await workbench.rowText(destroyed), /delete_because_no_resource_config/);
    await workbench.waitForTreeItem('Stacks', /^1 to destroy/);
    await workbench.waitForTreeItem('Stacks', /^1 to change/);

    await workbench.clearNotifications();
    await workbench.treeItemMenu('Stacks', new RegExp(`tracked · ${first.slice(0, 12)}`), 'Confirm Run (Apply)');
    const question = await workbench.waitForDialog(/Apply to/);
    assert.match(question, /Apply to prod-plans: 1 to change, 1 to destroy \(test_instance\.test-delete\)\?/);
    await workbench.screenshot('story-10-confirm-says-what-it-applies', { docs: true });
    await workbench.clickDialogButton('Apply');
    const applied = await workbench.waitForTreeItem('Stacks', new RegExp(`tracked · ${first.slice(0, 12)}`));
    await applied.filter({ hasText: /finished/ }).waitFor({ timeout: 60_000 }).catch(async () => {
      throw new Error(`The confirmed run did not finish: ${await workbench.rowText(applied)}`);
    });

    // The next commit changes what forces a replace.
    const second = bitbucket.pushCommit(REPOSITORY, 'main', configurationOf(CASES.replace, CASES.destroy));
    await waitingRun(second);
    await workbench.expandTreeItem('Stacks', new RegExp(`tracked · ${second.slice(0, 12)}`));
    await workbench.waitForTreeItem('Stacks', /^1 to replace/);
    const replaced = workbench.view('Stacks').locator('.monaco-list-row', { hasText: /replace_because_cannot_update/ }).first();
    await replaced.waitFor({ timeout: 15_000 }).catch(async () => {
      throw new Error(`No replaced resource with its reason: ${(await workbench.treeLabels('Stacks')).join(' | ')}`);
    });
    assert.match(await workbench.rowText(replaced), /test_instance\.test.*replace_because_cannot_update · forced by ami/);
    await workbench.clearNotifications();
    await workbench.screenshot('story-10-plan-in-the-stacks-view', { docs: true });
    await workbench.treeItemMenu('Stacks', new RegExp(`tracked · ${second.slice(0, 12)}`), 'Discard Run');

    // The last commit creates a resource with a sensitive value: the diff shows it masked.
    const third = bitbucket.pushCommit(REPOSITORY, 'main', configurationOf(CASES.sensitive, CASES.replace));
    await waitingRun(third);
    await workbench.expandTreeItem('Stacks', new RegExp(`tracked · ${third.slice(0, 12)}`));
    await workbench.expandTreeItem('Stacks', /^1 to add/);
    // Runs are listed newest first: the first such row is this run's.
    const rows = workbench.view('Stacks').locator('.monaco-list-row', { hasText: /^test_instance\.test$/ });
    await rows.first().click();
    const diff = page.locator('.monaco-diff-editor').first();
    await diff.waitFor({ timeout: 30_000 }).catch(async () => {
      throw new Error(`No diff editor opened: ${await page.locator('.tabs-container').innerText().catch(() => '(no tabs)')}`);
    });
    // The editor renders spaces as no-break spaces: match any white space.
    await diff.filter({ hasText: /"ami":\s"\(sensitive\)"/ }).waitFor({ timeout: 30_000 }).catch(async () => {
      throw new Error(`The diff does not show the masked value: ${await diff.innerText().catch(() => '(unreadable)')}`);
    });
    assert.match(await page.locator('.tabs-container .tab.active').innerText(), /test_instance\.test/);
    await workbench.clearNotifications();
    await workbench.screenshot('story-10-sensitive-value-masked-in-the-diff', { docs: true });
    await workbench.treeItemMenu('Stacks', new RegExp(`tracked · ${third.slice(0, 12)}`), 'Discard Run');
    storyPassed('10');
  });
});
