import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileUserDirectory } from '../../../server/team/userDirectory';
import { bearerToken, hashToken } from '../../../server/team/tokens';

describe('users and personal tokens (file engine)', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  const later = (days: number) => new Date(now.getTime() + days * 86_400_000);
  let directory: FileUserDirectory;
  beforeEach(() => {
    directory = new FileUserDirectory(mkdtempSync(path.join(os.tmpdir(), 'stackhook-users-')));
  });

  it('a token authenticates its user until it expires (90 days by default) or is revoked', async () => {
    await directory.addUser('ana', now);
    const issued = await directory.createToken('ana', now, 90);
    assert.deepEqual(await directory.authenticate(issued.token, later(89)), { user: 'ana', tokenId: issued.id });
    assert.deepEqual(await directory.authenticate(issued.token, later(90)), { refused: 'expired' });
    await directory.revokeToken(issued.id, later(1));
    assert.deepEqual(await directory.authenticate(issued.token, later(2)), { refused: 'revoked' });
    assert.deepEqual(await directory.authenticate('shk_unknown', now), { refused: 'unknown' });
  });

  it('keeps only the hash, refuses tokens for unknown users, and refuses a second user of one name', async () => {
    await directory.addUser('ana', now);
    const issued = await directory.createToken('ana', now, 1);
    const file = readFileSync(directory.file, 'utf8');
    assert.ok(!file.includes(issued.token));
    assert.ok(file.includes(hashToken(issued.token)));
    await assert.rejects(directory.createToken('bo', now, 1), /There is no user "bo"/);
    await assert.rejects(directory.addUser('ana', now), /already a user "ana"/);
    await assert.rejects(directory.revokeToken('nope', now), /no token with the id "nope"/);
    const [ana] = await directory.listUsers();
    assert.deepEqual(Object.keys(ana?.tokens[0] ?? {}).sort(), ['createdAt', 'expiresAt', 'id', 'revokedAt', 'user'], 'listing never shows a hash');
  });

  it('reads a bearer token from the Authorization header and nothing else', () => {
    assert.equal(bearerToken('Bearer shk_abc'), 'shk_abc');
    assert.equal(bearerToken('bearer  shk_abc '), 'shk_abc');
    assert.equal(bearerToken('Basic YW5hOnB3'), null);
    assert.equal(bearerToken('Bearer a b'), null);
    assert.equal(bearerToken(undefined), null);
  });
});
