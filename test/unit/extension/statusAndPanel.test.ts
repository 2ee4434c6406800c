import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FakeWebviewPanel, answers, recorded, resetStub } from '../../support/vscodeStub';
import { Notifier } from '../../../extension/surfaces/notifications';
import { Overview } from '../../../extension/state/overview';
import { StatusPanel, panelState } from '../../../extension/surfaces/panel';
import * as Protocol from '../../../server/protocol';
import { parseFromPanel } from '../../../extension/surfaces/panelMessages';
import { StatusBar } from '../../../extension/surfaces/statusBar';
import { WebhookHealthCache } from '../../../extension/state/webhookHealth';
import { COMMIT_URL, commitLinksStatus, FakeServer, integration, run, stack } from './fakeServer';

const ROOT = path.resolve(__dirname, '../../..');

function world(stacks: () => unknown[], deliveries: () => unknown[] = () => []) {
  const server = new FakeServer({
    'stackhook/status': () => ({
      version: '0.1.0',
      storePath: '/tmp/store',
      user: 'ana',
      listener: { url: 'http://127.0.0.1:8787', state: 'listening' },
      publicUrl: 'https://hooks.example.com',
      counts: { integrations: 1, stacks: stacks().length, detachedStacks: (stacks() as { state: string }[]).filter((s) => s.state === 'detached').length },
    }),
    'stackhook/integrations/list': () => [integration('acme-main')],
    'stackhook/stacks/list': stacks,
    // Mirrors the server's grouping (tested there): attached stacks by integration and repository.
    'stackhook/webhooks/expected': () => {
      const groups = new Map<string, { integrationId: string; repository: string; stacks: { id: string; name: string }[] }>();
      for (const stack of stacks() as { id: string; name: string; integrationId: string | null; repository: string }[]) {
        if (!stack.integrationId) continue;
        const key = `${stack.integrationId}\n${stack.repository}`;
        const group = groups.get(key) ?? { integrationId: stack.integrationId, repository: stack.repository, stacks: [] };
        group.stacks.push({ id: stack.id, name: stack.name });
        groups.set(key, group);
      }
      return [...groups.values()];
    },
    'stackhook/deliveries/list': deliveries,
    // The server says which states Configure repairs; the panel offers Repair only there.
    'stackhook/webhooks/status': ({ repositories }) =>
      repositories.map((name: string) => ({ repository: name, state: name === 'acme/dns' ? 'missing' : 'ok', problems: [], repairable: name === 'acme/dns' })),
  });
  const health = new WebhookHealthCache(server);
  const overview = new Overview(server, health);
  return { server, health, overview };
}

