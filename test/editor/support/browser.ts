// Debian's Chromium, driven by playwright-core. The flags keep it off the network (this machine
// refuses outside connections, and Chromium would retry them) and quiet.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { CHROMIUM, stateEnv } from '../../../scripts/lib/editorHost';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  close(): Promise<void>;
}

/** Opens a browser with a context that may read and write the clipboard of `origin`. */
export async function openBrowser(origin: string, viewport = { width: 1440, height: 900 }): Promise<BrowserSession> {
  // Chromium keeps a certificate database and caches under the home folder whatever its profile
  // folder is: it gets a home of its own, removed on close.
  const home = mkdtempSync(path.join(os.tmpdir(), 'stackhook-browser-'));
  const env = { ...process.env, HOME: home, ...stateEnv(home) };
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, env, timeout: 30_000 });
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  return {
    browser,
    context,
    async close() {
      await Promise.race([browser.close(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      rmSync(home, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
