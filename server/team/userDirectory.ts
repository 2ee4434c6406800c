// Who may connect to a team server: users and their personal tokens. The file engine keeps them in
// `<store>/users.json` (0600), changed under the same kind of lock as the registry.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { conflict, notFound } from '../errors';
import { ensurePrivateFolder, writeFileAtomic } from '../store/atomicFile';
import { withFileLock } from '../store/fileLock';
import { expiryAfter, hashToken, newToken, newTokenId } from './tokens';

export const USERS_FILE = 'users.json';
const USERS_SCHEMA_VERSION = 1;

export const TeamUser = z.object({ name: z.string(), createdAt: z.string() });
export const TokenRecord = z.object({
  id: z.string(),
  user: z.string(),
  hash: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
});
const UsersFile = z.object({
  schemaVersion: z.literal(USERS_SCHEMA_VERSION),
  users: z.array(TeamUser),
  tokens: z.array(TokenRecord),
});

export type TeamUser = z.infer<typeof TeamUser>;
export type TokenRecord = z.infer<typeof TokenRecord>;
type UsersFile = z.infer<typeof UsersFile>;

/** A token as it is handed out: the secret itself exists only in this value, once. */
export interface IssuedToken {
  readonly id: string;
  readonly user: string;
  readonly token: string;
  readonly expiresAt: string;
}

/** Why a token did not authenticate; said in the server's log, never to the client. */
export type TokenRefusal = 'unknown' | 'expired' | 'revoked';

export interface UserDirectory {
  addUser(name: string, now: Date): Promise<TeamUser>;
  listUsers(): Promise<Array<TeamUser & { tokens: Array<Omit<TokenRecord, 'hash'>> }>>;
  createToken(user: string, now: Date, days: number): Promise<IssuedToken>;
  revokeToken(id: string, now: Date): Promise<TokenRecord>;
  authenticate(token: string, now: Date): Promise<{ user: string; tokenId: string } | { refused: TokenRefusal }>;
}

/** The rules both engines share: a token is good while it is neither revoked nor past its expiry. */
export function judgeToken(record: TokenRecord | undefined, now: Date): { user: string; tokenId: string } | { refused: TokenRefusal } {
  if (!record) return { refused: 'unknown' };
  if (record.revokedAt !== null) return { refused: 'revoked' };
  if (Date.parse(record.expiresAt) <= now.getTime()) return { refused: 'expired' };
  return { user: record.user, tokenId: record.id };
}

export function issueToken(user: string, now: Date, days: number): { issued: IssuedToken; record: TokenRecord } {
  const token = newToken();
  const record: TokenRecord = { id: newTokenId(), user, hash: hashToken(token), createdAt: now.toISOString(), expiresAt: expiryAfter(now, days), revokedAt: null };
  return { issued: { id: record.id, user, token, expiresAt: record.expiresAt }, record };
}

export const noSuchUser = (name: string) => notFound(`There is no user "${name}". Add it first: stackhook-server users add ${name}.`);
export const noSuchToken = (id: string) => notFound(`There is no token with the id "${id}". \`users list\` shows every token's id.`);

export class FileUserDirectory implements UserDirectory {
  readonly file: string;

  constructor(folder: string) {
    this.file = path.join(folder, USERS_FILE);
  }

  async addUser(name: string, now: Date): Promise<TeamUser> {
    return this.change((state) => {
      if (state.users.some((user) => user.name === name)) throw conflict(`There is already a user "${name}".`);
      const user = { name, createdAt: now.toISOString() };
      state.users.push(user);
      return user;
    });
  }

  async listUsers() {
    const state = await this.read();
    return state.users.map((user) => ({
      ...user,
      tokens: state.tokens.filter((token) => token.user === user.name).map(({ hash: _hash, ...rest }) => rest),
    }));
  }

  async createToken(user: string, now: Date, days: number): Promise<IssuedToken> {
    return this.change((state) => {
      if (!state.users.some((known) => known.name === user)) throw noSuchUser(user);
      const { issued, record } = issueToken(user, now, days);
      state.tokens.push(record);
      return issued;
    });
  }

  async revokeToken(id: string, now: Date): Promise<TokenRecord> {
    return this.change((state) => {
      const record = state.tokens.find((token) => token.id === id);
      if (!record) throw noSuchToken(id);
      record.revokedAt ??= now.toISOString();
      return record;
    });
  }

  async authenticate(token: string, now: Date) {
    const hash = hashToken(token);
    return judgeToken((await this.read()).tokens.find((record) => record.hash === hash), now);
  }

  private async change<T>(apply: (state: UsersFile) => T): Promise<T> {
    await ensurePrivateFolder(path.dirname(this.file));
    return withFileLock(this.file, async () => {
      const state = await this.read();
      const result = apply(state);
      await writeFileAtomic(this.file, `${JSON.stringify(state, null, 1)}\n`);
      return result;
    });
  }

  private async read(): Promise<UsersFile> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { schemaVersion: USERS_SCHEMA_VERSION, users: [], tokens: [] };
      throw error;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = undefined;
    }
    const parsed = UsersFile.safeParse(raw);
    if (!parsed.success) {
      throw new Error(`The users file ${this.file} is not a Stackhook users file. Restore it from a backup, or move it away and add the users again.`);
    }
    return parsed.data;
  }
}
