// Users and personal tokens in PostgreSQL: the same rules as the file engine (userDirectory.ts), with
// the database's constraints doing what the file's lock does there.
import type { Pool } from 'pg';
import { conflict } from '../../errors';
import { hashToken } from '../../team/tokens';
import { issueToken, judgeToken, noSuchToken, noSuchUser, type IssuedToken, type TeamUser, type TokenRecord, type UserDirectory } from '../../team/userDirectory';

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

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';
const codeOf = (error: unknown) => (error as { code?: string }).code;

export class PostgresUserDirectory implements UserDirectory {
  constructor(private readonly pool: Pool) {}

  async addUser(name: string, now: Date): Promise<TeamUser> {
    try {
      await this.pool.query('INSERT INTO team_users (name, created_at) VALUES ($1, $2)', [name, now]);
    } catch (error) {
      if (codeOf(error) === UNIQUE_VIOLATION) throw conflict(`There is already a user "${name}".`);
      throw error;
    }
    return { name, createdAt: now.toISOString() };
  }

  async listUsers() {
    const users = await this.pool.query<{ name: string; created_at: Date }>('SELECT name, created_at FROM team_users ORDER BY created_at, name');
    const tokens = await this.pool.query<TokenRow>('SELECT * FROM team_tokens ORDER BY created_at, id');
    return users.rows.map((user) => ({
      name: user.name,
      createdAt: user.created_at.toISOString(),
      tokens: tokens.rows.filter((row) => row.user_name === user.name).map((row) => {
        const { hash: _hash, ...rest } = toRecord(row);
        return rest;
      }),
    }));
  }

  async createToken(user: string, now: Date, days: number): Promise<IssuedToken> {
    const { issued, record } = issueToken(user, now, days);
    try {
      await this.pool.query('INSERT INTO team_tokens (id, user_name, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
        record.id,
        record.user,
        record.hash,
        record.createdAt,
        record.expiresAt,
      ]);
    } catch (error) {
      if (codeOf(error) === FOREIGN_KEY_VIOLATION) throw noSuchUser(user);
      throw error;
    }
    return issued;
  }

  async revokeToken(id: string, now: Date): Promise<TokenRecord> {
    const { rows } = await this.pool.query<TokenRow>('UPDATE team_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING *', [id, now]);
    const row = rows[0];
    if (!row) throw noSuchToken(id);
    return toRecord(row);
  }

  async authenticate(token: string, now: Date) {
    const { rows } = await this.pool.query<TokenRow>('SELECT * FROM team_tokens WHERE hash = $1', [hashToken(token)]);
    return judgeToken(rows[0] ? toRecord(rows[0]) : undefined, now);
  }
}
