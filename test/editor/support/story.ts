// What the stories share: the one user's names, what an earlier story left behind, and a guard
// that skips a story (saying which one failed) when the story it builds on did not pass.
import type { Context } from 'mocha';
import { ACCOUNT, world } from './environment';

export const INTEGRATION = { name: 'acme-main', id: 'acme-main', labels: 'prod, platform', description: 'The **acme** workspace' } as const;
export const STACK = { name: 'prod-infra', repository: 'acme/infra-live', branch: 'main', projectRoot: 'envs/prod' } as const;
/** The repositories story 4 configures webhooks for; the third one stays without a webhook. */
export const HOOKED = ['acme/infra-live', 'acme/network'] as const;
export const UNHOOKED = 'acme/dns';

/** The exact URL the webhooks of INTEGRATION must point at (R5). */
export function webhookUrl(): string {
  return `${world().receiverUrl}/webhooks/bitbucket-cloud/${INTEGRATION.id}`;
}

/** What one story learns and a later one needs. */
export const shared: { webhookSecret?: string } = {};

const passed = new Set<string>();

/** Marks a step of a story as passed, e.g. `2` or `2 repositories`. */
export function storyPassed(story: string): void {
  passed.add(story);
}

/** Skips the current test when an earlier story it builds on has not passed. */
export function needs(context: Context, ...stories: string[]): void {
  const missing = stories.filter((story) => !passed.has(story));
  if (missing.length > 0) {
    process.stderr.write(`      (skipped: builds on story ${missing.join(' and ')}, which did not pass)\n`);
    context.skip();
  }
}

/**
 * Runs "Stackhook: Create Integration…" and answers each step as a person would, checking on the
 * way that the name step previews the webhook URL and that the token is typed into a password box.
 */
export async function createIntegrationThroughPalette(options: { pressTab?: boolean } = {}): Promise<{ preview: string }> {
  const { workbench, page } = world();
  await workbench.runCommand('Stackhook: Create Integration…');
  const step = async (n: number) => workbench.waitForQuickInput(new RegExp(`\\(${n}/6\\)`));
  await step(1);
  await workbench.type(INTEGRATION.name);
  // The live preview comes from the server: wait for the URL it derives from the name.
  const previewed = workbench.quickInput.locator('.quick-input-message', { hasText: webhookUrl() });
  await previewed.waitFor({ timeout: 15_000 }).catch(async () => {
    throw new Error(`The name step does not preview ${webhookUrl()}; it says: ${await workbench.quickInputMessage()}`);
  });
  const preview = await workbench.quickInputMessage();
  await page.keyboard.press('Enter');
  await step(2);
  await workbench.pick('Default');
  await step(3);
  if (options.pressTab) await tabStaysInWizard(() => step(3));
  await workbench.answer(ACCOUNT.email);
  await step(4);
  const box = workbench.quickInput.locator('.quick-input-box input');
  if ((await box.getAttribute('type')) !== 'password') throw new Error('The API token step is not a password input.');
  await workbench.answer(ACCOUNT.token);
  await step(5);
  await workbench.answer(INTEGRATION.labels);
  await step(6);
  await workbench.answer(INTEGRATION.description);
  return { preview };
}

/**
 * Tab in a step of the wizard: the wizard stays open on that step with what was typed, focus stays
 * inside it (not in the status panel or an editor), and keys typed next reach the step's box.
 */
async function tabStaysInWizard(sameStep: () => Promise<void>): Promise<void> {
  const { workbench, page } = world();
  const typed = ACCOUNT.email.slice(0, 4);
  await workbench.type(typed);
  await page.keyboard.press('Tab');
  await page.waitForTimeout(500);
  await sameStep();
  // A string, evaluated in the page: the tests are compiled without the DOM's types.
  const focus = await page.evaluate<{ inWizard: boolean; what: string }>(
    `(() => { const active = document.activeElement; return { inWizard: !!active && active.closest('.quick-input-widget') !== null, what: active ? active.tagName + '.' + active.className : 'nothing' }; })()`,
  );
  if (!focus.inWizard) throw new Error(`Tab moved focus out of the wizard, to ${focus.what}`);
  await page.keyboard.type('xyz');
  const value = await workbench.quickInputValue();
  if (value !== `${typed}xyz`) throw new Error(`After Tab, the keys typed did not reach the step's box: it holds "${value}" (focus on ${focus.what})`);
  await workbench.screenshot('story-2-tab-stays-in-wizard', { docs: true });
}

/**
 * Configure Webhooks in the demo: the simulated Bitbucket is on this machine, so the loopback public
 * URL counts as reachable and no "Bitbucket cannot deliver" warning stands in the way; the summary follows.
 */
export async function configureInDemo(summary: string): Promise<string> {
  const { workbench } = world();
  const shown = await workbench.waitForNotification(summary, 30_000);
  const warnings = await workbench.page.locator('.monaco-dialog-box', { hasText: /Bitbucket cannot deliver/ }).count();
  if (warnings > 0) throw new Error('Configure Webhooks warned that Bitbucket cannot deliver, in the demo whose Bitbucket can.');
  return shown;
}

/** The webhook secret, read the way an admin would: Copy Webhook Secret. */
export async function copyWebhookSecretThroughPalette(): Promise<string> {
  const { workbench } = world();
  await workbench.runCommand('Stackhook: Copy Webhook Secret');
  await workbench.pick(INTEGRATION.name);
  await workbench.waitForStatusBar(/Webhook secret copied/, 10_000);
  return workbench.clipboard();
}
