// Story 1: a new user opens the Stackhook sidebar; the welcome view offers to set up an integration.
import { strict as assert } from 'node:assert';
import { world } from '../support/environment';
import { storyPassed } from '../support/story';

describe('Story 1: a new user opens the Stackhook sidebar', () => {
  it('offers to set up an integration', async () => {
    const { workbench } = world();
    await workbench.openStackhook();
    await workbench.resizeSidebar(480);
    const welcome = workbench.welcome('Integrations').filter({ hasText: /Bitbucket Cloud/ }).first();
    await welcome.waitFor({ timeout: 60_000 });
    assert.match(await welcome.innerText(), /API token/);
    const button = welcome.locator('.monaco-button', { hasText: 'Set Up an Integration' });
    assert.equal(await button.count(), 1, 'the welcome view has a "Set Up an Integration" button');
    // The Stacks view explains why it is empty too.
    assert.match(await workbench.welcome('Stacks').first().innerText(), /needs an integration/);
    await workbench.screenshot('story-1-welcome', { docs: true });
    storyPassed('1');
  });
});
