// Drives the VS Code workbench in code-server the way a person does: the command palette, quick
// inputs, the Stackhook views, dialogs, notifications, the status bar, the clipboard. Every wait
// has a timeout, and a failed wait says what it was looking for.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';
import type { Editor } from '../../../scripts/lib/editorHost';
import { DOCS_IMAGES_DIR, RESULTS_DIR, slug } from './artifacts';

// Generous, because CI machines are slower than a developer's and may be busy.
const SHORT = 15_000;
const LONG = 60_000;

export type ViewName = 'Integrations' | 'Stacks' | 'Deliveries';

export class Workbench {
  constructor(
    readonly page: Page,
    readonly editor: Editor,
  ) {}

  /** Opens the workbench and waits until it is ready for input. */
  async open(): Promise<void> {
    await this.page.goto(this.editor.url, { timeout: LONG });
    await this.page.locator('.monaco-workbench').waitFor({ timeout: LONG });
    await this.page.locator('#workbench\\.parts\\.statusbar').waitFor({ timeout: LONG });
    // The extension host starts after the window; its status bar entries come with it.
    await this.page.locator('.part.activitybar').waitFor({ timeout: LONG });
  }

  // ---- command palette and quick input -------------------------------------------------------

  get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  private get quickInputBox(): Locator {
    return this.quickInput.locator('.quick-input-box input');
  }

  /** Runs a palette command by its full title, e.g. `Stackhook: Create Integration…`. */
  async runCommand(title: string): Promise<void> {
    await this.closeQuickInput();
    await this.page.keyboard.press('F1');
    await this.quickInput.waitFor({ state: 'visible', timeout: SHORT });
    await this.quickInputBox.fill(`>${title}`);
    const row = this.quickInput.locator('.monaco-list-row', { has: this.page.locator('.label-name', { hasText: exactly(title) }) }).first();
    await row.waitFor({ timeout: SHORT }).catch(async () => {
      throw new Error(`The command palette has no command "${title}". It shows: ${await this.quickPickLabels().then((labels) => labels.join(' | '))}`);
    });
    // The palette may re-render its list under the pointer (a "similar commands" group arriving),
    // and a click on a row being replaced is lost; a palette that ran its command no longer shows it.
    for (let attempt = 1; ; attempt += 1) {
      await row.click();
      const ran = await row.waitFor({ state: 'hidden', timeout: 3_000 }).then(() => true, () => false);
      if (ran) return;
      if (attempt === 3) throw new Error(`The command palette did not run "${title}" after ${attempt} clicks. It shows: ${await this.quickInputText()}`);
    }
  }

  /** Waits for a quick input (a step of a multi-step input) whose title or prompt contains `text`. */
  async waitForQuickInput(text: string | RegExp, timeout = SHORT): Promise<void> {
    await this.quickInput.waitFor({ state: 'visible', timeout });
    await this.quickInput
      .filter({ hasText: text })
      .waitFor({ timeout })
      .catch(async () => {
        throw new Error(`Expected a quick input about ${String(text)}, but it shows: ${await this.quickInputText()}`);
      });
  }

  /** Types into the quick input's box (replacing what is there) and accepts with Enter. */
  async answer(value: string): Promise<void> {
    await this.quickInput.waitFor({ state: 'visible', timeout: SHORT });
    await this.quickInputBox.fill(value);
    await this.page.keyboard.press('Enter');
  }

  /** Types into the quick input's box without accepting (to see live validation or previews). */
  async type(value: string): Promise<void> {
    await this.quickInput.waitFor({ state: 'visible', timeout: SHORT });
    await this.quickInputBox.fill(value);
  }

  /** Picks the item whose label is `label` in the open quick pick. */
  async pick(label: string): Promise<void> {
    const row = this.quickPickRow(label);
    await row.waitFor({ timeout: LONG }).catch(async () => {
      throw new Error(`The quick pick has no item "${label}". It shows: ${(await this.quickPickLabels()).join(' | ')}`);
    });
    await row.click();
  }

