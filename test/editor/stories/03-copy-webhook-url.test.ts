// Story 3: clicking the webhook URL in the tree (and the palette command) puts the exact URL on
// the clipboard.
import { strict as assert } from 'node:assert';
import { waitFor } from '../../../scripts/lib/processes';
import type { Workbench } from '../support/workbench';
import { world } from '../support/environment';
import { INTEGRATION, needs, storyPassed, webhookUrl } from '../support/story';

/** The status bar may still show the previous copy's message, so wait for the clipboard itself. */
async function untilClipboardHolds(workbench: Workbench, expected: string): Promise<void> {
  await waitFor(async () => ((await workbench.clipboard()) === expected ? expected : undefined), {
    timeoutMs: 10_000,
    onTimeout: () => new Error(`The clipboard never held ${expected}.`),
  });
}

describe('Story 3: copy the webhook URL (in the demo, whose Bitbucket reaches this machine)', () => {
  it('puts the exact webhook URL on the clipboard from the tree', async function () {
    needs(this, '2');
    const { workbench } = world();
    await workbench.setClipboard('something else');
    await workbench.clickTreeItem('Integrations', 'Webhook URL');
    await workbench.waitForStatusBar(`Copied ${webhookUrl()}`, 10_000);
    assert.equal(await workbench.clipboard(), webhookUrl());
    await workbench.screenshot('story-3-copy-webhook-url');
  });

  it('does the same from the command palette', async function () {
    needs(this, '2');
    const { workbench } = world();
    await workbench.setClipboard('something else');
    await workbench.runCommand('Stackhook: Copy Webhook URL');
    await workbench.pick(INTEGRATION.name);
    await untilClipboardHolds(workbench, webhookUrl()); // fails the story after 10 s otherwise
    await workbench.waitForStatusBar(`Copied ${webhookUrl()}`, 10_000);
    // …and, in the demo, does not warn that Bitbucket cannot reach the loopback URL: its Bitbucket is on this machine.
    await workbench.page.waitForTimeout(1_000);
    assert.equal(await workbench.notification(/loopback address/).count(), 0, 'no reachability warning in the demo');
    await workbench.clearNotifications();
    storyPassed('3');
  });
});
