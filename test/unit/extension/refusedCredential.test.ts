// A credential Bitbucket refused stays visible wherever a person looks, with Replace Token beside it:
// the integration's row, the status bar and the status panel. And the status bar counts runs that
// wait for confirmation, in words with their plurals right.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { recorded, resetStub } from '../../support/vscodeStub';
import { panelState } from '../../../extension/surfaces/panel';
import { parseFromPanel } from '../../../extension/surfaces/panelMessages';
import { StatusBar } from '../../../extension/surfaces/statusBar';
import { IntegrationItem } from '../../../extension/views/integrationsTree';
import * as Protocol from '../../../server/protocol';
import { integration, run, stack } from './fakeServer';

const REFUSED = { reason: 'Bitbucket refused the API token of ana@example.com (401).', at: '2026-11-25T12:00:00.000Z' };
const refusedIntegration = () => Protocol.IntegrationSummary.parse(integration('acme-main', { credentialRefused: REFUSED }));

describe('extension: a refused credential stays visible', () => {
  beforeEach(() => resetStub());

  it('the integration\'s row says "token refused", shows the reason, and offers Replace Token (its context ends in .refused)', () => {
    const item = new IntegrationItem(refusedIntegration(), undefined);
    assert.match(String(item.description), /^token refused · default/);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'error');
    assert.match(String(item.tooltip), /refused the API token.*401/);
    assert.equal(item.contextValue, 'integration.refused');
    const fine = new IntegrationItem(Protocol.IntegrationSummary.parse(integration('acme-main')), undefined);
    assert.equal(fine.contextValue, 'integration');
    assert.equal(fine.description, 'default');
  });

  it('the status bar names it on the error background, with a Replace token link', () => {
    const bar = new StatusBar();
    bar.update({ server: 'running', detached: 0, brokenWebhooks: 0, refusedCredentials: ['acme-main'] });
    const item = recorded.statusBarItems[0];
    assert.equal(item?.text, '$(warning) 1 token refused');
    assert.equal(item?.backgroundColor?.id, 'statusBarItem.errorBackground');
    const tooltip = (item?.tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /refused the API token of "acme-main"/);
    assert.match(tooltip, /command:stackhook\.replaceToken/);
  });

  it('the status bar counts runs waiting for confirmation, and says "1 stack is running", never "stack(s)"', () => {
    const bar = new StatusBar();
    bar.update({ server: 'running', detached: 0, brokenWebhooks: 0, runningRuns: 1 });
    assert.equal((recorded.statusBarItems[0]?.tooltip as vscode.MarkdownString).value.split('\n')[0], '1 stack is running.');
    bar.update({ server: 'running', detached: 0, brokenWebhooks: 0, waitingRuns: 1, failedRuns: 1 });
    assert.equal(recorded.statusBarItems[0]?.text, '$(warning) 1 waiting for confirmation · 1 failed');
    const tooltip = (recorded.statusBarItems[0]?.tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /1 run planned and waits for confirmation/);
    assert.match(tooltip, /The last run of 1 stack failed\./);
    assert.doesNotMatch(tooltip, /\(s\)/);
  });

  it('the status panel lists it first with Replace Token, marks its webhooks as not checkable, and names runs by their stack\'s name', () => {
    const state = panelState({
      status: undefined,
      integrations: [refusedIntegration()],
      stacks: [Protocol.Stack.parse(stack('prod-network', { name: 'Prod network' }))],
      deliveries: [],
      expected: [],
      webhooks: [{ integrationId: 'acme-main', integrationName: 'acme-main', repository: 'acme/network', stacks: ['Prod network'], health: { repository: 'acme/network', state: 'ok', problems: [] }, commitLinks: undefined }],
      runs: [Protocol.Run.parse(run('r1', { stackId: 'prod-network' }))],
    });
    assert.deepEqual(state.refused, [{ integrationId: 'acme-main', name: 'acme-main', reason: REFUSED.reason, at: REFUSED.at }]);
    assert.equal(state.webhooks[0]?.state, 'error', 'not "ok" through a token Bitbucket refuses');
    assert.match(state.webhooks[0]?.summary ?? '', /token was refused/);
    assert.equal(state.runs[0]?.stackName, 'Prod network');
    assert.deepEqual(parseFromPanel({ type: 'replaceToken', integrationId: 'acme-main' }), { type: 'replaceToken', integrationId: 'acme-main' });
    assert.equal(parseFromPanel({ type: 'replaceToken', integrationId: 3 }), undefined);
  });
});
