// Users, personal tokens and invitations in PostgreSQL: the same rules as the file engine
// (userDirectory.ts), with the database's constraints doing what the file's lock does there. A
// revocation sends a `tokens` notice on the change channel in its own transaction, so every replica
// hears of it as it commits and ends the connections the token opened.
import type { Pool } from 'pg';
import type { ChangeChannel } from './changeChannel';
import { conflict } from '../../errors';
import { hashToken } from '../../team/tokens';
import {
  REDEEMED_TOKEN_DAYS,
  invitationRefusal,
  issueInvitation,
  issueToken,
  judgeToken,
  judgeTokens,
  mintToken,
  noSuchToken,
  noSuchUser,
  type InvitationRecord,
  type InvitationRefusal,
  type IssuedToken,
  type ListedUser,
  type TeamUser,
  type TokenRecord,
  type UserDirectory,
  withoutHash,
} from '../../team/userDirectory';

interface TokenRow {
  id: string;
  user_name: string;
  hash: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

const toRecord = (row: TokenRow): TokenRecord => ({
  id: row.id,
  user: row.user_name,
  hash: row.hash,
  createdAt: row.created_at.toISOString(),
  expiresAt: row.expires_at.toISOString(),
  revokedAt: row.revoked_at?.toISOString() ?? null,
});

interface InvitationRow extends TokenRow {
  used_at: Date | null;
  redeemed_token_id: string | null;
}

const toInvitation = (row: InvitationRow): InvitationRecord => ({
  ...toRecord(row),
  usedAt: row.used_at?.toISOString() ?? null,
  redeemedTokenId: row.redeemed_token_id,
});

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';
const codeOf = (error: unknown) => (error as { code?: string }).code;

/** Who sent a `tokens` notice: any process may, and every replica acts on every one. */
const TOKENS_ORIGIN = 'stackhook.tokens';

export class PostgresUserDirectory implements UserDirectory {
  constructor(
    private readonly pool: Pool,
    private readonly channel?: ChangeChannel,
  ) {}

  async addUser(name: string, now: Date): Promise<TeamUser> {
    try {
      await this.pool.query('INSERT INTO team_users (name, created_at) VALUES ($1, $2)', [name, now]);
    } catch (error) {
      if (codeOf(error) === UNIQUE_VIOLATION) throw conflict(`There is already a user "${name}".`);
      throw error;
    }
    return { name, createdAt: now.toISOString() };
  }

  async listUsers(): Promise<ListedUser[]> {
    const users = await this.pool.query<{ name: string; created_at: Date }>('SELECT name, created_at FROM team_users ORDER BY created_at, name');
    const tokens = await this.pool.query<TokenRow>('SELECT * FROM team_tokens ORDER BY created_at, id');
    const invitations = await this.pool.query<InvitationRow>('SELECT * FROM team_invitations ORDER BY created_at, id');
    return users.rows.map((user) => ({
      name: user.name,
      createdAt: user.created_at.toISOString(),
      tokens: tokens.rows.filter((row) => row.user_name === user.name).map((row) => withoutHash(toRecord(row))),
      invitations: invitations.rows.filter((row) => row.user_name === user.name).map((row) => withoutHash(toInvitation(row))),
    }));
  }

  async createToken(user: string, now: Date, days: number): Promise<IssuedToken> {
    const { issued, record } = issueToken(user, now, days);
    await this.insert('team_tokens', record);
    return issued;
  }

  async revokeToken(id: string, now: Date): Promise<TokenRecord> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      for (const table of ['team_tokens', 'team_invitations']) {
        const { rows } = await client.query<TokenRow>(`UPDATE ${table} SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING *`, [id, now]);
        if (!rows[0]) continue;
        // Heard by every replica only once the revocation commits; a lost notice is made up by their timers.
        await this.channel?.notifyWithin(client, { kind: 'tokens', origin: TOKENS_ORIGIN, topics: [] });
        await client.query('COMMIT');
        return toRecord(rows[0]);
      }
      await client.query('ROLLBACK');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    throw noSuchToken(id);
  }

  async authenticate(token: string, now: Date) {
    const { rows } = await this.pool.query<TokenRow>('SELECT * FROM team_tokens WHERE hash = $1', [hashToken(token)]);
    return judgeToken(rows[0] ? toRecord(rows[0]) : undefined, now);
  }

  async checkTokens(ids: readonly string[], now: Date) {
    if (ids.length === 0) return new Map();
    const { rows } = await this.pool.query<TokenRow>('SELECT * FROM team_tokens WHERE id = ANY($1::text[])', [[...ids]]);
    return judgeTokens(ids, rows.map(toRecord), now);
  }

  watchTokens(changed: () => void): () => void {
    return this.channel?.subscribe((notice) => notice.kind === 'tokens' && changed()) ?? (() => undefined);
  }

  async createInvitation(user: string, now: Date, days: number): Promise<IssuedToken> {
    const { issued, record } = issueInvitation(user, now, days);
    await this.insert('team_invitations', record);
    return issued;
  }

  async redeemInvitation(invitation: string, now: Date): Promise<IssuedToken | { refused: InvitationRefusal }> {
    const hash = hashToken(invitation);
    const minted = mintToken(now, REDEEMED_TOKEN_DAYS);
    // One statement: the conditional UPDATE lets exactly one of concurrent redemptions mark the row
    // (the others wait on its row lock, then find used_at set), and only that one inserts a token.
    const { rows } = await this.pool.query<{ user_name: string }>(
      `WITH used AS (
         UPDATE team_invitations SET used_at = $2, redeemed_token_id = $3
          WHERE hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
          RETURNING user_name
       )
       INSERT INTO team_tokens (id, user_name, hash, created_at, expires_at)
       SELECT $3, user_name, $4, $2, $5 FROM used
       RETURNING user_name`,
      [hash, now, minted.id, minted.hash, minted.expiresAt],
    );
    const user = rows[0]?.user_name;
    if (user !== undefined) return { id: minted.id, user, token: minted.token, expiresAt: minted.expiresAt };
    const found = await this.pool.query<InvitationRow>('SELECT * FROM team_invitations WHERE hash = $1', [hash]);
    return { refused: invitationRefusal(found.rows[0] ? toInvitation(found.rows[0]) : undefined, now) ?? 'unknown' };
  }

  /** A new personal token or invitation; its user must exist. */
  private async insert(table: 'team_tokens' | 'team_invitations', record: TokenRecord): Promise<void> {
    try {
      await this.pool.query(`INSERT INTO ${table} (id, user_name, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`, [
        record.id,
        record.user,
        record.hash,
        record.createdAt,
        record.expiresAt,
      ]);
    } catch (error) {
      if (codeOf(error) === FOREIGN_KEY_VIOLATION) throw noSuchUser(record.user);
      throw error;
    }
  }
}
