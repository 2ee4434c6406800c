// `npm start`: builds and packages Stackhook, then opens it in code-server (VS Code in the
// browser) at a printed local URL. Runs until Ctrl-C, then stops everything it started.
//
//   npm start                     against Bitbucket Cloud, with the store in ~/.stackhook
//   STACKHOOK_DEMO=1 npm start    against a simulated Bitbucket Cloud on this machine, seeded
//                                 with a sample workspace, and a fresh store that is removed on exit
//
// STACKHOOK_PORT picks the editor's port (default 8780); STACKHOOK_PUBLIC_URL sets the address
// Bitbucket reaches the webhook receiver at (a tunnel to 127.0.0.1:8787).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { installHost, REPO_ROOT, startEditor } from './lib/editorHost';
import { log } from './lib/log';
import { packageVsix } from './lib/packageVsix';
import { freePort, onShutdown } from './lib/processes';

const TAG = 'start';
const DEFAULT_PORT = 8780;
const STATE_DIR = path.join(REPO_ROOT, '.cache', 'start');

/** A sample workspace for the demo: a few named repositories and a page-worth of others. */
const DEMO = {
  email: 'demo@example.com',
  displayName: 'Demo User',
  token: 'ATATT3xFfGF0-stackhook-demo-token',
  /** Who comments on and approves the demo's pull requests (authors cannot approve their own). */
  reviewer: 'bo@example.com',
  workspace: 'acme',
  repositories: ['acme/infra-live', 'acme/network', 'acme/dns', 'acme/payments-infra'],
  more: 20,
  /** Runs on Bitbucket Pipelines: its bitbucket-pipelines.yml defines the custom pipeline `stackhook`. */
  pipelinesRepository: 'acme/infra-live',
  /** Runs on this machine: `node plan.js` prints a plan the way OpenTofu does, no Terraform needed. */
  localRepository: 'acme/sandbox',
};

const DEMO_PIPELINES_YAML = `pipelines:
  custom:
    stackhook:
      - step:
          name: Stackhook run
          script:
            - tofu init -input=false
            - tofu plan -input=false -no-color
`;

const DEMO_PLAN_JS = `// Prints what \`tofu plan\` would, so the demo needs no Terraform.
const apply = process.argv.includes('apply');
console.log('Refreshing state... [id=vpc-0a1b2c3d]');
for (let i = 1; i <= 5; i++) console.log(\`  # aws_subnet.private[\${i}] will be \${apply ? 'created' : 'planned'}\`);
setTimeout(() => console.log(apply ? 'Apply complete! Resources: 2 added, 0 changed, 1 destroyed.' : 'Plan: 2 to add, 0 to change, 1 to destroy.'), 2000);
`;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function editorPort(): Promise<number> {
  const wanted = Number(process.env.STACKHOOK_PORT ?? DEFAULT_PORT);
  if (await portIsFree(wanted)) return wanted;
  const other = await freePort();
  log(TAG, `port ${wanted} is taken; using ${other}`);
  return other;
}

