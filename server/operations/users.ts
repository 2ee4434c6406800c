// Inviting a user to a team server from the editor: an admin of the root space adds the user (or
// invites one who lost a token again) and passes on a one-time invitation. The user's editor redeems
// it for their own personal token, so the admin never holds a token that connects as someone else.
import type { RequestScope, ServerContext } from '../context';
import { invalid, unavailable } from '../errors';
import { linkAccount } from '../registry/accountLinks';
import type { ParamsOf } from '../protocol';
import * as Protocol from '../protocol';
import { requireRootAdmin } from '../registry/access';
import { DEFAULT_INVITATION_DAYS } from '../team/tokens';
import { inviteInto } from '../team/userDirectory';
import { requireWorkingCredential } from './credentials';

export async function inviteUser(context: ServerContext, params: ParamsOf<typeof Protocol.UsersInvite>) {
  requireRootAdmin(await context.store.read(), context.user, 'Inviting a user');
  const directory = context.team?.users;
  if (!directory) throw unavailable('Inviting users needs a team server; this editor runs Stackhook for one person. See README, "Running a team server".');
  const { issued, newUser } = await inviteInto(directory, params.name, context.now(), params.days ?? DEFAULT_INVITATION_DAYS);
  context.log.info(`${context.user} invited ${params.name}: invitation ${issued.id}, redeemable once until ${issued.expiresAt}.`);
  return { user: params.name, tokenId: issued.id, token: issued.token, expiresAt: issued.expiresAt, newUser };
}

/**
 * R24: links a Bitbucket account to a user. An admin of the root space may link any user's account
 * by its id; anyone may link their own by proving it with their own token, which is used for
 * `GET /user` (and the workspaces check that comes with it) and then forgotten.
 */
export async function linkBitbucket(context: ServerContext, params: ParamsOf<typeof Protocol.UsersLinkBitbucket>, scope: RequestScope) {
  if ('accountId' in params) {
    requireRootAdmin(await context.store.read(), context.user, 'Linking another user\'s Bitbucket account');
    const link = await context.store.update((draft) => {
      requireRootAdmin(draft, context.user, 'Linking another user\'s Bitbucket account');
      return linkAccount(draft, params.user, params.accountId, context.user, context.now());
    });
    context.log.info(`${context.user} linked the Bitbucket account ${link.accountId} to ${link.user}.`);
    return { user: link.user, accountId: link.accountId, displayName: null };
  }
  const test = await requireWorkingCredential(context, { username: params.username, secret: params.secret, credentialType: params.credentialType ?? 'api_token' }, scope);
  const accountId = test.user?.accountId;
  if (!accountId) throw invalid('Bitbucket did not say which account this token belongs to (GET /user has no account_id), so it cannot be linked.').about('secret');
  const link = await context.store.update((draft) => linkAccount(draft, context.user, accountId, context.user, context.now()));
  context.log.info(`${context.user} linked their Bitbucket account ${link.accountId}.`);
  return { user: link.user, accountId: link.accountId, displayName: test.user?.displayName ?? null };
}
