// A team server over real WebSockets: who you are comes from your token alone, R6–R8 hold per user,
// bad tokens learn nothing, credentials are encrypted at rest, and an admin can invite from the editor.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as Protocol from '../../server/protocol';
import { rejection } from '../support/serverProcess';
import { parseTeamAddress } from '../../extension/connection/teamServer/address';
import { redeemInvitation } from '../../extension/connection/teamServer/redeem';
import { closeOf, connectEditor, createToken, openSocket, postRedeem, startTeamServer, userWithToken, wsUrl, type TeamEditor, type TeamServer } from '../support/teamServer';
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
    // Nothing leaves the machine: a call to Bitbucket meets a closed loopback port.
    server = await startTeamServer({ args: ['--bitbucket-api', 'http://127.0.0.1:9'] });
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

  it('a secret variable is sealed at rest with the server\'s key like a credential, never returned, and set only by an admin', async () => {
    // Its own connection, closed after: ana's connections are counted (at most 8).
    const ana = await connectEditor(server.url, tokens.ana);
    const secret = 'wJalrXUtnFEMI-team-variable-secret-42';
    await ana.request(Protocol.SpacesVariablesSet, { spaceId: 'root', name: 'AWS_SECRET_ACCESS_KEY', value: secret, secret: true });
    const listed = await ana.request(Protocol.SpacesVariablesList, { spaceId: 'root' });
    assert.deepEqual(listed.map(({ name, secret: isSecret, value }) => ({ name, isSecret, value })), [{ name: 'AWS_SECRET_ACCESS_KEY', isSecret: true, value: undefined }]);
    const file = readFileSync(path.join(server.store, 'credentials.json'), 'utf8');
    const sealed = Object.entries(JSON.parse(file) as Record<string, string>).filter(([key]) => key.includes('variable.space.root.AWS_SECRET_ACCESS_KEY'));
    assert.equal(sealed.length, 1, 'the value is kept with the credentials');
    assert.match(sealed[0]?.[1] ?? '', /^aes-256-gcm:/);
    for (const name of ['credentials.json', 'registry.json']) assert.ok(!readFileSync(path.join(server.store, name), 'utf8').includes(secret), `${name} holds the secret in plain text`);
    await ana.request(Protocol.SpacesVariablesDelete, { spaceId: 'root', name: 'AWS_SECRET_ACCESS_KEY' });
    assert.ok(!readFileSync(path.join(server.store, 'credentials.json'), 'utf8').includes('variable.space.root'), 'deleting it deletes its value');
    await ana.close();
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

  it('an admin of the root space invites a user from the editor; the invitation is redeemed once for a token that connects; others may not invite', async () => {
    const ana = await connect(tokens.ana);
    const invitation = await ana.request(Protocol.UsersInvite, { name: 'dan' });
    assert.equal(invitation.newUser, true);
    assert.match(invitation.token, /^shi_[A-Za-z0-9_-]{43}$/);
    assert.ok(Math.abs(Date.parse(invitation.expiresAt) - Date.now() - 7 * 86_400_000) < 60_000, 'an invitation lasts 7 days unless told otherwise');
    assert.match(await server.admin('users', 'list'), new RegExp(`^dan\t.*\tno tokens\t${invitation.tokenId} \\(pending, redeemable once until ${invitation.expiresAt}\\)$`, 'm'));

    const upgrade = await openSocket(wsUrl(server.url), invitation.token).then(
      () => assert.fail('an invitation must not open a connection'),
      (error: { status?: number }) => error,
    );
    assert.equal(upgrade.status, 401, 'an invitation is refused at the upgrade');
    await eventually(() => /refused: an invitation, not a personal token/.test(server.stderr()), 'the host log to say an invitation was presented');

    const redeemed = await postRedeem(server.url, `Bearer ${invitation.token}`);
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    assert.equal(redeemed.headers.get('cache-control'), 'no-store');
    const personal = Protocol.InvitationRedeemed.parse(redeemed.body);
    assert.equal(personal.user, 'dan');
    assert.match(personal.token, /^shk_[A-Za-z0-9_-]{43}$/);
    const dan = await connect(personal.token);
    assert.equal((await dan.request(Protocol.Status)).user, 'dan', 'the redeemed token opens a connection as the invited user');

    const again = await postRedeem(server.url, `Bearer ${invitation.token}`);
    assert.equal(again.status, 401, 'an invitation works once');
    assert.match(await server.admin('users', 'list'), new RegExp(`^dan\t.*${personal.tokenId} \\(valid until .*\t${invitation.tokenId} \\(used .* for token ${personal.tokenId}\\)$`, 'm'));
    const usersFile = readFileSync(path.join(server.store, 'users.json'), 'utf8');
    assert.ok(!usersFile.includes(invitation.token) && !usersFile.includes(personal.token), 'neither is stored but as a hash');
    assert.ok(!server.stderr().includes(invitation.token) && !server.stderr().includes(personal.token), 'the log never prints either');

    const refused = await rejection(dan.request(Protocol.UsersInvite, { name: 'eve' }));
    assert.equal(refused.kind, 'Forbidden');
    assert.doesNotMatch(await server.admin('users', 'list'), /^eve\t/m, 'a refused invitation adds nobody');
    const tooLong = await rejection(ana.request(Protocol.UsersInvite, { name: 'eve', days: 31 }));
    assert.equal(tooLong.kind, 'Invalid', 'an invitation lasts 30 days at most');
    assert.doesNotMatch(await server.admin('users', 'list'), /^eve\t/m);
  });

  it('the host invites with users invite: the invitation alone is printed, and redeemed for a token; a bad --days is refused', async () => {
    const printed = (await server.admin('users', 'invite', 'ivy', '--days', '3')).trim();
    assert.match(printed, /^shi_[A-Za-z0-9_-]{43}$/, 'stdout holds the invitation and nothing else');
    const listed = /^ivy\t.*\tno tokens\t\S+ \(pending, redeemable once until (\S+)\)$/m.exec(await server.admin('users', 'list'));
    assert.ok(listed, 'ivy was added, with one pending invitation');
    assert.ok(Math.abs(Date.parse(listed[1] as string) - Date.now() - 3 * 86_400_000) < 60_000, '--days 3: three days');
    const redeemed = await postRedeem(server.url, `Bearer ${printed}`);
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    assert.equal(Protocol.InvitationRedeemed.parse(redeemed.body).user, 'ivy');
    await assert.rejects(server.admin('users', 'invite', 'ivy', '--days', '31'), (error: { stderr?: string }) => /--days takes a whole number from 1 to 30 for an invitation/.test(error.stderr ?? ''));
    assert.ok(!server.stderr().includes(printed), 'the host log never prints it');
  });

  it('two redemptions of one invitation at once: one personal token and one 401', async () => {
    const ana = await connect(tokens.ana);
    const invitation = await ana.request(Protocol.UsersInvite, { name: 'fay' });
    const answers = await Promise.all([postRedeem(server.url, `Bearer ${invitation.token}`), postRedeem(server.url, `Bearer ${invitation.token}`)]);
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 401]);
    const users = JSON.parse(readFileSync(path.join(server.store, 'users.json'), 'utf8')) as { tokens: Array<{ user: string }> };
    assert.equal(users.tokens.filter((token) => token.user === 'fay').length, 1, 'one redemption, one token');
  });

  it('a used, expired, revoked, unknown or missing invitation, or a personal token, gets the same bare 401 at redeem', async () => {
    const ana = await connect(tokens.ana);
    const revoked = await ana.request(Protocol.UsersInvite, { name: 'gus' });
    await server.admin('tokens', 'revoke', revoked.tokenId);
    assert.match(await server.admin('users', 'list'), new RegExp(`${revoked.tokenId} \\(revoked `));
    const expired = await ana.request(Protocol.UsersInvite, { name: 'gus', days: 1 });
    assert.equal(expired.newUser, false, 'inviting a known user again gives a new invitation');
    const usersFile = path.join(server.store, 'users.json');
    const users = JSON.parse(readFileSync(usersFile, 'utf8'));
    users.invitations.find((record: { id: string }) => record.id === expired.tokenId).expiresAt = new Date(Date.now() - 1_000).toISOString();
    writeFileSync(usersFile, JSON.stringify(users));
    const used = await ana.request(Protocol.UsersInvite, { name: 'gus' });
    assert.equal((await postRedeem(server.url, `Bearer ${used.token}`)).status, 200);

    const bad: Array<[string, string | null]> = [
      ['used', `Bearer ${used.token}`],
      ['expired', `Bearer ${expired.token}`],
      ['revoked', `Bearer ${revoked.token}`],
      ['unknown', `Bearer shi_${'A'.repeat(43)}`],
      ['personal token', `Bearer ${tokens.ben}`],
      ['missing', null],
    ];
    const bodies = new Set<string>();
    for (const [what, authorization] of bad) {
      const answer = await postRedeem(server.url, authorization);
      assert.equal(answer.status, 401, `${what}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.headers.get('www-authenticate'), 'Bearer realm="stackhook"');
      bodies.add(JSON.stringify(answer.body));
    }
    assert.equal(bodies.size, 1, `every refusal reads the same: ${[...bodies].join(' | ')}`);
    await eventually(() => ['used', 'expired', 'revoked', 'unknown'].every((reason) => server.stderr().includes(`refused: ${reason} invitation`)), 'the host log to say why');
    const gus = JSON.parse(readFileSync(usersFile, 'utf8')).tokens.filter((token: { user: string }) => token.user === 'gus');
    assert.equal(gus.length, 1, 'only the one good redemption gave a token');
  });

  it('redeem takes POST only, and no body to speak of', async () => {
    const ana = await connect(tokens.ana);
    const invitation = await ana.request(Protocol.UsersInvite, { name: 'hal' });
    const get = await postRedeem(server.url, `Bearer ${invitation.token}`, { method: 'GET' });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    const large = await postRedeem(server.url, `Bearer ${invitation.token}`, { body: 'x'.repeat(64 * 1024) });
    assert.equal(large.status, 413);
    assert.equal((await postRedeem(server.url, `Bearer ${invitation.token}`)).status, 200, 'a refused request did not spend the invitation');
  });

  it('the editor\'s redeem step: the personal token for an invitation, and a sentence when it is refused', async () => {
    const ana = await connect(tokens.ana);
    const invitation = await ana.request(Protocol.UsersInvite, { name: 'ivy' });
    const address = parseTeamAddress(server.url);
    const redeemed = await redeemInvitation(address, invitation.token);
    assert.equal(redeemed.user, 'ivy');
    assert.equal((await (await connect(redeemed.token)).request(Protocol.Status)).user, 'ivy');
    await assert.rejects(redeemInvitation(address, invitation.token), /refused the invitation: it was used already, has expired or was revoked/);
  });

  it('checking typed Bitbucket credentials needs admin on some space: a user with no role, a reader and a writer are refused before any call to Bitbucket', async () => {
    const opened = [await connect(await userWithToken(server, 'wes')), await connect(tokens.ana), await connect(tokens.cy), await connect(tokens.ben)];
    const [wes, ana, cy, ben] = opened as [TeamEditor, TeamEditor, TeamEditor, TeamEditor];
    await ana.request(Protocol.AccessGrant, { user: 'wes', spaceId: 'root', role: 'write' });
    await ana.request(Protocol.AccessGrant, { user: 'ben', spaceId: 'root', role: 'read' });
    try {
      const typed = { username: 'victim@example.com', secret: 'ATATT-someone-elses-token-0123456789' };
      for (const [who, editor] of [['cy (no role)', cy], ['ben (read)', ben], ['wes (write)', wes]] as const) {
        const refused = await rejection(editor.request(Protocol.IntegrationsTest, typed));
        assert.equal(refused.kind, 'Forbidden', `${who}: ${refused.message}`);
        assert.match(refused.message, /needs admin on a space \(the role that creates integrations\)/, who);
        assert.ok(!refused.message.includes(typed.secret), 'the refusal does not quote the secret');
      }
      assert.ok(!server.stderr().includes(typed.secret), 'the host log never prints it');
    } finally {
      await Promise.all(opened.map((editor) => editor.close()));
    }
  });

  it('a change through one connection reaches every connected editor as stackhook/changed', async () => {
    const [ana, cy] = await Promise.all([connect(tokens.ana), connect(tokens.cy)]);
    const before = cy.changes.length;
    await ana.request(Protocol.IntegrationsCreate, { name: 'Another', type: 'space', spaceId: 'root', username: 'ana@example.com', secret: CREDENTIAL, verify: false });
    await eventually(() => cy.changes.slice(before).some((topics) => topics.includes('integrations')), 'cy to hear of the new integration', 1_000);
  });
});

describe('team server: a connection lasts only as long as its token', function () {
  this.timeout(60_000);
  let server: TeamServer;
  const editors: TeamEditor[] = [];
  const connect = async (token: string) => {
    const editor = await connectEditor(server.url, token);
    editors.push(editor);
    return editor;
  };

  before(async () => {
    server = await startTeamServer({ args: ['--bitbucket-api', 'http://127.0.0.1:9'] });
    await userWithToken(server, 'ana', true);
    await server.admin('users', 'add', 'rex');
    await server.admin('users', 'add', 'sol');
  });
  after(async () => {
    await Promise.all(editors.map((editor) => editor.close()));
    await server.stop();
  });

  it('tokens revoke ID, run on the host, closes within seconds every connection the token opened ("token revoked"); another token\'s and another user\'s stay open', async () => {
    const revoked = await createToken(server.store, 'rex');
    const kept = await createToken(server.store, 'rex');
    const sol = await createToken(server.store, 'sol');
    const [first, second, otherToken, otherUser] = await Promise.all([connect(revoked.token), connect(revoked.token), connect(kept.token), connect(sol.token)]);
    for (const editor of [first, second, otherToken]) assert.equal((await editor.request(Protocol.Status)).user, 'rex', 'every connection works before');

    const closes = [first, second].map((editor) => closeOf(editor.socket, 15_000));
    await server.admin('tokens', 'revoke', revoked.id);
    const revokedAt = Date.now();
    for (const closed of await Promise.all(closes)) {
      assert.deepEqual([closed.code, closed.reason], [Protocol.TOKEN_ENDED_CLOSE_CODE, 'token revoked']);
      assert.ok(closed.at - revokedAt < 3_000, `closed ${closed.at - revokedAt} ms after the revocation`);
    }
    await assert.rejects(first.request(Protocol.Status), 'the next request on a closed connection fails');
    assert.equal((await otherToken.request(Protocol.Status)).user, 'rex', 'a connection of the same user\'s other token stays open');
    assert.equal((await otherUser.request(Protocol.Status)).user, 'sol', 'another user\'s connection stays open');
    const reconnect = await openSocket(wsUrl(server.url), revoked.token).then(
      () => assert.fail('a revoked token must not connect again'),
      (error: { status?: number }) => error,
    );
    assert.equal(reconnect.status, 401);
    await eventually(() => new RegExp(`rex's connection to /rpc was closed: its token \\(id ${revoked.id}\\) was revoked`).test(server.stderr()), 'the host log to say why');
    assert.ok(!server.stderr().includes(revoked.token), 'the log never prints the token');
  });

  it('a connection closes when its token expires ("token expired"), not before', async () => {
    const short = await createToken(server.store, 'sol');
    const editor = await connect(short.token);
    assert.equal((await editor.request(Protocol.Status)).user, 'sol');
    const closed = closeOf(editor.socket, 15_000);
    // Time passes: the token's expiry is brought to a moment from now, as 90 days would.
    const usersFile = path.join(server.store, 'users.json');
    const users = JSON.parse(readFileSync(usersFile, 'utf8')) as { tokens: Array<{ id: string; expiresAt: string }> };
    const expiresAt = Date.now() + 1_500;
    (users.tokens.find((token) => token.id === short.id) as { expiresAt: string }).expiresAt = new Date(expiresAt).toISOString();
    writeFileSync(usersFile, JSON.stringify(users));
    assert.equal((await editor.request(Protocol.Status)).user, 'sol', 'it works until then');
    const { code, reason, at } = await closed;
    assert.deepEqual([code, reason], [Protocol.TOKEN_ENDED_CLOSE_CODE, 'token expired']);
    assert.ok(at >= expiresAt - 50, `closed ${expiresAt - at} ms before the expiry`);
    assert.ok(at - expiresAt < 3_000, `closed ${at - expiresAt} ms after the expiry`);
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
    writeFileSync(keyFile, 'abcd', { mode: 0o600 });
    await assert.rejects(startTeamServer({ store, keyFile }), /not 32 bytes/);
  });

  it('refuses to start with a key file others can read, saying how to fix it', async () => {
    // Outside the store, whose files start-up makes private again.
    const keyFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'stackhook-key-')), 'open.key');
    writeFileSync(keyFile, 'a'.repeat(64), { mode: 0o644 });
    chmodSync(keyFile, 0o644);
    await assert.rejects(startTeamServer({ keyFile }), /can be read or changed by others \(mode 0644\).*chmod 600/);
  });

  it('refuses a database URL with a password in it, without printing the password', async () => {
    await assert.rejects(
      startTeamServer({ args: ['--database-url', 'postgres://stackhook:pw-on-the-command-line@127.0.0.1:9/stackhook'] }),
      (error: Error) => /serve exited with 2/.test(error.message) && /carries a password/.test(error.message) && /--database-password-file/.test(error.message) && !error.message.includes('pw-on-the-command-line'),
    );
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
  const stack = (name: string, runner?: Protocol.Runner) => ({ name, spaceId: 'root', integrationId: 'shared', repository: 'acme/infra', branch: 'main', verify: false, ...(runner ? { runner } : {}) });

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

  it('a writer cannot turn an admin\'s local-runner stack into a fork runner: allowForks, autodeploy and the runner are admin\'s; the branch and project root are the writer\'s', async () => {
    const { ana, ben } = await teamWith(['--local-runner']);
    const withApply: Protocol.Runner = { ...local, apply: ['terraform', 'apply'] };
    const created = await ana.request(Protocol.StacksCreate, stack('host-net', withApply));
    const changes: Array<[Omit<Protocol.ParamsOf<typeof Protocol.StacksUpdate>, 'stackId'>, RegExp]> = [
      [{ allowForks: true, autodeploy: true }, /Changing autodeploy and allowForks of the stack "host-net" needs admin on the space "root"/],
      [{ allowForks: true }, /Changing allowForks of the stack "host-net" needs admin on the space "root"/],
      [{ autodeploy: true }, /Changing autodeploy of the stack "host-net" needs admin/],
      [{ runner: { type: 'local', plan: ['sh', '-c', 'id'], apply: null } }, /local commands on a team server needs admin of the root space/],
      [{ runner: { type: 'pipelines', pipeline: 'stackhook' } }, /Changing the runner of the stack "host-net"/],
    ];
    for (const [change, named] of changes) {
      const refused = await rejection(ben.request(Protocol.StacksUpdate, { stackId: created.id, ...change }));
      assert.equal(refused.kind, 'Forbidden', JSON.stringify(change));
      assert.match(refused.message, named);
    }
    const forbiddenCreate = await rejection(ben.request(Protocol.StacksCreate, { ...stack('fork-runner'), allowForks: true, autodeploy: true }));
    assert.equal(forbiddenCreate.kind, 'Forbidden');
    assert.match(forbiddenCreate.message, /Setting autodeploy and allowForks of a new stack to anything but the default needs admin on the space "root"/);
    assert.equal((await ben.request(Protocol.StacksList)).some((candidate) => candidate.id === 'fork-runner'), false, 'the refused stack was not created');

    const moved = await ben.request(Protocol.StacksUpdate, { stackId: created.id, branch: 'develop', projectRoot: 'envs/dev', verify: false });
    assert.deepEqual([moved.branch, moved.projectRoot], ['develop', 'envs/dev'], 'a writer changes what the stack tracks');
    const listed = (await ana.request(Protocol.StacksList)).find((candidate) => candidate.id === created.id);
    assert.deepEqual([listed?.allowForks, listed?.autodeploy, listed?.runner], [false, false, withApply], 'no refused change was kept');
    const granted = await ana.request(Protocol.StacksUpdate, { stackId: created.id, allowForks: true });
    assert.equal(granted.allowForks, true, 'an admin of the space may');
  });

  it('serve --local-runner refuses to start where no sandbox can run, naming bubblewrap', async () => {
    await assert.rejects(
      startTeamServer({ args: ['--local-runner'], env: { STACKHOOK_SANDBOX: 'none' } }),
      (error: Error) => /serve exited with 1/.test(error.message) && /--local-runner needs bubblewrap \(bwrap\)/.test(error.message) && /apt-get install bubblewrap/.test(error.message),
    );
  });
});
