// A team server over real WebSockets: who you are comes from your token alone, R6–R8 hold per user,
// bad tokens learn nothing, credentials are encrypted at rest, and an admin can invite from the editor.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as Protocol from '../../server/protocol';
import { rejection } from '../support/serverProcess';
import { connectEditor, openSocket, startTeamServer, userWithToken, wsUrl, type TeamEditor, type TeamServer } from '../support/teamServer';
import { eventually } from './receiverSupport';

const CREDENTIAL = 'ATATT-team-credential-0123456789';

describe('team server: the protocol over an authenticated WebSocket', function () {
  this.timeout(60_000);
  let server: TeamServer;
  const tokens: Record<'ana' | 'ben' | 'cy', string> = { ana: '', ben: '', cy: '' };
  const editors: TeamEditor[] = [];
  const connect = async (token: string) => {
    const editor = await connectEditor(server.url, token);
    editors.push(editor);
    return editor;
  };

  before(async () => {
    server = await startTeamServer();
    tokens.ana = await userWithToken(server, 'ana', true);
    tokens.ben = await userWithToken(server, 'ben');
    tokens.cy = await userWithToken(server, 'cy');
  });
  after(async () => {
    await Promise.all(editors.map((editor) => editor.close()));
    await server.stop();
  });

  it('the user is the token\'s owner: status says so, and a token is stored only as a hash', async () => {
    for (const name of ['ana', 'ben', 'cy'] as const) {
      const editor = await connect(tokens[name]);
      assert.equal((await editor.request(Protocol.Status)).user, name);
    }
    const usersFile = readFileSync(path.join(server.store, 'users.json'), 'utf8');
    for (const token of Object.values(tokens)) {
      assert.match(token, /^shk_[A-Za-z0-9_-]{43}$/, 'a token carries 256 random bits');
      assert.ok(!usersFile.includes(token), 'the users file must not hold a token');
    }
  });

  it('R6–R8 across three users\' connections, with no leak of details, secrets or credentials', async () => {
    const [ana, ben, cy] = await Promise.all([connect(tokens.ana), connect(tokens.ben), connect(tokens.cy)]);
    await ana.request(Protocol.SpacesCreate, { name: 'Payments', parentId: 'root', inheritEntities: true });
    await ana.request(Protocol.AccessGrant, { user: 'ben', spaceId: 'payments', role: 'read' });
    await ana.request(Protocol.IntegrationsCreate, { name: 'Shared', type: 'default', username: 'ana@example.com', secret: CREDENTIAL, verify: false });
    await ana.request(Protocol.IntegrationsCreate, { name: 'Payments BB', type: 'space', spaceId: 'payments', username: 'ana@example.com', secret: `${CREDENTIAL}-2`, verify: false });
    const secrets = [
      (await ana.request(Protocol.IntegrationsWebhookSecret, { id: 'shared' })).secret,
      (await ana.request(Protocol.IntegrationsWebhookSecret, { id: 'payments-bb' })).secret,
    ];

    const listed = async (editor: TeamEditor) => (await editor.request(Protocol.IntegrationsList)).map((i) => [i.id, i.detailsVisible]);
    assert.deepEqual(await listed(ana), [['shared', true], ['payments-bb', true]]);
    assert.deepEqual(await listed(ben), [['shared', false], ['payments-bb', false]], 'R7: a reader of the space lists it, without details');
    assert.deepEqual(await listed(cy), [['shared', false]], 'R6: a default integration is listed to everyone; R7: a space one only to its readers');

    const seenByOthers: string[] = [];
    for (const editor of [ben, cy]) {
      for (const id of ['shared', 'payments-bb']) {
        const details = await rejection(editor.request(Protocol.IntegrationsGet, { id }));
        assert.ok(details.kind === 'Forbidden' || details.kind === 'NotFound', details.message);
        seenByOthers.push(details.message);
        const secret = await rejection(editor.request(Protocol.IntegrationsWebhookSecret, { id }));
        seenByOthers.push(secret.message);
        const update = await rejection(editor.request(Protocol.IntegrationsUpdate, { id, description: 'mine now' }));
        assert.ok(update.kind === 'Forbidden' || update.kind === 'NotFound', 'R8: only admins of the space manage it');
        seenByOthers.push(update.message);
      }
      seenByOthers.push(JSON.stringify(await editor.request(Protocol.IntegrationsList)), JSON.stringify(await editor.request(Protocol.Status)));
    }
    const leaks = seenByOthers.filter((text) => [...secrets, CREDENTIAL].some((secret) => text.includes(secret)) || text.includes('ana@example.com'));
    assert.deepEqual(leaks, [], 'nothing a non-admin sees holds a secret, a credential or a username');
    assert.equal((await ana.request(Protocol.IntegrationsGet, { id: 'payments-bb' })).description, '', 'no refused update changed anything');
  });

  it('credentials are encrypted at rest with the server\'s key (AES-256-GCM), never in plain text', () => {
    const file = readFileSync(path.join(server.store, 'credentials.json'), 'utf8');
    assert.ok(!file.includes(CREDENTIAL), 'the credential must not be stored in plain text');
    const values = Object.values(JSON.parse(file) as Record<string, string>);
    assert.equal(values.length, 2);
    for (const value of values) assert.match(value, /^aes-256-gcm:/);
  });

  it('a missing, malformed, wrong, revoked or expired token gets 401 before the upgrade, and the same answer each time', async () => {
    const revokedToken = await server.admin('tokens', 'create', 'ben').then((out) => out.trim());
    const revokedId = JSON.parse(readFileSync(path.join(server.store, 'users.json'), 'utf8')).tokens.at(-1).id as string;
    await server.admin('tokens', 'revoke', revokedId);
    const expiredToken = await server.admin('tokens', 'create', 'cy', '--days', '1').then((out) => out.trim());
    // Time passes: the token's expiry is moved into the past, as 90 days would.
    const usersFile = path.join(server.store, 'users.json');
    const users = JSON.parse(readFileSync(usersFile, 'utf8'));
    users.tokens.at(-1).expiresAt = new Date(Date.now() - 1_000).toISOString();
    writeFileSync(usersFile, JSON.stringify(users));

    const bad: Array<[string, string | null]> = [
      ['missing', null],
      ['malformed', 'not a token'],
      ['wrong', `shk_${'A'.repeat(43)}`],
      ['another token with one character changed', `${tokens.ana.slice(0, -1)}${tokens.ana.endsWith('A') ? 'B' : 'A'}`],
      ['revoked', revokedToken],
      ['expired', expiredToken],
    ];
    const answers = new Set<string>();
    for (const [what, token] of bad) {
      const refusal = await openSocket(wsUrl(server.url), token).then(
        () => assert.fail(`a ${what} token must be refused`),
        (error: { status?: number; body?: string; headers?: Record<string, string> }) => error,
      );
      assert.equal(refusal.status, 401, `${what}: ${JSON.stringify(refusal)}`);
      assert.equal(refusal.headers?.['www-authenticate'], 'Bearer realm="stackhook"');
      answers.add(refusal.body ?? '');
    }
    assert.equal(answers.size, 1, `every refusal reads the same: ${[...answers].join(' | ')}`);
    assert.ok(!server.stderr().includes(revokedToken) && !server.stderr().includes(expiredToken), 'the log never prints a token');
    await eventually(() => /refused: revoked token/.test(server.stderr()) && /refused: expired token/.test(server.stderr()), 'the host log to say why');
  });

  it('an admin of the root space invites a user from the editor; the token works once handed over; others may not invite', async () => {
    const ana = await connect(tokens.ana);
    const invitation = await ana.request(Protocol.UsersInvite, { name: 'dan' });
    assert.equal(invitation.newUser, true);
    const dan = await connect(invitation.token);
    assert.equal((await dan.request(Protocol.Status)).user, 'dan');
    const refused = await rejection(dan.request(Protocol.UsersInvite, { name: 'eve' }));
    assert.equal(refused.kind, 'Forbidden');
    assert.match(await server.admin('users', 'list'), /^dan\t/m);
    assert.doesNotMatch(await server.admin('users', 'list'), /^eve\t/m, 'a refused invitation adds nobody');
  });

  it('a change through one connection reaches every connected editor as stackhook/changed', async () => {
    const [ana, cy] = await Promise.all([connect(tokens.ana), connect(tokens.cy)]);
    const before = cy.changes.length;
    await ana.request(Protocol.IntegrationsCreate, { name: 'Another', type: 'space', spaceId: 'root', username: 'ana@example.com', secret: CREDENTIAL, verify: false });
    await eventually(() => cy.changes.slice(before).some((topics) => topics.includes('integrations')), 'cy to hear of the new integration', 1_000);
  });
});

