// What every engine's user directory must do; run against the file engine and PostgreSQL.
import { strict as assert } from 'node:assert';
import type { UserDirectory } from '../../server/team/userDirectory';

export function userDirectoryBehaviour(engine: string, make: () => Promise<UserDirectory>): void {
  describe(`users and personal tokens (${engine})`, () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const later = (days: number) => new Date(now.getTime() + days * 86_400_000);
    let directory: UserDirectory;
    beforeEach(async () => {
      directory = await make();
    });

    it('a token authenticates its user until it expires or is revoked', async () => {
      await directory.addUser('ana', now);
      const issued = await directory.createToken('ana', now, 90);
      assert.deepEqual(await directory.authenticate(issued.token, later(89)), { user: 'ana', tokenId: issued.id });
      assert.deepEqual(await directory.authenticate(issued.token, later(90)), { refused: 'expired' });
      await directory.revokeToken(issued.id, later(1));
      assert.deepEqual(await directory.authenticate(issued.token, later(2)), { refused: 'revoked' });
      assert.deepEqual(await directory.authenticate('shk_unknown', now), { refused: 'unknown' });
    });

    it('refuses tokens for unknown users, a second user of one name and unknown token ids; lists without hashes', async () => {
      await directory.addUser('ana', now);
      const issued = await directory.createToken('ana', now, 1);
      await assert.rejects(directory.createToken('bo', now, 1), /There is no user "bo"/);
      await assert.rejects(directory.addUser('ana', now), /already a user "ana"/);
      await assert.rejects(directory.revokeToken('nope', now), /no token with the id "nope"/);
      const listed = await directory.listUsers();
      assert.deepEqual(listed, [{ name: 'ana', createdAt: now.toISOString(), tokens: [{ id: issued.id, user: 'ana', createdAt: now.toISOString(), expiresAt: issued.expiresAt, revokedAt: null }] }]);
    });
  });
}
