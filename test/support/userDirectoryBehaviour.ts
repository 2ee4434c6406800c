// What every engine's user directory must do; run against the file engine and PostgreSQL. `make`
// opens two handles on one fresh store, as two processes (or replicas) would.
import { strict as assert } from 'node:assert';
import type { IssuedToken, UserDirectory } from '../../server/team/userDirectory';

export function userDirectoryBehaviour(engine: string, make: () => Promise<[UserDirectory, UserDirectory]>): void {
  describe(`users and personal tokens (${engine})`, () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const later = (days: number) => new Date(now.getTime() + days * 86_400_000);
    let directory: UserDirectory;
    let other: UserDirectory;
    beforeEach(async () => {
      [directory, other] = await make();
    });

    it('a token authenticates its user until it expires or is revoked', async () => {
      await directory.addUser('ana', now);
      const issued = await directory.createToken('ana', now, 90);
      assert.deepEqual(await directory.authenticate(issued.token, later(89)), { user: 'ana', tokenId: issued.id, expiresAt: issued.expiresAt });
      assert.deepEqual(await directory.authenticate(issued.token, later(90)), { refused: 'expired' });
      await directory.revokeToken(issued.id, later(1));
      assert.deepEqual(await directory.authenticate(issued.token, later(2)), { refused: 'revoked' });
      assert.deepEqual(await directory.authenticate('shk_unknown', now), { refused: 'unknown' });
    });

    it('says how the tokens of open connections stand now, after another handle (another process) revoked one; its watch hears revocations made there', async () => {
      await directory.addUser('ana', now);
      const kept = await directory.createToken('ana', now, 90);
      const revoked = await directory.createToken('ana', now, 90);
      const expiring = await directory.createToken('ana', now, 1);
      await other.revokeToken(revoked.id, later(0.5));
      assert.deepEqual(Object.fromEntries(await directory.checkTokens([kept.id, revoked.id, expiring.id, 'no-such-id'], later(2))), {
        [kept.id]: { user: 'ana', tokenId: kept.id, expiresAt: kept.expiresAt },
        [revoked.id]: { refused: 'revoked' },
        [expiring.id]: { refused: 'expired' },
        'no-such-id': { refused: 'unknown' },
      });
      assert.deepEqual(await directory.checkTokens([], now), new Map());

      let heard = 0;
      const stop = directory.watchTokens(() => (heard += 1));
      try {
        // The watch may take a moment to start (a LISTEN, a file watch): revoke until one is heard.
        const deadline = Date.now() + 10_000;
        while (heard === 0) {
          if (Date.now() > deadline) assert.fail('the watch heard no revocation made through the other handle');
          await other.revokeToken((await other.createToken('ana', now, 90)).id, now);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        stop();
      }
    });

    it('refuses tokens for unknown users, a second user of one name and unknown token ids; lists without hashes', async () => {
      await directory.addUser('ana', now);
      const issued = await directory.createToken('ana', now, 1);
      await assert.rejects(directory.createToken('bo', now, 1), /There is no user "bo"/);
      await assert.rejects(directory.addUser('ana', now), /already a user "ana"/);
      await assert.rejects(directory.revokeToken('nope', now), /no token with the id "nope"/);
      const listed = await directory.listUsers();
      assert.deepEqual(listed, [
        { name: 'ana', createdAt: now.toISOString(), tokens: [{ id: issued.id, user: 'ana', createdAt: now.toISOString(), expiresAt: issued.expiresAt, revokedAt: null }], invitations: [] },
      ]);
    });

    it('an invitation is redeemed once for a personal token that authenticates; the invitation itself never does', async () => {
      await directory.addUser('dan', now);
      const invitation = await directory.createInvitation('dan', now, 7);
      assert.match(invitation.token, /^shi_[A-Za-z0-9_-]{43}$/, 'an invitation carries 256 random bits and its own prefix');
      assert.equal(invitation.expiresAt, later(7).toISOString());
      assert.deepEqual(await directory.authenticate(invitation.token, now), { refused: 'unknown' }, 'an invitation is not a personal token');
      const redeemed = await directory.redeemInvitation(invitation.token, later(1));
      assert.ok(!('refused' in redeemed), `redeemed: ${JSON.stringify(redeemed)}`);
      assert.match(redeemed.token, /^shk_[A-Za-z0-9_-]{43}$/);
      assert.equal(redeemed.user, 'dan');
      assert.equal(redeemed.expiresAt, later(91).toISOString(), 'the personal token lasts 90 days from the redemption');
      assert.deepEqual(await directory.authenticate(redeemed.token, later(2)), { user: 'dan', tokenId: redeemed.id, expiresAt: redeemed.expiresAt });
      assert.deepEqual(await other.redeemInvitation(invitation.token, later(2)), { refused: 'used' });
      const [dan] = await directory.listUsers();
      assert.deepEqual(dan?.invitations, [
        { id: invitation.id, user: 'dan', createdAt: now.toISOString(), expiresAt: invitation.expiresAt, revokedAt: null, usedAt: later(1).toISOString(), redeemedTokenId: redeemed.id },
      ]);
      assert.deepEqual(dan?.tokens.map((token) => token.id), [redeemed.id], 'one redemption, one personal token');
      assert.ok(!JSON.stringify(dan).includes('hash'), 'a listing never holds a hash');
    });

    it('of redemptions at once through two handles, exactly one gets a token', async () => {
      await directory.addUser('dan', now);
      const invitation = await directory.createInvitation('dan', now, 7);
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? directory : other).redeemInvitation(invitation.token, later(1))));
      const winners = answers.filter((answer): answer is IssuedToken => !('refused' in answer));
      assert.equal(winners.length, 1, JSON.stringify(answers));
      assert.deepEqual(answers.filter((answer) => 'refused' in answer), Array.from({ length: 5 }, () => ({ refused: 'used' })));
      const [dan] = await other.listUsers();
      assert.deepEqual(dan?.tokens.map((token) => token.id), [winners[0]?.id]);
    });

    it('an expired, revoked or unknown invitation is refused and changes nothing', async () => {
      await directory.addUser('dan', now);
      const expiring = await directory.createInvitation('dan', now, 1);
      const revoked = await directory.createInvitation('dan', now, 7);
      const before = await directory.listUsers();
      assert.deepEqual(await directory.redeemInvitation(expiring.token, later(1)), { refused: 'expired' });
      assert.deepEqual(await directory.redeemInvitation(`shi_${'A'.repeat(43)}`, now), { refused: 'unknown' });
      assert.deepEqual(await directory.listUsers(), before, 'a refused redemption changes nothing');
      assert.equal((await other.revokeToken(revoked.id, now)).id, revoked.id, '`tokens revoke` takes an invitation\'s id too');
      assert.deepEqual(await directory.redeemInvitation(revoked.token, now), { refused: 'revoked' });
      const [dan] = await directory.listUsers();
      assert.deepEqual(dan?.tokens, []);
      assert.equal(dan?.invitations.find((invitation) => invitation.id === revoked.id)?.revokedAt, now.toISOString());
      await assert.rejects(directory.createInvitation('bo', now, 7), /There is no user "bo"/);
    });
  });
}