describe('extension status bar, notifications and status panel', () => {
  beforeEach(() => resetStub());

  describe('status bar', () => {
    it('is hidden when all is well', () => {
      const bar = new StatusBar();
      bar.update({ server: 'running', detached: 0, brokenWebhooks: 0 });
      const [item] = recorded.statusBarItems;
      assert.equal(item?.id, 'stackhook.status');
      assert.equal(item?.name, 'Stackhook');
      assert.equal(item?.visible, false);
    });

    it('shows "$(warning) N detached" on the warning background, with command links and a click that opens the panel', () => {
      const bar = new StatusBar();
      bar.update({ server: 'running', detached: 2, brokenWebhooks: 0 });
      const item = recorded.statusBarItems[0];
      assert.equal(item?.visible, true);
      assert.equal(item?.text, '$(warning) 2 detached');
      assert.equal(item?.backgroundColor?.id, 'statusBarItem.warningBackground');
      assert.equal(item?.command, 'stackhook.showStatusPanel');
      const tooltip = item?.tooltip as vscode.MarkdownString;
      assert.match(tooltip.value, /\(command:stackhook\.showStatusPanel\)/);
      assert.deepEqual((tooltip.isTrusted as { enabledCommands: string[] }).enabledCommands.every((c) => c.startsWith('stackhook.')), true);
    });

    it('counts broken webhooks too, and says when the server is down', () => {
      const bar = new StatusBar();
      bar.update({ server: 'running', detached: 1, brokenWebhooks: 3 });
      assert.equal(recorded.statusBarItems[0]?.text, '$(warning) 1 detached · 3 webhooks broken');
      bar.update({ server: 'failed', detached: 0, brokenWebhooks: 0 });
      assert.equal(recorded.statusBarItems[0]?.backgroundColor?.id, 'statusBarItem.errorBackground');
      assert.match((recorded.statusBarItems[0]?.tooltip as vscode.MarkdownString).value, /command:stackhook\.restartServer/);
    });
  });

  describe('overview and notifications', () => {
    it('the repositories whose webhooks it watches are the ones the server names, not a guess from the stacks', async () => {
      const { server, overview } = world(() => [stack('a', { repository: 'acme/dns' })]);
      server.handlers['stackhook/webhooks/expected'] = () => [{ integrationId: 'acme-main', repository: 'acme/network', stacks: [{ id: 'n', name: 'Net' }] }];
      await overview.refresh();
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(overview.state.webhooks.map((row) => [row.repository, row.stacks]), [['acme/network', ['Net']]]);
      assert.deepEqual(server.sent('stackhook/webhooks/status'), [{ integrationId: 'acme-main', repositories: ['acme/network'] }]);
    });

    it('checks the webhooks of repositories used by stacks and counts the broken ones', async () => {
      const { server, overview } = world(() => [stack('a', { repository: 'acme/dns' }), stack('b', { repository: 'acme/network' }), stack('c', { repository: 'acme/network' })]);
      await overview.refresh();
      assert.deepEqual(server.sent('stackhook/webhooks/status'), [{ integrationId: 'acme-main', repositories: ['acme/dns', 'acme/network'] }]);
      assert.deepEqual(overview.brokenWebhooks.map((row) => row.repository), ['acme/dns']);
      assert.deepEqual(overview.state.webhooks.find((row) => row.repository === 'acme/network')?.stacks, ['b', 'c']);
    });

    it('announces stacks that become detached, not those detached before the window opened', async () => {
      let stacks = [stack('old', { integrationId: null, detachedFrom: 'gone', state: 'detached' }), stack('prod-network')];
      const { server, overview } = world(() => stacks);
      new Notifier(overview, server);
      await overview.refresh();
      assert.equal(recorded.messages.length, 0);
      stacks = [stacks[0] as ReturnType<typeof stack>, stack('prod-network', { integrationId: null, detachedFrom: 'acme-main', state: 'detached' })];
      await overview.refresh(['stacks']);
      assert.equal(recorded.messages.length, 1);
      assert.match(recorded.messages[0]?.message ?? '', /The stack prod-network became detached from "acme-main"/);
      assert.deepEqual(recorded.messages[0]?.items, ['Reattach', 'Show status panel']);
    });

    it('with no integration left, the detached notice offers Create Integration, not a Reattach that leads nowhere', async () => {
      let stacks = [stack('prod-network')];
      const { server, overview } = world(() => stacks);
      let integrations = [integration('acme-main')];
      server.handlers['stackhook/integrations/list'] = () => integrations;
      new Notifier(overview, server);
      await overview.refresh();
      stacks = [stack('prod-network', { integrationId: null, detachedFrom: 'acme-main', state: 'detached' })];
      integrations = [];
      await overview.refresh(['stacks', 'integrations']);
      assert.deepEqual(recorded.messages[0]?.items, ['Create Integration', 'Show status panel']);
    });

    it('announces a delivery refused for a bad signature with Copy webhook secret / Configure webhooks', async () => {
      const { server, overview } = world(() => []);
      server.handlers['stackhook/integrations/list'] = () => [integration('acme-main', { name: 'Acme Main' })];
      new Notifier(overview, server);
      await overview.refresh();
      answers.push(() => 'Copy webhook secret');
      server.refuse({ integrationId: 'acme-main', eventKey: 'repo:push', repository: 'acme/dns', status: 401, reason: 'refused: bad signature' });
      assert.match(recorded.messages[0]?.message ?? '', /acme\/dns to "Acme Main" was refused: its signature does not match/, 'the integration by its name');
      assert.deepEqual(recorded.messages[0]?.items, ['Copy webhook secret', 'Configure webhooks']);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(recorded.executed.at(-1), { command: 'stackhook.copyWebhookSecret', args: ['acme-main'] });
    });

    it('announces a credential that stopped working, once, with Replace Token', async () => {
      const { server, overview } = world(() => [stack('a')]);
      server.handlers['stackhook/webhooks/status'] = () => {
        throw Object.assign(new Error('Bitbucket refused the API token of "acme-main": it was revoked or expired.'), { data: { kind: 'Bitbucket', problem: 'unauthorized', needsNewCredential: true } });
      };
      new Notifier(overview, server);
      await overview.refresh();
      await overview.refresh(['webhooks']);
      assert.equal(recorded.messages.length, 1);
      assert.match(recorded.messages[0]?.message ?? '', /stopped working: Bitbucket refused the API token/);
      assert.deepEqual(recorded.messages[0]?.items, ['Replace Token']);
    });
  });

  describe('status panel', () => {
    it('serves media/panel.html with a nonce CSP, no inline script, and resources only from media/', async () => {
      const { overview } = world(() => []);
      const panel = new StatusPanel(vscode.Uri.file(ROOT), overview);
      panel.show();
      const webviewPanel = recorded.webviews[0] as FakeWebviewPanel;
      const html = webviewPanel.webview.html;
      const nonce = /script-src 'nonce-([^']+)'/.exec(html)?.[1];
      assert.ok(nonce && nonce.length >= 16);
      assert.match(html, /default-src 'none'/);
      const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
      assert.equal(scripts.length, 1);
      assert.equal(scripts[0]?.[2]?.trim(), '', 'no inline script');
      assert.ok(scripts[0]?.[1]?.includes(`nonce="${nonce}"`));
      assert.doesNotMatch(html, /\{\{\w+\}\}/, 'every placeholder is filled');
      assert.doesNotMatch(html, / on\w+=/, 'no inline event handlers');
      const options = webviewPanel.webview.options as { localResourceRoots: vscode.Uri[]; enableScripts: boolean };
      assert.deepEqual(options.localResourceRoots.map(String), [vscode.Uri.file(path.join(ROOT, 'media')).toString()]);
    });

    it('posts typed state with detached stacks and webhook health, and acts on Reattach and Repair', async () => {
      const { overview } = world(() => [stack('legacy-dns', { integrationId: null, detachedFrom: 'old-bb', state: 'detached', repository: 'acme/dns' }), stack('prod', { repository: 'acme/dns' })]);
      const panel = new StatusPanel(vscode.Uri.file(ROOT), overview);
      panel.show();
      await overview.refresh();
      const webview = (recorded.webviews[0] as FakeWebviewPanel).webview;
      const last = webview.posted.at(-1) as { type: string; state: any };
      assert.equal(last.type, 'state');
      assert.deepEqual(last.state.detached.map((s: { id: string }) => s.id), ['legacy-dns']);
      assert.deepEqual(last.state.webhooks.map((w: any) => [w.repository, w.state, w.repairable]), [['acme/dns', 'missing', true]]);
      webview.receive.fire({ type: 'reattach', stackId: 'legacy-dns' });
      webview.receive.fire({ type: 'repair', integrationId: 'acme-main', repository: 'acme/dns' });
      webview.receive.fire({ type: 'run-anything', command: 'workbench.action.terminal.new' });
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        recorded.executed.filter((e) => e.command !== 'setContext'),
        [
          { command: 'stackhook.reattachStack', args: ['legacy-dns'] },
          { command: 'stackhook.repairWebhook', args: ['acme-main', 'acme/dns'] },
        ],
      );
    });

    it('shows the Pull Request Commit Links app on each repository stacks use, says how to install it, and opens a commit of that repository', async () => {
      const { server, overview } = world(() => [stack('prod', { repository: 'acme/network' }), stack('dns', { repository: 'acme/dns' })]);
      server.handlers['stackhook/repositories/commitLinksStatus'] = ({ repository: name }) => commitLinksStatus(name, name === 'acme/dns' ? 'indexing' : 'not-installed');
      await overview.refresh();
      assert.equal(server.sent('stackhook/repositories/commitLinksStatus').length, 0, 'no Bitbucket calls for it before a view shows it');
      const panel = new StatusPanel(vscode.Uri.file(ROOT), overview);
      panel.show();
      const webview = (recorded.webviews[0] as FakeWebviewPanel).webview;
      webview.receive.fire({ type: 'ready' });
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      const last = webview.posted.at(-1) as { state: any };
      assert.deepEqual(
        last.state.commitLinks.map((row: any) => [row.repository, row.state, row.summary, row.canOpenCommit]),
        [
          ['acme/dns', 'indexing', 'indexing', false],
          ['acme/network', 'not-installed', 'not installed', true],
        ],
      );
      assert.match(last.state.commitLinks[1].message, /open any commit of the repository in Bitbucket and click "Go to pull request"/);
      webview.receive.fire({ type: 'openCommit', integrationId: 'acme-main', repository: 'acme/elsewhere' });
      webview.receive.fire({ type: 'openCommit', integrationId: 'acme-main', repository: 'acme/network' });
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(recorded.opened, [COMMIT_URL], 'only the commit the server named for a row is opened');
      panel.dispose();
    });

    it('checks what the page sends before acting on it', () => {
      assert.equal(parseFromPanel({ type: 'reattach' }), undefined);
      assert.equal(parseFromPanel({ type: 'repair', integrationId: 1, repository: 'a/b' }), undefined);
      assert.equal(parseFromPanel('ready'), undefined);
      assert.equal(parseFromPanel({ type: 'openCommit', integrationId: 'acme-main' }), undefined);
      assert.deepEqual(parseFromPanel({ type: 'ready', extra: true }), { type: 'ready' });
      assert.equal(parseFromPanel({ type: 'openLog', runId: 7 }), undefined);
      assert.deepEqual(parseFromPanel({ type: 'openLog', runId: 'r1' }), { type: 'openLog', runId: 'r1' });
    });

    it('lists recent runs with their state, and opens a run\'s log when asked', async () => {
      const state = panelState({ status: undefined, integrations: [], stacks: [], deliveries: [], webhooks: [], expected: [], runs: [Protocol.Run.parse(run('r1', { state: 'failed', summary: 'tofu exited with 1' }))] });
      assert.deepEqual(state.runs.map((r) => [r.id, r.stackId, r.state]), [['r1', 'prod-network', 'failed']]);
      assert.match(state.runs[0]?.line ?? '', /^tracked · failed · .* · tofu exited with 1$/);
    });
  });
});