  /** In a multi-select quick pick, ticks the items with these labels (leaving others as they are), then accepts with OK. */
  async pickMany(labels: string[]): Promise<void> {
    for (const label of labels) {
      const row = this.quickPickRow(label);
      await row.waitFor({ timeout: LONG }).catch(async () => {
        throw new Error(`The quick pick has no item "${label}". It shows: ${(await this.quickPickLabels()).join(' | ')}`);
      });
      if ((await row.getAttribute('aria-checked')) !== 'true') await row.locator('.monaco-checkbox').click({ timeout: SHORT });
      await this.page.waitForFunction((element) => element?.getAttribute('aria-checked') === 'true', await row.elementHandle(), { timeout: SHORT });
    }
    await this.quickInput.locator('.quick-input-action .monaco-button', { hasText: exactly('OK') }).click({ timeout: SHORT });
  }

  /** The labels of the ticked items of the open multi-select quick pick. */
  async checkedLabels(): Promise<string[]> {
    return this.quickInput.locator('.monaco-list-row[aria-checked="true"] .label-name').allInnerTexts();
  }

  /** The items of the open quick pick whose label is `label`. */
  quickPickRow(label: string): Locator {
    return this.quickInput.locator('.monaco-list-row', { has: this.page.locator('.label-name', { hasText: exactly(label) }) }).first();
  }

  async quickPickLabels(): Promise<string[]> {
    return this.quickInput.locator('.monaco-list-row .label-name').allInnerTexts().catch(() => []);
  }

  /** Everything the quick input shows now: title, prompt, validation message, items. */
  async quickInputText(): Promise<string> {
    if (!(await this.quickInput.isVisible())) return '(no quick input is open)';
    return (await this.quickInput.innerText()).replace(/\s+/g, ' ').trim();
  }

  /** What the quick input's box holds now (a value kept from before, or typed). */
  async quickInputValue(): Promise<string> {
    return this.quickInputBox.inputValue();
  }

  /** The validation or prompt message under the quick input's box. */
  async quickInputMessage(): Promise<string> {
    return (await this.quickInput.locator('.quick-input-message').innerText().catch(() => '')).trim();
  }

  async closeQuickInput(): Promise<void> {
    if (await this.quickInput.isVisible()) {
      await this.page.keyboard.press('Escape');
      await this.quickInput.waitFor({ state: 'hidden', timeout: SHORT }).catch(() => undefined);
    }
  }

  // ---- the Stackhook views -------------------------------------------------------------------

  /** Opens the Stackhook container from the activity bar, as a person would. */
  async openStackhook(): Promise<void> {
    const button = this.page.locator('.part.activitybar .action-item a.action-label[aria-label^="Stackhook"]').first();
    await button.waitFor({ timeout: LONG }).catch(() => {
      throw new Error('The activity bar has no Stackhook item: the extension is not installed or its manifest is wrong.');
    });
    const item = button.locator('xpath=..');
    if (!((await item.getAttribute('class')) ?? '').includes('checked')) await button.click();
    await this.view('Integrations').waitFor({ timeout: SHORT });
  }

