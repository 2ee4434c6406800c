// The file engine's user directory (UserDirectory in team/userDirectory.ts): users, tokens and
// invitations in `<store>/users.json` (0600), changed under the same kind of lock as the registry. The
// file is replaced by a rename, so a revocation by another process is heard by watching its folder.
import { promises as fs, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { conflict } from '../../errors';
import { hashToken } from '../../team/tokens';
import {
  InvitationRecord,
  REDEEMED_TOKEN_DAYS,
  TeamUser,
  TokenRecord,
  invitationRefusal,
  issueInvitation,
  issueToken,
  judgeToken,
  judgeTokens,
  noSuchToken,
  noSuchUser,
  withoutHash,
  type InvitationRefusal,
  type IssuedToken,
  type UserDirectory,
} from '../../team/userDirectory';
import { ensurePrivateFolder, writeFileAtomic } from '../atomicFile';
import { withFileLock } from '../fileLock';

export const USERS_FILE = 'users.json';
const USERS_SCHEMA_VERSION = 1;

const UsersFile = z.object({
  schemaVersion: z.literal(USERS_SCHEMA_VERSION),
  users: z.array(TeamUser),
  tokens: z.array(TokenRecord),
  // Absent in files written before invitations existed.
  invitations: z.array(InvitationRecord).default([]),
});

type UsersFile = z.infer<typeof UsersFile>;

/** Several events come with one atomic replace: they are taken as one. */
const SETTLE_MS = 30;

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
      tokens: state.tokens.filter((token) => token.user === user.name).map(withoutHash),
      invitations: state.invitations.filter((invitation) => invitation.user === user.name).map(withoutHash),
    }));
  }

  async createToken(user: string, now: Date, days: number): Promise<IssuedToken> {
    return this.issueFor(user, () => issueToken(user, now, days), (state) => state.tokens);
  }

  async revokeToken(id: string, now: Date): Promise<TokenRecord> {
    return this.change((state) => {
      const record = state.tokens.find((token) => token.id === id) ?? state.invitations.find((invitation) => invitation.id === id);
      if (!record) throw noSuchToken(id);
      record.revokedAt ??= now.toISOString();
      return record;
    });
  }

  async authenticate(token: string, now: Date) {
    const hash = hashToken(token);
    return judgeToken((await this.read()).tokens.find((record) => record.hash === hash), now);
  }

  async checkTokens(ids: readonly string[], now: Date) {
    return judgeTokens(ids, (await this.read()).tokens, now);
  }

  /** The users file is replaced by a rename (writeFileAtomic), so its folder is watched, not the file. */
  watchTokens(changed: () => void): () => void {
    const name = path.basename(this.file);
    let settle: NodeJS.Timeout | undefined;
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(path.dirname(this.file), (_event, changedName) => {
        if (changedName !== name) return;
        clearTimeout(settle);
        settle = setTimeout(changed, SETTLE_MS);
        settle.unref();
      });
      watcher.on('error', () => undefined);
    } catch {
      watcher = undefined; // Some file systems cannot be watched: the callers' timer still checks.
    }
    return () => {
      clearTimeout(settle);
      watcher?.close();
    };
  }

  async createInvitation(user: string, now: Date, days: number): Promise<IssuedToken> {
    return this.issueFor(user, () => issueInvitation(user, now, days), (state) => state.invitations);
  }

  async redeemInvitation(invitation: string, now: Date): Promise<IssuedToken | { refused: InvitationRefusal }> {
    const hash = hashToken(invitation);
    // Checked and marked under the users file's lock: a second redemption waits and then finds it used.
    return this.change((state) => {
      const record = state.invitations.find((candidate) => candidate.hash === hash);
      const refused = invitationRefusal(record, now);
      if (refused || !record) return { refused: refused ?? 'unknown' };
      const { issued, record: token } = issueToken(record.user, now, REDEEMED_TOKEN_DAYS);
      record.usedAt = now.toISOString();
      record.redeemedTokenId = token.id;
      state.tokens.push(token);
      return issued;
    });
  }

  /** Keeps a new personal token or invitation of a user who exists. */
  private issueFor<R>(user: string, issue: () => { issued: IssuedToken; record: R }, list: (state: UsersFile) => R[]): Promise<IssuedToken> {
    return this.change((state) => {
      if (!state.users.some((known) => known.name === user)) throw noSuchUser(user);
      const { issued, record } = issue();
      list(state).push(record);
      return issued;
    });
  }

  private async change<T>(apply: (state: UsersFile) => T): Promise<T> {
    await ensurePrivateFolder(path.dirname(this.file));
    return withFileLock(this.file, async () => {
      const state = await this.read();
      const before = JSON.stringify(state, null, 1);
      const result = apply(state);
      const after = JSON.stringify(state, null, 1);
      // A refusal (a used invitation, an already revoked token) leaves the file as it was.
      if (after !== before) await writeFileAtomic(this.file, `${after}\n`);
      return result;
    });
  }

  private async read(): Promise<UsersFile> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { schemaVersion: USERS_SCHEMA_VERSION, users: [], tokens: [], invitations: [] };
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
