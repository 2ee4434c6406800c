// `users …` and `tokens …`: run on a team server's host, on the same store as `serve`.
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { UsageError, storeLocation } from './cli';
import { StackhookError } from './errors';
import { MAX_INVITATION_DAYS, MAX_USERNAME, Username } from './protocol';
import { Logger } from './log';
import type { Registry } from './store/storeEngine';
import { withPassword } from './store/databaseUrl';
import { openDatabase } from './store/openDatabase';
import { databasePassword } from './startupSecrets';
import { RegistryStore } from './store/files/registry';
import { ROOT_SPACE_ID } from './registry/state';
import { linkAccount } from './registry/accountLinks';
import { DEFAULT_INVITATION_DAYS, DEFAULT_TOKEN_DAYS } from './team/tokens';
import { FileUserDirectory } from './store/files/userDirectory';
import { inviteInto, type UserDirectory } from './team/userDirectory';

export const ADMIN_COMMANDS = ['users', 'tokens'];

export interface AdminOutput {
  /** What a script may read: the token, the table of users. */
  result(line: string): void;
  /** What a person should know: what was done, what to do next. */
  note(line: string): void;
}

export async function runAdminCommand(argv: string[], out: AdminOutput, now = new Date()): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      store: { type: 'string' },
      admin: { type: 'boolean' },
      days: { type: 'string' },
      'secret-key-file': { type: 'string' },
      'database-url': { type: 'string' },
      'database-password-file': { type: 'string' },
    },
  });
  const [group, action, subject, extra, more] = positionals;
  const command = `${group} ${action ?? ''}`.trim();
  // Only `users link NAME ACCOUNT_ID` takes a second argument.
  const unknown = command === 'users link' ? more : extra;
  if (unknown !== undefined) throw new UsageError(`Unknown argument "${unknown}".`);
  const { folder: store, databaseUrl, databasePasswordFile } = storeLocation(values.store, values['database-url'], values['database-password-file']);
  const firstUser = command === 'users add' && values.admin && subject ? subject : os.userInfo().username;
  const database = databaseUrl
    ? await openDatabase(withPassword(databaseUrl, databasePassword(databasePasswordFile)), firstUser, { runs: 1, deliveries: 1, refusals: 1 }, new Logger(() => undefined))
    : null;
  // The engine the flags name, chosen here once: the database's users, or the folder's users.json.
  const directory: UserDirectory = database ? database.users : new FileUserDirectory(store);
  try {
    switch (command) {
      case 'users add': {
        const name = requireName(subject, 'users add NAME');
        await directory.addUser(name, now);
        if (values.admin) await makeRootAdmin(database?.registry ?? null, store, name);
        out.note(`Added ${name}${values.admin ? ', admin of the root space' : ''}. Give them a token: tokens create ${name}.`);
        return;
      }
      case 'users list': {
        if (subject !== undefined) throw new UsageError(`users list takes no NAME ("${subject}").`);
        for (const user of await directory.listUsers()) {
          const tokens = user.tokens.map((token) => `${token.id} (${tokenState(token, now)})`);
          const invitations = user.invitations.map((invitation) => `${invitation.id} (${invitationState(invitation, now)})`);
          out.result(`${user.name}\t${user.createdAt}\t${tokens.join(', ') || 'no tokens'}\t${invitations.join(', ') || 'no invitations'}`);
        }
        return;
      }
      case 'users invite': {
        const name = requireName(subject, 'users invite NAME');
        const days = daysOption(values.days, DEFAULT_INVITATION_DAYS, MAX_INVITATION_DAYS, ' for an invitation');
        const { issued, newUser } = await inviteInto(directory, name, now, days);
        out.result(issued.token);
        out.note(
          `Invitation ${issued.id} for ${name}${newUser ? ' (added now)' : ''}, redeemable once until ${issued.expiresAt}: they paste it into Stackhook: Connect to Team Server. ` +
            `It is shown only now; \`tokens revoke ${issued.id}\` cancels it.`,
        );
        return;
      }
      case 'users link': {
        // R24: whose pull request comments are this user's commands.
        const name = requireName(subject, 'users link NAME ACCOUNT_ID');
        if (!extra) throw new UsageError('users link NAME ACCOUNT_ID: ACCOUNT_ID is the Atlassian account id (account_id in GET /user, like 557058:6f2c…).');
        const link = await linkOnHost(database?.registry ?? null, store, name, extra, now);
        out.note(`Linked the Bitbucket account ${link.accountId} to ${name}: their /stackhook comments now act with ${name}'s rights.`);
        return;
      }
      case 'tokens create': {
        const name = requireName(subject, 'tokens create NAME');
        const days = daysOption(values.days, DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, '');
        const issued = await directory.createToken(name, now, days);
        out.result(issued.token);
        out.note(`Token ${issued.id} for ${name}, valid until ${issued.expiresAt}. It is shown only now: pass it on, then \`tokens revoke ${issued.id}\` ends it.`);
        return;
      }
      case 'tokens revoke': {
        if (!subject) throw new UsageError('tokens revoke takes the token\'s ID (users list shows it).');
        const record = await directory.revokeToken(subject, now);
        out.note(
          `Token ${record.id} of ${record.user} is revoked: a running team server closes the connections it opened within seconds, and refuses new ones (or redemptions, for an invitation).`,
        );
        return;
      }
      default:
        throw new UsageError(`Unknown command "${command}". Use users add NAME [--admin], users list, users invite NAME [--days N], users link NAME ACCOUNT_ID, tokens create NAME [--days N] or tokens revoke ID.`);
    }
  } catch (error) {
    // Refusals from the directory are for the person at the terminal, not a stack trace.
    if (error instanceof StackhookError) throw new UsageError(error.message);
    throw error;
  } finally {
    await database?.close();
  }
}

