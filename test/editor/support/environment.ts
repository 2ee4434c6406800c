// The world the editor stories run in: a fake Bitbucket Cloud on loopback seeded with a
// workspace, code-server with the packaged Stackhook installed and pointed at it, and Chromium
// showing the workbench. One world for the whole run: the stories follow one user, in order.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { installHost, startEditor, type Editor } from '../../../scripts/lib/editorHost';
import { freePort } from '../../../scripts/lib/processes';
import { startFakeBitbucket, type FakeBitbucket } from '../../support/fakeBitbucket';
import { openBrowser, type BrowserSession } from './browser';
import { RESULTS_DIR } from './artifacts';
import { Workbench } from './workbench';

/** The Bitbucket account the stories sign in with. */
export const ACCOUNT = {
  email: 'ana@example.com',
  displayName: 'Ana Silva',
  token: 'ATATT3xFfGF0-e2e-token-0123456789',
  workspace: 'acme',
  repositories: ['acme/infra-live', 'acme/network', 'acme/dns'],
  /** Who comments on and approves pull requests in the demo stories. */
  reviewer: 'bo@example.com',
} as const;

/** What the runs stories run: a custom pipeline on acme/infra-live, a plan that needs no Terraform on acme/network. */
export const RUNS_SEED = {
  pipelinesYaml: 'pipelines:\n  custom:\n    stackhook:\n      - step:\n          name: Stackhook run\n          script:\n            - tofu plan -input=false -no-color\n',
  planJs: "console.log('Refreshing state... [id=vpc-0a1b2c3d]');\nconsole.log('Plan: 2 to add, 0 to change, 1 to destroy.');\n",
} as const;

export interface World {
  bitbucket: FakeBitbucket;
  editor: Editor;
  browser: BrowserSession;
  page: Page;
  workbench: Workbench;
  /** The Stackhook store the extension uses. */
  store: string;
  /** Where the extension's webhook receiver listens, and the public URL it was given. */
  receiverUrl: string;
  stop(options?: { keepFiles?: boolean }): Promise<void>;
}

let current: World | null = null;

export function world(): World {
  if (!current) throw new Error('The editor world is not started (test/editor/support/hooks.ts starts it before the stories).');
  return current;
}

export async function startWorld(): Promise<World> {
  const vsix = process.env.STACKHOOK_VSIX;
  if (!vsix) throw new Error('STACKHOOK_VSIX is not set: run the editor tests with `npm run test:editor`, which packages Stackhook first.');
  mkdirSync(RESULTS_DIR, { recursive: true });
  const paths = await installHost();
  const cleanups: Array<() => Promise<void>> = [];
  try {
    // The stories are a newcomer's first day in the demo: the simulated Bitbucket takes the demo commands.
    const bitbucket = await startFakeBitbucket({ demo: { author: ACCOUNT.email, reviewer: ACCOUNT.reviewer } });
    cleanups.push(() => bitbucket.stop());
    bitbucket.world.addUser({ email: ACCOUNT.email, displayName: ACCOUNT.displayName, token: ACCOUNT.token, workspaces: { [ACCOUNT.workspace]: 'admin' } });
    bitbucket.world.addUser({ email: ACCOUNT.reviewer, displayName: 'Bo Reviewer', workspaces: { [ACCOUNT.workspace]: 'member' } });
    for (const fullName of ACCOUNT.repositories) bitbucket.world.addRepository(fullName, { isPrivate: true, mainBranch: 'main' });
    bitbucket.pushCommit('acme/infra-live', 'main', { 'bitbucket-pipelines.yml': RUNS_SEED.pipelinesYaml, 'envs/prod/main.tf': '# prod\n' });
    bitbucket.pushCommit('acme/network', 'main', { 'plan.js': RUNS_SEED.planJs, 'main.tf': '# network\n' });

    const store = mkdtempSync(path.join(os.tmpdir(), 'stackhook-e2e-store-'));
    cleanups.push(async () => rmSync(store, { recursive: true, force: true }));
    const receiverPort = await freePort();
    const receiverUrl = `http://127.0.0.1:${receiverPort}`;
    const editor = await startEditor(paths, {
      vsix: [vsix],
      logFile: path.join(RESULTS_DIR, 'code-server.log'),
      settings: {
        'stackhook.storePath': store,
        'stackhook.bitbucketApiUrl': bitbucket.url,
        'stackhook.listen': `127.0.0.1:${receiverPort}`,
        'stackhook.publicUrl': receiverUrl,
        'stackhook.trace.server': 'messages',
      },
      // As `STACKHOOK_DEMO=1 npm start` does: the server knows it is the demo.
      env: { STACKHOOK_DEMO: '1' },
    });
    cleanups.push(() => editor.stop());
    const browser = await openBrowser(`http://127.0.0.1:${editor.port}`);
    cleanups.push(() => browser.close());
    const page = await browser.context.newPage();
    const workbench = new Workbench(page, editor);
    await workbench.open();
    current = {
      bitbucket,
      editor,
      browser,
      page,
      workbench,
      store,
      receiverUrl,
      async stop() {
        current = null;
        for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      },
    };
    return current;
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw error;
  }
}
