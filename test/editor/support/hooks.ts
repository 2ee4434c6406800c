// Mocha root hooks for the editor stories: start the world once before the first story, and
// after a failing test leave what is needed to see why — a screenshot, the tail of code-server's
// log and of Stackhook's output — and print where they are.
import * as path from 'node:path';
import type { Context } from 'mocha';
import { tail } from '../../../scripts/lib/processes';
import { keepLogs, slug, stackhookLogs, tailOf } from './artifacts';
import { startWorld, world, type World } from './environment';

let started: World | null = null;

export const mochaHooks = {
  async beforeAll(this: Context) {
    this.timeout(10 * 60_000); // a fresh machine installs the host first
    started = await startWorld();
  },

  async afterEach(this: Context) {
    const test = this.currentTest;
    if (!started || !test || test.state !== 'failed') return;
    const lines: string[] = [`\n==== diagnostics for "${test.fullTitle()}" ====`];
    try {
      const shot = await world().workbench.screenshot(`failed-${slug(test.fullTitle())}`);
      lines.push(`screenshot: ${shot}`);
    } catch (error) {
      lines.push(`(no screenshot: ${error instanceof Error ? error.message : String(error)})`);
    }
    const workbench = world().workbench;
    lines.push(`notifications: ${(await workbench.notificationTexts().catch(() => [])).join(' | ') || '(none)'}`);
    lines.push(`quick input: ${await workbench.quickInputText().catch(() => '?')}`);
    lines.push(`status bar: ${(await workbench.statusBarTexts().catch(() => [])).join(' | ')}`);
    lines.push(tail(world().editor.logFile, 30));
    for (const file of stackhookLogs(world().editor.userDataDir)) lines.push(tailOf(file, 40));
    process.stderr.write(`${lines.join('\n')}\n====\n`);
  },

  async afterAll(this: Context) {
    this.timeout(60_000);
    if (!started) return;
    const kept = keepLogs(started.editor.userDataDir);
    if (kept) process.stderr.write(`editor logs kept in ${path.relative(process.cwd(), kept)}\n`);
    await started.stop();
    started = null;
  },
};