describe('team server without a secret key', function () {
  this.timeout(60_000);
  let server: TeamServer;
  after(() => server?.stop());

  it('refuses to store a credential and says how to give it a key; the integration is not kept', async () => {
    server = await startTeamServer({ keyFile: null, env: { STACKHOOK_SECRET_KEY: '' } });
    const editor = await connectEditor(server.url, await userWithToken(server, 'ana', true));
    try {
      const refused = await rejection(editor.request(Protocol.IntegrationsCreate, { name: 'Shared', type: 'default', username: 'ana@example.com', secret: CREDENTIAL, verify: false }));
      assert.equal(refused.kind, 'Unavailable');
      assert.match(refused.message, /--secret-key-file/);
      assert.deepEqual(await editor.request(Protocol.IntegrationsList), []);
    } finally {
      await editor.close();
    }
  });

  it('refuses to start with a key that is not 32 bytes', async () => {
    const store = server.store;
    const keyFile = path.join(store, 'short.key');
    writeFileSync(keyFile, 'abcd');
    await assert.rejects(startTeamServer({ store, keyFile }), /not 32 bytes/);
  });
});

describe('team server over TLS', function () {
  this.timeout(60_000);
  let server: TeamServer | undefined;
  after(() => server?.stop());

  it('--tls-cert/--tls-key serve https:// and wss://, and the token works over them', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'stackhook-tls-'));
    const [cert, key] = [path.join(folder, 'cert.pem'), path.join(folder, 'key.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    server = await startTeamServer({ args: ['--tls-cert', cert, '--tls-key', key] });
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const token = await userWithToken(server, 'ana', true);
    const socket = await openSocket(wsUrl(server.url), token, { ca: readFileSync(cert) });
    assert.equal(socket.url.startsWith('wss://'), true);
    socket.close();
    await assert.rejects(openSocket(wsUrl(server.url).replace('wss:', 'ws:'), token), 'plain ws:// to a TLS port does not connect');
  });
});