async function main(): Promise<void> {
  const demo = process.env.STACKHOOK_DEMO === '1';
  const vsix = await packageVsix();
  const paths = await installHost();
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  onShutdown(async () => {
    log(TAG, 'stopping…');
    await stopAll();
  });

  const settings: Record<string, unknown> = {};
  const lines: string[] = [];
  if (demo) {
    // The simulated Bitbucket lives with the tests; it is loaded only for the demo.
    const { startFakeBitbucket } = await import('../test/support/fakeBitbucket');
    // With `demo`, it also takes the demo commands' actions (commit, pull requests) and sends their webhooks.
    const bitbucket = await startFakeBitbucket({ demo: { author: DEMO.email, reviewer: DEMO.reviewer } });
    stops.push(() => bitbucket.stop());
    bitbucket.world.addUser({ email: DEMO.email, displayName: DEMO.displayName, token: DEMO.token, workspaces: { [DEMO.workspace]: 'admin' } });
    for (const fullName of DEMO.repositories) bitbucket.world.addRepository(fullName, { isPrivate: true, mainBranch: 'main' });
    bitbucket.world.addRepositories(DEMO.workspace, DEMO.more, 'service');
    bitbucket.world.addUser({ email: DEMO.reviewer, displayName: 'Bo Reviewer', workspaces: { [DEMO.workspace]: 'member' } });
    // Both runners have something to run: a pipeline that takes a few seconds, and a local plan.
    bitbucket.pushCommit(DEMO.pipelinesRepository, 'main', { 'bitbucket-pipelines.yml': DEMO_PIPELINES_YAML, 'envs/prod/main.tf': '# network\n' });
    const pipelines = bitbucket.world.repository(DEMO.pipelinesRepository);
    if (pipelines) pipelines.pipelineScript = { ...pipelines.pipelineScript, pendingMs: 2_000, durationMs: 8_000 };
    bitbucket.world.addRepository(DEMO.localRepository);
    bitbucket.pushCommit(DEMO.localRepository, 'main', { 'plan.js': DEMO_PLAN_JS, 'main.tf': '# sandbox\n' });
    const store = mkdtempSync(path.join(os.tmpdir(), 'stackhook-demo-store-'));
    stops.push(async () => rmSync(store, { recursive: true, force: true }));
    const receiverPort = await freePort();
    Object.assign(settings, {
      'stackhook.bitbucketApiUrl': bitbucket.url,
      'stackhook.storePath': store,
      'stackhook.listen': `127.0.0.1:${receiverPort}`,
      'stackhook.publicUrl': `http://127.0.0.1:${receiverPort}`,
    });
    lines.push(
      'Demo: a simulated Bitbucket Cloud on this machine (nothing leaves it).',
      `  Bitbucket API  ${bitbucket.url}`,
      `  workspace      ${DEMO.workspace} (${DEMO.repositories.length + DEMO.more + 1} repositories)`,
      `  sign in with   email ${DEMO.email}, API token ${DEMO.token}`,
      `  store          ${store} (removed on exit)`,
      'Try: Stackhook in the activity bar → Set Up an Integration.',
      `  Pipelines runner  a stack on ${DEMO.pipelinesRepository} (custom pipeline "stackhook" is defined)`,
      `  local runner      a stack on ${DEMO.localRepository} with plan command: node plan.js  (apply: node plan.js apply)`,
      'Then make Bitbucket send events: right-click a stack → Demo: Make a Commit… (a push), or run',
      '  "Stackhook: Demo: Open or Update a Pull Request…", then Comment on, Approve and Merge it, from the palette.',
      `  Every "Open in Bitbucket" opens the simulated Bitbucket's pages (${bitbucket.origin}).`,
    );
  } else {
    if (process.env.STACKHOOK_PUBLIC_URL) settings['stackhook.publicUrl'] = process.env.STACKHOOK_PUBLIC_URL;
    lines.push(
      'Bitbucket Cloud (api.bitbucket.org), with the store in ~/.stackhook.',
      '  Sign in with your Atlassian account email and an API token with the Bitbucket scopes Stackhook needs.',
      '  Webhooks need a public address: set STACKHOOK_PUBLIC_URL to a tunnel that forwards to 127.0.0.1:8787.',
      'Set STACKHOOK_DEMO=1 to try Stackhook against a simulated Bitbucket instead.',
    );
  }

  // Outside the demo, editor state (and the credentials kept by the browser) survives restarts,
  // so the editor keeps one port and one state folder.
  const editor = await startEditor(paths, {
    vsix: [vsix],
    settings,
    port: await editorPort(),
    // Tells the server it is the demo (with its loopback Bitbucket): the demo commands show, and the
    // receiver's loopback address counts as reachable. Not a setting: a user cannot set it by mistake.
    env: { STACKHOOK_DEMO: demo ? '1' : '' },
    ...(demo ? {} : { stateDir: STATE_DIR, folder: path.join(STATE_DIR, 'workspace') }),
  });
  stops.push(() => editor.stop());

  process.stdout.write(`\nStackhook is running in VS Code at\n\n    ${editor.url}\n\n${lines.join('\n')}\n\nPress Ctrl-C to stop.\n`);
  const code = await new Promise<number | null>((resolve) => editor.process.once('exit', (exitCode) => resolve(exitCode)));
  log(TAG, `code-server stopped (exit code ${code}); its log: ${editor.logFile}`);
  await stopAll();
  process.exit(code === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
