// Story 3: clicking the webhook URL in the tree (and the palette command) puts the exact URL on
// the clipboard.
import { strict as assert } from 'node:assert';
import { world } from '../support/environment';
import { INTEGRATION, needs, storyPassed, webhookUrl } from '../support/story';

describe('Story 3: copy the webhook URL', () => {
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
    await workbench.waitForStatusBar(`Copied ${webhookUrl()}`, 10_000);
    assert.equal(await workbench.clipboard(), webhookUrl());
    storyPassed('3');
  });
});