  /** Drags the side bar's edge so it is `width` pixels wide (long labels stay readable in screenshots). */
  async resizeSidebar(width: number): Promise<void> {
    const box = await this.page.locator('.part.sidebar').boundingBox();
    if (!box) return;
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width + 2, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width, y, { steps: 5 });
    await this.page.mouse.up();
  }

  /** The pane (header and body) of one Stackhook view. */
  view(name: ViewName): Locator {
    return this.page.locator('.part.sidebar .pane', { has: this.page.locator('.pane-header', { hasText: exactly(name.toUpperCase(), 'i') }) }).first();
  }

  /** Expands a view's pane when it is collapsed. */
  async expandView(name: ViewName): Promise<Locator> {
    const pane = this.view(name);
    const header = pane.locator('.pane-header').first();
    await header.waitFor({ timeout: SHORT });
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    return pane;
  }

  /** The welcome content a view shows when it is empty (text and buttons). */
  welcome(name: ViewName): Locator {
    return this.view(name).locator('.welcome-view-content');
  }

  /** A tree row in a view, by its label (exact) or a pattern. */
  treeItem(name: ViewName, label: string | RegExp): Locator {
    const text = typeof label === 'string' ? exactly(label) : label;
    return this.view(name).locator('.monaco-list-row', { has: this.page.locator('.label-name', { hasText: text }) }).first();
  }

  async waitForTreeItem(name: ViewName, label: string | RegExp, timeout = LONG): Promise<Locator> {
    await this.expandView(name);
    const row = this.treeItem(name, label);
    await row.waitFor({ timeout }).catch(async () => {
      throw new Error(`The ${name} view has no item ${String(label)}. It shows: ${(await this.treeLabels(name)).join(' | ') || '(nothing)'}`);
    });
    return row;
  }

  async clickTreeItem(name: ViewName, label: string | RegExp): Promise<Locator> {
    const row = await this.waitForTreeItem(name, label);
    await row.click();
    return row;
  }

  /** Expands a tree item (a no-op when it is expanded already). */
  async expandTreeItem(name: ViewName, label: string | RegExp): Promise<Locator> {
    const row = await this.waitForTreeItem(name, label);
    if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
    return row;
  }

  /** Runs a command from a tree item's context menu. */
  async treeItemMenu(name: ViewName, label: string | RegExp, command: string): Promise<void> {
    const row = await this.waitForTreeItem(name, label);
    await row.click({ button: 'right' });
    const entry = this.page.locator('.context-view .action-item', { has: this.page.locator('.action-label', { hasText: exactly(command) }) }).first();
    await entry.waitFor({ timeout: SHORT }).catch(async () => {
      const shown = await this.page.locator('.context-view .action-label').allInnerTexts().catch(() => []);
      throw new Error(`The context menu of ${String(label)} has no "${command}". It shows: ${shown.join(' | ')}`);
    });
    // A menu ignores a click that comes too soon after it opened (the release of the right click).
    await entry.hover();
    await this.page.waitForTimeout(300);
    await entry.click();
    // A menu that took the click fades out; only one still open after that ignored it. Pressing Enter
    // while it fades would run the command a second time (without its item, so it asks which one).
    const menu = this.page.locator('.context-view .monaco-menu');
    const closed = await menu.waitFor({ state: 'hidden', timeout: 1_500 }).then(
      () => true,
      () => false,
    );
    if (!closed) {
      await this.page.keyboard.press('Enter');
      await menu.waitFor({ state: 'hidden', timeout: SHORT }).catch(() => undefined);
    }
  }

  /** Clicks an inline action button (the icons on hover) of a tree item, by its title. */
  async treeItemAction(name: ViewName, label: string | RegExp, actionTitle: string): Promise<void> {
    const row = await this.waitForTreeItem(name, label);
    await row.hover();
    await row.locator(`.actions .action-label[aria-label="${actionTitle}"]`).click({ timeout: SHORT });
  }

  async treeLabels(name: ViewName): Promise<string[]> {
    return this.view(name).locator('.monaco-list-row').allInnerTexts().then(
      (texts) => texts.map((text) => text.replace(/\s+/g, ' ').trim()),
      () => [],
    );
  }

  /** The row's label, description and tooltip text as one line, for assertions. */
  async rowText(row: Locator): Promise<string> {
    return (await row.innerText()).replace(/\s+/g, ' ').trim();
  }

  // ---- dialogs, notifications, status bar, clipboard, output ---------------------------------

  get dialog(): Locator {
    return this.page.locator('.monaco-dialog-box');
  }

  async waitForDialog(text: string | RegExp, timeout = SHORT): Promise<string> {
    await this.dialog.filter({ hasText: text }).waitFor({ timeout });
    return (await this.dialog.innerText()).replace(/\s+/g, ' ').trim();
  }

  async clickDialogButton(label: string): Promise<void> {
    await this.dialog.locator('.monaco-button', { hasText: exactly(label) }).first().click({ timeout: SHORT });
  }

  /** A notification toast whose message contains `text`. */
  notification(text: string | RegExp): Locator {
    return this.page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  }

  async waitForNotification(text: string | RegExp, timeout = LONG): Promise<string> {
    const toast = this.notification(text);
    await toast.waitFor({ timeout }).catch(async () => {
      throw new Error(`No notification about ${String(text)}. Shown: ${(await this.notificationTexts()).join(' | ') || '(none)'}`);
    });
    return (await toast.innerText()).replace(/\s+/g, ' ').trim();
  }

  async notificationTexts(): Promise<string[]> {
    return this.page.locator('.notifications-toasts .notification-toast').allInnerTexts().then((texts) => texts.map((text) => text.replace(/\s+/g, ' ').trim()));
  }

  async clickNotificationButton(text: string | RegExp, button: string): Promise<void> {
    await this.notification(text).locator('.monaco-button', { hasText: exactly(button) }).first().click({ timeout: SHORT });
  }

  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
  }

  /** The text of every status bar item (codicons dropped), left to right. */
  async statusBarTexts(): Promise<string[]> {
    return this.page.locator('#workbench\\.parts\\.statusbar .statusbar-item').allInnerTexts().then((texts) => texts.map((text) => text.trim()).filter(Boolean));
  }

  /** Stackhook's status bar item (created as `stackhook.status`). */
  stackhookStatusItem(): Locator {
    return this.page.locator('#workbench\\.parts\\.statusbar .statusbar-item[id$="stackhook.status"]').first();
  }

  async waitForStatusBar(text: string | RegExp, timeout = LONG): Promise<string> {
    const item = this.page.locator('#workbench\\.parts\\.statusbar .statusbar-item', { hasText: text }).first();
    await item.waitFor({ timeout }).catch(async () => {
      throw new Error(`The status bar shows no ${String(text)}. It shows: ${(await this.statusBarTexts()).join(' | ')}`);
    });
    return (await item.innerText()).trim();
  }

  /** What is on the clipboard (the browser context may read it). */
  async clipboard(): Promise<string> {
    await this.page.bringToFront();
    // Evaluated in the page, where `navigator` exists (this file is type-checked without the DOM).
    return this.page.evaluate<string>('navigator.clipboard.readText()');
  }

  async setClipboard(text: string): Promise<void> {
    await this.page.evaluate(`navigator.clipboard.writeText(${JSON.stringify(text)})`);
  }

  /** The webview frame of the editor tab titled `title` (e.g. the status panel). */
  async webview(title: string | RegExp, timeout = LONG): Promise<Frame> {
    await this.page.locator('.tabs-container .tab', { hasText: title }).first().waitFor({ timeout });
    const deadline = Date.now() + timeout;
    for (;;) {
      for (const frame of this.page.frames()) {
        if (frame.name() === 'active-frame' || frame.url().includes('fake.html')) {
          const body = await frame.locator('body').innerText({ timeout: 1_000 }).catch(() => '');
          if (body.trim() !== '') return frame;
        }
      }
      if (Date.now() > deadline) throw new Error(`The webview "${String(title)}" did not render within ${timeout / 1000}s.`);
      await this.page.waitForTimeout(250);
    }
  }

  // ---- screenshots ---------------------------------------------------------------------------

  /**
   * Saves a screenshot to test-results/editor/<name>.png, and to docs/images/<name>.png too when
   * `docs` is set and STACKHOOK_UPDATE_DOCS_IMAGES=1 (so a test run never changes tracked files by itself).
   */
  async screenshot(name: string, options: { docs?: boolean } = {}): Promise<string> {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `${slug(name)}.png`);
    await this.page.mouse.move(0, 0).catch(() => undefined);
    await this.page.screenshot({ path: file, timeout: SHORT });
    if (options.docs && process.env.STACKHOOK_UPDATE_DOCS_IMAGES === '1') {
      mkdirSync(DOCS_IMAGES_DIR, { recursive: true });
      await this.page.screenshot({ path: path.join(DOCS_IMAGES_DIR, `${slug(name)}.png`), timeout: SHORT });
    }
    return file;
  }
}

/** A pattern matching `text` exactly (trimmed), for locators that would otherwise match substrings. */
export function exactly(text: string, flags = ''): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, flags);
}