describe('team server: the local runner', function () {
  this.timeout(60_000);
  const local = { type: 'local' as const, plan: ['terraform', 'plan'], apply: null };
  const servers: TeamServer[] = [];
  const editors: TeamEditor[] = [];
  after(async () => {
    await Promise.all(editors.map((editor) => editor.close()));
    await Promise.all(servers.map((server) => server.stop()));
  });

  async function teamWith(args: string[]) {
    const server = await startTeamServer({ args });
    servers.push(server);
    const ana = await connectEditor(server.url, await userWithToken(server, 'ana', true));
    const ben = await connectEditor(server.url, await userWithToken(server, 'ben'));
    editors.push(ana, ben);
    await ana.request(Protocol.IntegrationsCreate, { name: 'Shared', type: 'default', username: 'ana@example.com', secret: CREDENTIAL, verify: false });
    await ana.request(Protocol.AccessGrant, { user: 'ben', spaceId: 'root', role: 'write' });
    return { ana, ben };
  }
  const stack = (name: string, runner?: typeof local) => ({ name, spaceId: 'root', integrationId: 'shared', repository: 'acme/infra', branch: 'main', verify: false, ...(runner ? { runner } : {}) });

  it('is off without --local-runner: nobody may choose it, and pipelines stay the default', async () => {
    const { ana } = await teamWith([]);
    const refused = await rejection(ana.request(Protocol.StacksCreate, stack('net', local)));
    assert.equal(refused.kind, 'Forbidden');
    assert.match(refused.message, /local runner is off on this team server.*--local-runner/);
    const created = await ana.request(Protocol.StacksCreate, stack('net'));
    const listed = (await ana.request(Protocol.StacksList)).find((candidate) => candidate.id === created.id);
    assert.equal(listed?.runner.type, 'pipelines');
    const update = await rejection(ana.request(Protocol.StacksUpdate, { stackId: created.id, runner: local }));
    assert.match(update.message, /local runner is off/);
  });

  it('with --local-runner, only admins of the root space set a stack\'s local commands', async () => {
    const { ana, ben } = await teamWith(['--local-runner']);
    const refused = await rejection(ben.request(Protocol.StacksCreate, stack('net', local)));
    assert.equal(refused.kind, 'Forbidden');
    assert.match(refused.message, /local commands on a team server needs admin of the root space/);
    const created = await ben.request(Protocol.StacksCreate, stack('net'));
    assert.equal((await rejection(ben.request(Protocol.StacksUpdate, { stackId: created.id, runner: local }))).kind, 'Forbidden');
    const updated = await ana.request(Protocol.StacksUpdate, { stackId: created.id, runner: local });
    assert.equal(updated.runner.type, 'local');
  });
});
