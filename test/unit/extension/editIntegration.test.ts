// Edit Integration behaves as Create does after Bitbucket refused the credential: a short title with
// the server's explanation, Edit (reopening the field the refusal names: the token in a password box,
// never the email box) and Copy curl, and Save without checking only when Bitbucket was not reached.
// Replace Token opens the token box at once.
import '../../support/vscodeStub';
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { answers, recorded, resetStub } from '../../support/vscodeStub';
import { Command } from '../../../extension/commandIds';
import { answerInputBox, answerQuickPick, byLabel, commandContext } from './harness';
import { details, FakeServer, integration, rpcError } from './fakeServer';

const OLD = 'ATATT3xFfGF0-refused-token-000';
const NEW = 'ATATT3xFfGF0-working-token-111';
const CURL = 'curl -u ana@example.com:•••••• https://api.bitbucket.org/2.0/user';

function server(refuse: (params: Record<string, unknown>) => Error | undefined) {
  return new FakeServer({
    'stackhook/integrations/list': () => [integration('acme-main')],
    'stackhook/integrations/get': ({ id }) => details(id),
    'stackhook/integrations/update': (params) => {
      const refusal = refuse(params);
      if (refusal) throw refusal;
      return details('acme-main');
    },
  });
}

const refused = () =>
  rpcError(`Bitbucket refused the API token of ana@example.com (401). Nothing was saved. To check by hand: ${CURL}`, {
    kind: 'Bitbucket',
    problem: 'unauthorized',
    needsNewCredential: true,
    curl: CURL,
    field: 'secret',
  });

describe('extension Edit Integration after a refusal', () => {
  beforeEach(() => resetStub());

  it('a refused token: Edit and Copy curl, never Save without checking; Edit reopens the token box (a password box), and the next token is checked', async () => {
    const fake = server((params) => (params.secret === OLD ? refused() : undefined));
    commandContext(fake);
    answerQuickPick(byLabel('API token'));
    const boxes = answerInputBox(OLD, NEW);
    answers.push(() => 'Copy curl', () => 'Edit', () => undefined);
    await vscode.commands.executeCommand(Command.EditIntegration, 'acme-main');
    const failure = recorded.messages.find((message) => message.modal);
    assert.equal(failure?.message, 'Bitbucket did not accept the credential. The change was not saved.');
    assert.match(failure?.detail ?? '', /refused the API token/);
    assert.deepEqual(failure?.items, ['Edit', 'Copy curl'], 'no Save without checking after a refusal');
    assert.equal(recorded.clipboard, CURL);
    assert.equal(boxes.options.length, 2, 'Edit asked again');
    assert.equal(boxes.options[1].password, true, 'for the token, in a password box');
    assert.match(boxes.options[1].title, /API token/);
    assert.deepEqual(fake.sent('stackhook/integrations/update').map((params) => [params.secret, params.verify]), [
      [OLD, undefined],
      [NEW, undefined],
    ], 'both checked with Bitbucket; the refused one was never saved unchecked');
    assert.ok(recorded.messages.some((message) => /Integration "acme-main" updated: Bitbucket accepted the new API token\./.test(message.message)), 'a confirmation says what changed');
  });

  it('Bitbucket not reached: Save without checking is offered, and saves unchecked', async () => {
    const fake = server((params) => (params.verify === false ? undefined : rpcError('Stackhook could not reach Bitbucket (ECONNREFUSED).', { kind: 'Bitbucket', problem: 'network', unreachable: true })));
    commandContext(fake);
    answerQuickPick(byLabel('API token'));
    answerInputBox(NEW);
    answers.push(() => 'Save without checking', () => undefined);
    await vscode.commands.executeCommand(Command.EditIntegration, 'acme-main');
    assert.deepEqual(recorded.messages.find((message) => message.modal)?.items, ['Edit', 'Save without checking']);
    assert.deepEqual(fake.sent('stackhook/integrations/update').map((params) => params.verify), [undefined, false]);
  });

  it('Replace Token asks for the token straight away', async () => {
    const fake = server(() => undefined);
    commandContext(fake);
    answerQuickPick(() => {
      throw new Error('Replace Token asks nothing but the token');
    });
    const boxes = answerInputBox(NEW);
    await vscode.commands.executeCommand(Command.ReplaceToken, 'acme-main');
    assert.equal(boxes.options[0].password, true);
    assert.deepEqual(fake.sent('stackhook/integrations/update').map((params) => params.secret), [NEW]);
  });
});
