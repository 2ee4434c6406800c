import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { recorded, resetStub } from '../../support/vscodeStub';
import { DeliveriesTree } from '../../../extension/views/deliveriesTree';
import { HEALTH_CHECK_ON_EXPAND, IntegrationsTree, type IntegrationsNode } from '../../../extension/views/integrationsTree';
import { DETACHED_GROUP_ID, StacksTree } from '../../../extension/views/stacksTree';
import { WebhookHealthCache } from '../../../extension/state/webhookHealth';
import { COMMIT_URL, commitLinksStatus, delivery, details, FakeServer, integration, repository, rpcError, run, stack } from './fakeServer';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('extension trees', () => {
  beforeEach(() => resetStub());

  describe('Integrations', () => {
    function tree(server: FakeServer) {
      return new IntegrationsTree(server, new WebhookHealthCache(server));
    }

    it('lists integrations with type or space as description and hides the children of those without details', async () => {
      const server = new FakeServer({
        'stackhook/integrations/list': () => [integration('acme-main'), integration('payments-team', { type: 'space', spaceId: 'payments', detailsVisible: false })],
        'stackhook/spaces/list': () => [
          { id: 'root', name: 'root', parentId: null, inheritEntities: false },
          { id: 'payments', name: 'Payments', parentId: 'root', inheritEntities: true },
        ],
      });
      const [main, hidden] = (await tree(server).getChildren()) as vscode.TreeItem[];
      assert.equal(main?.id, 'integration:acme-main');
      assert.equal(main?.description, 'default');
      assert.equal(main?.contextValue, 'integration');
      assert.equal(main?.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
      assert.equal(hidden?.id, 'integration:payments-team');
      assert.equal(hidden?.description, 'space: Payments · details hidden');
      assert.equal(hidden?.contextValue, 'integration.hidden');
      assert.equal(hidden?.collapsibleState, vscode.TreeItemCollapsibleState.None);
    });

    it('an integration says in its context value when stacks detached from its name can be reattached, and says it again when stacks change', async () => {
      let reattachable = ['prod-network'];
      const server = new FakeServer({
        'stackhook/integrations/list': () => [integration('acme-main'), integration('beta'), integration('hidden', { detailsVisible: false })],
        'stackhook/spaces/list': () => [],
        'stackhook/integrations/get': ({ id }) => details(id, { reattachableStackIds: id === 'acme-main' ? reattachable : [] }),
      });
      const provider = tree(server);
      const roots = (await provider.getChildren()) as vscode.TreeItem[];
      assert.deepEqual(roots.map((item) => item.contextValue), ['integration.reattachable', 'integration', 'integration.hidden']);
      assert.deepEqual(server.sent('stackhook/integrations/get').map((params) => params.id), ['acme-main', 'beta'], 'hidden details are not asked');

      const fired: unknown[] = [];
      provider.onDidChangeTreeData((node) => fired.push(node));
      reattachable = [];
      provider.refresh(['stacks']);
      await tick();
      await tick();
      assert.equal(roots[0]?.contextValue, 'integration', 'Reattach All leaves the menu once nothing is detached');
      assert.deepEqual(fired, [roots[0]], 'only the item whose menu changed is redrawn');
    });

    it('shows the details of an integration: webhook URL that copies on click, email, labels, secret state, repositories', async () => {
      const server = new FakeServer({
        'stackhook/integrations/list': () => [integration('acme-main')],
        'stackhook/spaces/list': () => [],
        'stackhook/integrations/get': ({ id }) => details(id, { labels: ['prod', 'platform'] }),
      });
      const provider = tree(server);
      const [root] = await provider.getChildren();
      const children = (await provider.getChildren(root)) as vscode.TreeItem[];
      assert.deepEqual(
        children.map((c) => [c.id, c.label, c.description]),
        [
          ['integration:acme-main:webhookUrl', 'Webhook URL', 'https://hooks.example.com/webhooks/bitbucket-cloud/acme-main'],
          ['integration:acme-main:username', 'Email', 'ana@example.com'],
          ['integration:acme-main:labels', 'Labels', 'prod, platform'],
          ['integration:acme-main:webhookSecret', 'Webhook secret', 'set'],
          ['integration:acme-main:repositories', 'Repositories', undefined],
        ],
      );
      assert.deepEqual(children[0]?.command?.arguments, ['acme-main']);
      assert.equal(children[0]?.command?.command, 'stackhook.copyWebhookUrl');
    });

    it('the Webhook URL row warns when Bitbucket cannot reach the URL', async () => {
      const problem = 'Bitbucket cannot reach http://127.0.0.1:8787: it is this machine\'s loopback address.';
      const server = new FakeServer({
        'stackhook/integrations/list': () => [integration('acme-main')],
        'stackhook/spaces/list': () => [],
        'stackhook/integrations/get': ({ id }) => details(id, { webhookUrlProblem: problem }),
      });
      const provider = tree(server);
      const [root] = await provider.getChildren();
      const [url] = (await provider.getChildren(root)) as vscode.TreeItem[];
      assert.equal((url?.iconPath as vscode.ThemeIcon).id, 'warning');
      assert.match(String(url?.tooltip), /loopback address/);
    });

    it('after a repair elsewhere, rows keep their health while they are checked again, instead of "not checked"', async () => {
      let answer = 'missing';
      const server = new FakeServer({
        'stackhook/integrations/list': () => [integration('acme-main')],
        'stackhook/spaces/list': () => [],
        'stackhook/integrations/get': ({ id }) => details(id),
        'stackhook/repositories/list': () => [repository('acme/dns'), repository('acme/network')],
        'stackhook/webhooks/expected': () => [],
        'stackhook/webhooks/status': ({ repositories }) => repositories.map((name: string) => ({ repository: name, state: name === 'acme/dns' ? answer : 'ok', problems: [] })),
      });
      const provider = tree(server);
      const [root] = await provider.getChildren();
      const repositoriesNode = (await provider.getChildren(root)).at(-1) as IntegrationsNode;
      const [workspace] = (await provider.getChildren(repositoriesNode)) as IntegrationsNode[];
      await provider.getChildren(workspace);
      await tick();
      const descriptions = async () => ((await provider.getChildren(workspace)) as vscode.TreeItem[]).map((row) => row.description);
      assert.deepEqual(await descriptions(), ['no webhook', 'webhook ok']);
      answer = 'ok';
      provider.refresh(['webhooks']);
      assert.deepEqual(await descriptions(), ['no webhook', 'webhook ok'], 'nothing reads "webhook not checked"');
      await tick();
      assert.deepEqual(await descriptions(), ['webhook ok', 'webhook ok'], 'and the check that follows updates them');
    });

    it('loads repositories on expand with progress in the view, groups them by workspace and shows webhook health', async () => {
      const server = new FakeServer({
        'stackhook/integrations/list': () => [integration('acme-main')],
        'stackhook/spaces/list': () => [],
        'stackhook/integrations/get': ({ id }) => details(id),
        'stackhook/repositories/list': () => [repository('acme/infra-live'), repository('acme/network'), repository('acme/dns'), repository('beta/tools')],
        'stackhook/webhooks/expected': () => [{ integrationId: 'acme-main', repository: 'acme/network', stacks: [{ id: 'prod-network', name: 'prod-network' }] }],
        'stackhook/webhooks/status': ({ repositories }) =>
          repositories.map((name: string) =>
            name === 'acme/network'
              ? { repository: name, state: 'drifted', problems: ['missing pullrequest:approved', 'inactive'] }
              : name === 'acme/dns'
                ? { repository: name, state: 'missing', problems: [] }
                : { repository: name, state: 'ok', problems: [] },
          ),
      });
      const provider = tree(server);
      const [root] = await provider.getChildren();
      const repositoriesNode = (await provider.getChildren(root)).at(-1) as IntegrationsNode;
      assert.equal(server.sent('stackhook/repositories/list').length, 0, 'repositories load only on expand');
      const workspaces = (await provider.getChildren(repositoriesNode)) as vscode.TreeItem[];
      assert.deepEqual(recorded.progress[0]?.location, { viewId: 'stackhook.integrations' });
      assert.deepEqual(workspaces.map((w) => [w.id, w.description]), [
        ['integration:acme-main:ws:acme', '3 repositories'],
        ['integration:acme-main:ws:beta', '1 repository'],
      ]);
      let redrawn = 0;
      provider.onDidChangeTreeData(() => redrawn++);
      await provider.getChildren(workspaces[0] as IntegrationsNode);
      await tick();
      assert.ok(redrawn > 0, 'the workspace redraws when health arrives');
      const repos = (await provider.getChildren(workspaces[0] as IntegrationsNode)) as vscode.TreeItem[];
      assert.deepEqual(repos.map((r) => [r.id, r.label, r.description, (r.iconPath as vscode.ThemeIcon).id, r.contextValue]), [
        // No stack uses acme/dns: its missing hook is neutral, not a red error.
        ['integration:acme-main:repo:acme/dns', 'dns', 'no webhook', 'circle-outline', 'repository.webhook-missing'],
        ['integration:acme-main:repo:acme/infra-live', 'infra-live', 'webhook ok', 'pass', 'repository.webhook-ok'],
        ['integration:acme-main:repo:acme/network', 'network', 'webhook drifted: missing pullrequest:approved; inactive', 'warning', 'repository.webhook-drifted'],
      ]);
      assert.equal(((repos[2]?.iconPath as vscode.ThemeIcon).color as vscode.ThemeColor).id, 'problemsWarningIcon.foreground');
      assert.match((repos[2]?.tooltip as vscode.MarkdownString).value, /inactive/);
      assert.equal(server.sent('stackhook/webhooks/status').length, 1, 'health is asked once, not per redraw');
    });

    it('a repository a stack uses opens onto its Pull Request Commit Links state, with how to install the app and a commit to do it on', async () => {
      const server = new FakeServer({
        'stackhook/integrations/list': () => [integration('acme-main')],
        'stackhook/spaces/list': () => [],
        'stackhook/integrations/get': ({ id }) => details(id),
        'stackhook/repositories/list': () => [repository('acme/dns'), repository('acme/network'), repository('acme/spare'), repository('acme/tools')],
        'stackhook/webhooks/expected': () =>
          ['acme/dns', 'acme/network', 'acme/tools'].map((name) => ({ integrationId: 'acme-main', repository: name, stacks: [{ id: 's', name: 's' }] })),
        'stackhook/webhooks/status': ({ repositories }) => repositories.map((name: string) => ({ repository: name, state: 'ok', problems: [] })),
        'stackhook/repositories/commitLinksStatus': ({ repository: name }) => {
          if (name === 'acme/tools') throw rpcError('acme/tools could not be read: Bitbucket answered 403', { kind: 'Bitbucket', problem: 'forbidden' });
          return commitLinksStatus(name, name === 'acme/dns' ? 'ok' : 'not-installed');
        },
      });
      const provider = tree(server);
      const [root] = await provider.getChildren();
      const [workspace] = (await provider.getChildren((await provider.getChildren(root)).at(-1))) as IntegrationsNode[];
      const repos = (await provider.getChildren(workspace)) as IntegrationsNode[];
      assert.deepEqual(
        repos.map((repo) => [repo.label, repo.collapsibleState]),
        [
          ['dns', vscode.TreeItemCollapsibleState.Collapsed],
          ['network', vscode.TreeItemCollapsibleState.Collapsed],
          ['spare', vscode.TreeItemCollapsibleState.None],
          ['tools', vscode.TreeItemCollapsibleState.Collapsed],
        ],
        'only repositories stacks use have the row',
      );
      const [installed] = (await provider.getChildren(repos[0])) as vscode.TreeItem[];
      assert.equal(installed?.label, 'Pull Request Commit Links: installed');
      assert.equal((installed?.iconPath as vscode.ThemeIcon).id, 'pass');
      assert.equal(installed?.command, undefined);

      const [missing] = (await provider.getChildren(repos[1])) as vscode.TreeItem[];
      assert.equal(missing?.label, 'Pull Request Commit Links: not installed');
      assert.equal(missing?.description, 'open a commit, then click its pull requests link');
      assert.equal((missing?.iconPath as vscode.ThemeIcon).id, 'warning');
      assert.match(String(missing?.tooltip), /Install the Pull Request Commit Links app/);
      assert.equal(missing?.command?.command, 'vscode.open');
      assert.equal(String(missing?.command?.arguments?.[0]), COMMIT_URL);

      const [failed] = (await provider.getChildren(repos[3])) as vscode.TreeItem[];
      assert.equal(failed?.label, 'Pull Request Commit Links: could not be checked');
      assert.match(String(failed?.tooltip), /403/);
      assert.equal(recorded.messages.length, 0, 'a failed check is said on its row, not in a dialog');

      await provider.getChildren(repos[1]);
      assert.equal(server.sent('stackhook/repositories/commitLinksStatus').length, 3, 'each repository is checked once, not per expand');
    });

    it('stays responsive with 5,000 repositories: one request, only repositories used by stacks checked on expand', async () => {
      const many = Array.from({ length: 5_000 }, (_, i) => repository(`big/repo-${String(i).padStart(4, '0')}`));
      const server = new FakeServer({
        'stackhook/integrations/list': () => [integration('acme-main')],
        'stackhook/spaces/list': () => [],
        'stackhook/integrations/get': ({ id }) => details(id),
        'stackhook/repositories/list': () => many,
        'stackhook/webhooks/expected': () => [{ integrationId: 'acme-main', repository: 'big/repo-0042', stacks: [{ id: 's1', name: 's1' }] }],
        'stackhook/webhooks/status': ({ repositories }) => repositories.map((name: string) => ({ repository: name, state: 'ok', problems: [] })),
      });
      const provider = tree(server);
      const [root] = await provider.getChildren();
      const repositoriesNode = (await provider.getChildren(root)).at(-1) as IntegrationsNode;
      const started = performance.now();
      const [workspace] = await provider.getChildren(repositoriesNode);
      const items = await provider.getChildren(workspace);
      await tick();
      const again = await provider.getChildren(workspace);
      const elapsed = performance.now() - started;
      assert.equal(items.length, 5_000);
      assert.equal(again.length, 5_000);
      assert.ok(elapsed < 1_000, `took ${elapsed} ms`);
      assert.ok(5_000 > HEALTH_CHECK_ON_EXPAND);
      assert.deepEqual(server.sent('stackhook/webhooks/status'), [{ integrationId: 'acme-main', repositories: ['big/repo-0042'] }]);
      assert.equal(server.sent('stackhook/repositories/list').length, 1);
    });

    it('redraws only what a change notification names', async () => {
      const server = new FakeServer({ 'stackhook/integrations/list': () => [], 'stackhook/spaces/list': () => [] });
      const provider = tree(server);
      const fired: unknown[] = [];
      provider.onDidChangeTreeData((node) => fired.push(node));
      provider.refresh(['deliveries']);
      assert.equal(fired.length, 0);
      provider.refresh(['integrations']);
      assert.deepEqual(fired, [undefined]);
    });

    it('shows nothing (so the welcome view can speak) while the server is not running', async () => {
      const server = new FakeServer({});
      server.state = 'failed';
      assert.deepEqual(await tree(server).getChildren(), []);
    });
  });

  describe('Stacks', () => {
    it('groups stacks by integration and lists detached stacks under a Detached (N) group with the integration they left', async () => {
      const server = new FakeServer({
        'stackhook/integrations/list': () => [integration('acme-main', { name: 'Acme main' })],
        'stackhook/stacks/list': () => [
          stack('prod-network', { repository: 'acme/network', projectRoot: '/envs/prod' }),
          stack('legacy-dns', { integrationId: null, detachedFrom: 'old-bb', state: 'detached', repository: 'acme/dns' }),
        ],
      });
      const provider = new StacksTree(server);
      const groups = (await provider.getChildren()) as vscode.TreeItem[];
      assert.deepEqual(groups.map((g) => [g.id, g.label]), [
        ['stacks:integration:acme-main', 'Acme main'],
        [DETACHED_GROUP_ID, 'Detached (1)'],
        ['stacks:spaces', 'Spaces'],
      ]);
      assert.equal((groups[1]?.iconPath as vscode.ThemeIcon).id, 'warning');
      const [attached] = (await provider.getChildren(groups[0] as never)) as vscode.TreeItem[];
      assert.equal(attached?.id, 'stack:prod-network');
      assert.equal(attached?.description, 'acme/network @ main · /envs/prod');
      assert.equal(attached?.contextValue, 'stack.attached');
      const [detached] = (await provider.getChildren(groups[1] as never)) as vscode.TreeItem[];
      assert.equal(detached?.id, 'stack:legacy-dns');
      assert.equal(detached?.description, 'was on "old-bb" · acme/dns @ main');
      assert.equal(detached?.contextValue, 'stack.detached');
    });
  });

  describe('Stacks: runs', () => {
    it('a stack shows its last run and expands to its recent runs, each with the actions its state allows', async () => {
      const server = new FakeServer({
        'stackhook/integrations/list': () => [integration('acme-main')],
        'stackhook/stacks/list': () => [stack('prod-network', { lastRun: run('r2', { state: 'unconfirmed', externalUrl: null }) })],
        'stackhook/runs/list': () => [
          run('r2', { state: 'unconfirmed' }),
          run('r1', { state: 'failed', summary: 'tofu exited with 1', externalUrl: 'https://bitbucket.org/acme/infra-live/pipelines/results/4' }),
        ],
      });
      const provider = new StacksTree(server);
      const [group] = (await provider.getChildren()) as never[];
      const [item] = (await provider.getChildren(group)) as vscode.TreeItem[];
      assert.equal(item?.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
      assert.match(String(item?.description), /^tracked · waiting for confirmation · .* · Plan: 1 to add, 0 to change, 0 to destroy\. · acme\/infra-live @ main$/);
      assert.equal((item?.iconPath as vscode.ThemeIcon).id, 'question');
      const [variables, ...runs] = (await provider.getChildren(item as never)) as vscode.TreeItem[];
      assert.equal(variables?.id, 'variables:stack:prod-network', 'the stack\'s Variables come first');
      assert.deepEqual(runs.map((r) => [r.id, r.contextValue]), [
        ['run:r2', 'run.unconfirmed'],
        ['run:r1', 'run.failed.external'],
      ]);
      assert.deepEqual(runs[0]?.command?.arguments, ['r2']);
      assert.deepEqual(server.sent('stackhook/runs/list'), [{ stackId: 'prod-network', limit: 10 }]);
      assert.ok(provider.topics.includes('runs'));
    });
  });

  describe('Deliveries', () => {
    it('shows the latest deliveries newest first with verdict and reason', async () => {
      const server = new FakeServer({
        'stackhook/deliveries/list': () => [
          delivery('a', { receivedAt: '2026-11-25T12:04:00.000Z' }),
          delivery('b', { receivedAt: '2026-11-25T12:09:00.000Z', verdict: 'bad-signature', reason: 'refused: bad signature', status: 401, stackIds: [] }),
        ],
      });
      const items = (await new DeliveriesTree(server).getChildren()) as vscode.TreeItem[];
      assert.deepEqual(items.map((i) => [i.id, i.contextValue]), [
        ['delivery:b', 'delivery.bad-signature'],
        ['delivery:a', 'delivery.queued'],
      ]);
      assert.match(String(items[0]?.description), /^refused: bad signature · /);
      assert.equal((items[0]?.iconPath as vscode.ThemeIcon).id, 'error');
      assert.deepEqual(server.sent('stackhook/deliveries/list'), [{ limit: 100 }]);
    });
  });
});

describe('webhook health icons', () => {
  it('a missing hook is red only where a stack needs it', async () => {
    const { webhookIcon } = await import('../../../extension/views/presentation');
    const missing = { repository: 'acme/dns', state: 'missing' as const, problems: [] };
    assert.equal(webhookIcon(missing, true).id, 'error');
    assert.equal(webhookIcon(missing, false).id, 'circle-outline');
    assert.equal(webhookIcon({ ...missing, state: 'drifted' }, false).id, 'warning', 'a drifted hook needs repair wherever it is');
  });
});
