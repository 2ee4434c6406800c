// The extension's link to a team server against a real `serve`: who the token belongs to, a refusal
// for a bad token, reconnecting with backoff when the server goes away and comes back, and no
// reconnecting when the server ends the connection because its token was revoked.
import '../support/vscodeStub';
import { strict as assert } from 'node:assert';
import { createMessageConnection } from 'vscode-jsonrpc';
import type * as vscode from 'vscode';
import * as Protocol from '../../server/protocol';
import { parseTeamAddress } from '../../extension/connection/teamServer/address';
import type { CommandContext } from '../../extension/commands/context';
import { connect, whoIs } from '../../extension/commands/teamServer';
import { TeamLink, type TeamStatus } from '../../extension/connection/teamServer/teamLink';
import { TeamRefusal } from '../../extension/connection/teamServer/refusal';
import { freePort } from '../../scripts/lib/processes';
import { connectEditor, createToken, startTeamServer, userWithToken, type TeamServer } from '../support/teamServer';
import { recorded, settings, window } from '../support/vscodeStub';
import { eventually } from './receiverSupport';


class MemorySecrets {
  readonly values = new Map<string, string>();
  get = async (key: string) => this.values.get(key);
  store = async (key: string, value: string) => void this.values.set(key, value);
  delete = async (key: string) => void this.values.delete(key);
  onDidChange = () => ({ dispose: () => undefined });
}

const quietLog = { warn: () => undefined, info: () => undefined, error: () => undefined } as unknown as vscode.LogOutputChannel;

describe('the extension\'s team server connection', function () {
  this.timeout(90_000);
  let server: TeamServer;
  let port: number;
  let token: string;

  before(async () => {
    port = await freePort();
    server = await startTeamServer({ port });
    token = await userWithToken(server, 'ana', true);
  });
  after(() => server.stop());

  it('Connect checks the token by asking the server who it belongs to; a wrong one is refused as such', async () => {
    const address = parseTeamAddress(server.url);
    assert.equal(await whoIs(address, token), 'ana');
    await assert.rejects(whoIs(address, `shk_${'x'.repeat(43)}`), (error: unknown) => error instanceof TeamRefusal && error.status === 401 && /wrong, expired or revoked/.test(error.message));
  });

  it('Connect with an invitation redeems it, keeps the personal token it gives (never the invitation) and connects as the invited user', async () => {
    const admin = await connectEditor(server.url, token);
    const invitation = await admin.request(Protocol.UsersInvite, { name: 'dan' });
    await admin.close();
    const secrets = new MemorySecrets();
    const link = new TeamLink(secrets as unknown as vscode.SecretStorage, quietLog);
    const ctx = { output: quietLog, server: { restart: async () => undefined } } as unknown as CommandContext;
    const answers = [server.url, invitation.token, server.url, invitation.token];
    const shownInputs: Array<{ validateInput?: (value: string) => string | undefined }> = [];
    const showInputBox = window.showInputBox;
    window.showInputBox = async (options?: unknown) => {
      shownInputs.push(options as (typeof shownInputs)[number]);
      return answers.shift();
    };
    try {
      await connect(ctx, link);
      assert.equal(shownInputs[1]?.validateInput?.(invitation.token), undefined, 'the token box takes an invitation');
      const address = parseTeamAddress(server.url);
      const stored = await link.getToken(address);
      assert.match(stored ?? '', /^shk_/, 'the personal token is stored');
      assert.ok(![...secrets.values.values()].includes(invitation.token), 'the invitation is not stored');
      assert.equal(await whoIs(address, stored as string), 'dan');
      assert.equal(settings.get('stackhook.server'), address.url);
      assert.match(recorded.messages.at(-1)?.message ?? '', /Connected to 127\.0\.0\.1:\d+ as dan/);

      secrets.values.clear();
      await connect(ctx, link);
      assert.match(recorded.messages.at(-1)?.message ?? '', /refused the invitation: it was used already/, 'an invitation works once');
      assert.equal(secrets.values.size, 0, 'a refused invitation stores nothing');
    } finally {
      window.showInputBox = showInputBox;
      settings.delete('stackhook.server');
    }
  });

  it('a token revoked on the host while connected: the link says "token revoked" and asks for a new one instead of reconnecting', async () => {
    await server.admin('users', 'add', 'rex');
    const revoked = await createToken(server.store, 'rex');
    const secrets = new MemorySecrets();
    const link = new TeamLink(secrets as unknown as vscode.SecretStorage, quietLog);
    const address = parseTeamAddress(server.url);
    await link.storeToken(address, revoked.token);
    const transport = await link.transports(address);
    const connection = createMessageConnection(transport.reader, transport.writer);
    connection.listen();
    await connection.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
    assert.equal(Protocol.Status.result.parse(await connection.sendRequest(Protocol.wireType(Protocol.Status), {})).user, 'rex');
    const seen: TeamStatus[] = [];
    link.onDidChange((status) => seen.push(status));
    const closed = new Promise<void>((resolve) => transport.reader.onClose(() => resolve()));
    await server.admin('tokens', 'revoke', revoked.id);
    await closed;
    // The language client asks at once, as it hears the close, whether to reconnect.
    assert.equal(link.tokenEnded, 'revoked');
    assert.deepEqual(link.status, { kind: 'refused', host: address.host, reason: 'token revoked' });
    await assert.rejects(link.transports(address), TeamRefusal, 'no attempt with a token that will only be refused');
    assert.deepEqual(seen.map((status) => status.kind), ['refused'], 'it never says reconnecting');
    connection.dispose();
    link.reset();
    assert.equal(link.tokenEnded, null, 'a new start (a new token pasted) tries again');
    link.dispose();
  });

  it('without a stored token the link says refused; with one it connects, and after the server goes away it reconnects with backoff', async () => {
    const secrets = new MemorySecrets();
    const link = new TeamLink(secrets as unknown as vscode.SecretStorage, quietLog);
    const seen: TeamStatus['kind'][] = [];
    link.onDidChange((status) => seen.push(status.kind));
    const address = parseTeamAddress(server.url);
    await assert.rejects(link.transports(address), TeamRefusal);
    assert.equal(link.status.kind, 'refused');

    await link.storeToken(address, token);
    const first = await link.transports(address);
    const connection = createMessageConnection(first.reader, first.writer);
    connection.listen();
    await connection.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
    assert.equal(Protocol.Status.result.parse(await connection.sendRequest(Protocol.wireType(Protocol.Status), {})).user, 'ana');

    const dropped = new Promise<void>((resolve) => first.reader.onClose(() => resolve()));
    await server.stop();
    await dropped;
    connection.dispose();
    const reconnecting = link.transports(address);
    await eventually(() => link.status.kind === 'reconnecting', 'the link to say it is reconnecting', 10_000);
    const store = server.store;
    server = await startTeamServer({ store, port, keyFile: `${store}/stackhook.key` });
    const again = await reconnecting;
    const back = createMessageConnection(again.reader, again.writer);
    back.listen();
    await back.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
    assert.equal(Protocol.Status.result.parse(await back.sendRequest(Protocol.wireType(Protocol.Status), {})).user, 'ana');
    back.dispose();
    assert.ok(seen.includes('reconnecting') && seen.includes('connecting'), seen.join(' → '));
    link.dispose();
  });
});
