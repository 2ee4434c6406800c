// The Pull Request Commit Links app, checked where the user looks: on a stack and after configuring.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answers, recorded, resetStub } from '../../support/vscodeStub';
import { Command } from '../../../extension/commandIds';
import { StackItem } from '../../../extension/views/stacksTree';
import { answerQuickPick, commandContext } from './harness';
import { FakeServer, integration, repository, stack } from './fakeServer';

const COMMIT_URL = 'https://bitbucket.org/acme/network/commits/0123456789abcdef';
const status = (repositoryName: string, state: 'ok' | 'indexing' | 'not-installed') => ({
  repository: repositoryName,
  commit: '0123456789abcdef',
  state,
  pullRequestIds: [],
  message: state === 'not-installed' ? `Bitbucket has no pull request links for ${repositoryName} (404). Install the Pull Request Commit Links app: …` : `The app works for ${repositoryName}.`,
  commitUrl: COMMIT_URL,
});

describe('extension Pull Request Commit Links check', () => {
  beforeEach(() => resetStub());

  it('on a stack: not installed says how, and opens a commit of that repository', async () => {
    const server = new FakeServer({ 'stackhook/repositories/commitLinksStatus': ({ repository: name }) => status(name, 'not-installed') });
    commandContext(server);
    answers.push((_message, items) => items.find((item) => item === 'Open a commit in Bitbucket'));
    await vscode.commands.executeCommand(Command.CheckCommitLinks, new StackItem(stack('prod-network', { repository: 'acme/network' }) as never));
    assert.deepEqual(server.sent('stackhook/repositories/commitLinksStatus'), [{ integrationId: 'acme-main', repository: 'acme/network' }]);
    assert.equal(recorded.messages[0]?.severity, 'warning');
    assert.match(recorded.messages[0]?.message ?? '', /Install the Pull Request Commit Links app/);
    assert.deepEqual(recorded.opened, [COMMIT_URL]);
  });

  it('installed is said as information, with nothing to do', async () => {
    const server = new FakeServer({ 'stackhook/repositories/commitLinksStatus': ({ repository: name }) => status(name, 'ok') });
    commandContext(server);
    await vscode.commands.executeCommand(Command.CheckCommitLinks, { integrationId: 'acme-main', fullName: 'acme/network' });
    assert.equal(recorded.messages[0]?.severity, 'info');
    assert.deepEqual(recorded.messages[0]?.items, []);
  });

  it('after configuring webhooks, the repositories stacks use are checked, and a missing app is said once', async () => {
    const server = new FakeServer({
      'stackhook/integrations/list': () => [integration('acme-main')],
      'stackhook/repositories/list': () => [repository('acme/network'), repository('acme/dns'), repository('acme/spare')],
      'stackhook/webhooks/expected': () => [
        { integrationId: 'acme-main', repository: 'acme/network', stacks: [{ id: 'net', name: 'net' }] },
        { integrationId: 'acme-main', repository: 'acme/dns', stacks: [{ id: 'dns', name: 'dns' }] },
      ],
      'stackhook/webhooks/configure': ({ repositories }) => repositories.map((name: string) => ({ repository: name, action: 'created' })),
      'stackhook/repositories/commitLinksStatus': ({ repository: name }) => status(name, name === 'acme/dns' ? 'ok' : 'not-installed'),
    });
    commandContext(server);
    answerQuickPick((items) => items.filter((item: { label: string }) => item.label !== 'acme/dns'));
    await vscode.commands.executeCommand(Command.ConfigureWebhooks, 'acme-main');
    assert.deepEqual(server.sent('stackhook/webhooks/configure')[0]?.repositories.sort(), ['acme/network', 'acme/spare']);
    assert.deepEqual(server.sent('stackhook/repositories/commitLinksStatus'), [{ integrationId: 'acme-main', repository: 'acme/network' }], 'only repositories stacks use');
    const warning = recorded.messages.find((message) => message.severity === 'warning');
    assert.match(warning?.message ?? '', /commits of acme\/network: the Pull Request Commit Links app is not installed/);
  });
});
