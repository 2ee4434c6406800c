// Smoke: the packaged extension installs into a real VS Code, activates, starts its server (the
// "Stackhook" output channel says where the webhook receiver listens) and shows its views, whose
// requests to the server all succeed.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { waitFor } from '../../../scripts/lib/processes';
import { RESULTS_DIR, stackhookLogs } from '../support/artifacts';
import { world } from '../support/environment';

describe('Smoke: Stackhook in a real VS Code', () => {
  it('shows the Stackhook container with its three views once the server runs', async () => {
    const { workbench, editor, receiverUrl } = world();
    await workbench.openStackhook();
    for (const view of ['Integrations', 'Stacks', 'Deliveries'] as const) await workbench.view(view).waitFor({ timeout: 10_000 });
    // "Starting the Stackhook server…" gives way to content that only a running server brings.
    await workbench.welcome('Integrations').filter({ hasNotText: /Starting the Stackhook server/ }).first().waitFor({ timeout: 60_000 });
    const text = await workbench.view('Integrations').innerText();
    assert.doesNotMatch(text, /not running/i, `the server is not running: ${text}`);

    const output = await waitFor(
      async () => {
        const log = stackhookLogs(editor.userDataDir).find((file) => file.endsWith('Stackhook.log'));
        const content = log ? readFileSync(log, 'utf8') : '';
        return content.includes(receiverUrl) ? content : undefined;
      },
      { timeoutMs: 30_000, onTimeout: () => new Error(`The Stackhook output channel never said that the receiver listens at ${receiverUrl}.`) },
    );
    assert.match(output, /Receiving Bitbucket Cloud webhooks/);
    // The extension times its own activation (bench/editorStartup.ts reads the same line in editors of its own).
    const activation = /Stackhook activated in ([\d.]+) ms of its own code \(loading the bundle ([\d.]+) ms, activate ([\d.]+) ms\)/.exec(output);
    assert.ok(activation, 'the extension logs how long its activation took');
    const [ms, loadMs, activateMs] = activation.slice(1).map(Number);
    writeFileSync(path.join(RESULTS_DIR, 'activation.json'), `${JSON.stringify({ ms, loadMs, activateMs, measuredAt: new Date().toISOString() })}\n`);
    // The views asked the server for their content; on a fresh store none of that may fail.
    await workbench.page.waitForTimeout(2_000);
    const log = stackhookLogs(editor.userDataDir).find((file) => file.endsWith('Stackhook.log'));
    const problems = (log ? readFileSync(log, 'utf8') : '').split('\n').filter((line) => /\[(warning|error)\]/.test(line));
    assert.deepEqual(problems, [], 'the Stackhook output has no warning or error after start');
    await workbench.screenshot('smoke-stackhook-views');
  });
});