/** The longest a personal token made on the host may last. */
const MAX_TOKEN_DAYS = 365;

function daysOption(value: string | undefined, fallback: number, most: number, what: string): number {
  const days = Number(value ?? fallback);
  if (!Number.isInteger(days) || days < 1 || days > most) throw new UsageError(`--days takes a whole number from 1 to ${most}${what}.`);
  return days;
}

function requireName(value: string | undefined, usage: string): string {
  const parsed = Username.safeParse(value ?? '');
  if (!parsed.success || !/^[A-Za-z0-9._@-]+$/.test(parsed.data)) {
    throw new UsageError(`${usage}: NAME is letters, digits and . _ @ - (up to ${MAX_USERNAME}), for example ana.`);
  }
  return parsed.data;
}

function tokenState(token: { expiresAt: string; revokedAt: string | null }, now: Date, usable = 'valid until'): string {
  if (token.revokedAt) return `revoked ${token.revokedAt}`;
  if (Date.parse(token.expiresAt) <= now.getTime()) return `expired ${token.expiresAt}`;
  return `${usable} ${token.expiresAt}`;
}

function invitationState(invitation: { expiresAt: string; revokedAt: string | null; usedAt: string | null; redeemedTokenId: string | null }, now: Date): string {
  if (invitation.usedAt) return `used ${invitation.usedAt} for token ${invitation.redeemedTokenId ?? 'unknown'}`;
  return tokenState(invitation, now, 'pending, redeemable once until');
}

async function linkOnHost(database: Registry | null, folder: string, name: string, accountId: string, now: Date) {
  const store = database ?? (await RegistryStore.open(folder, name));
  try {
    return await store.update((draft) => linkAccount(draft, name, accountId, `${os.userInfo().username} (on the host)`, now));
  } finally {
    if (!database) store.close();
  }
}

async function makeRootAdmin(database: Registry | null, folder: string, name: string): Promise<void> {
  const store = database ?? (await RegistryStore.open(folder, name));
  try {
    await store.update((draft) => {
      const existing = draft.grants.find((grant) => grant.user === name && grant.spaceId === ROOT_SPACE_ID);
      if (existing) existing.role = 'admin';
      else draft.grants.push({ user: name, spaceId: ROOT_SPACE_ID, role: 'admin' });
    });
  } finally {
    store.close();
  }
}
