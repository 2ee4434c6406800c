import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileUserDirectory } from '../../../server/store/files/userDirectory';
import { bearerToken, hashToken } from '../../../server/team/tokens';
import { userDirectoryBehaviour } from '../../support/userDirectoryBehaviour';

const fresh = () => new FileUserDirectory(mkdtempSync(path.join(os.tmpdir(), 'stackhook-users-')));

userDirectoryBehaviour('file engine', async () => {
  const directory = fresh();
  return [directory, new FileUserDirectory(path.dirname(directory.file))];
});

describe('the file engine\'s users file', () => {
  it('keeps a token only as its hash', async () => {
    const directory = fresh();
    await directory.addUser('ana', new Date());
    const issued = await directory.createToken('ana', new Date(), 1);
    const file = readFileSync(directory.file, 'utf8');
    assert.ok(!file.includes(issued.token));
    assert.ok(file.includes(hashToken(issued.token)));
  });

  it('keeps an invitation only as its hash, apart from the personal tokens', async () => {
    const directory = fresh();
    await directory.addUser('dan', new Date());
    const invitation = await directory.createInvitation('dan', new Date(), 7);
    const file = JSON.parse(readFileSync(directory.file, 'utf8')) as { tokens: unknown[]; invitations: Array<{ hash: string }> };
    assert.ok(!JSON.stringify(file).includes(invitation.token));
    assert.deepEqual(file.tokens, []);
    assert.deepEqual(file.invitations.map((record) => record.hash), [hashToken(invitation.token)]);
  });

  it('reads a users file written before invitations existed', async () => {
    const directory = fresh();
    writeFileSync(directory.file, JSON.stringify({ schemaVersion: 1, users: [{ name: 'ana', createdAt: '2026-11-01T00:00:00.000Z' }], tokens: [] }));
    assert.deepEqual(await directory.listUsers(), [{ name: 'ana', createdAt: '2026-11-01T00:00:00.000Z', tokens: [], invitations: [] }]);
  });

  it('reads a bearer token from the Authorization header and nothing else', () => {
    assert.equal(bearerToken('Bearer shk_abc'), 'shk_abc');
    assert.equal(bearerToken('bearer  shk_abc '), 'shk_abc');
    assert.equal(bearerToken('Basic YW5hOnB3'), null);
    assert.equal(bearerToken('Bearer a b'), null);
    assert.equal(bearerToken(undefined), null);
  });
});
