// Inviting a user to a team server from the editor: an admin of the root space adds the user (or
// invites one who lost a token again) and passes on a one-time invitation. The user's editor redeems
// it for their own personal token, so the admin never holds a token that connects as someone else.
import type { ServerContext } from '../context';
import { unavailable } from '../errors';
import type { ParamsOf } from '../protocol';
import * as Protocol from '../protocol';
import { requireRootAdmin } from '../registry/access';
import { DEFAULT_INVITATION_DAYS } from '../team/tokens';
import { inviteInto } from '../team/userDirectory';

export async function inviteUser(context: ServerContext, params: ParamsOf<typeof Protocol.UsersInvite>) {
  requireRootAdmin(await context.store.read(), context.user, 'Inviting a user');
  const directory = context.team?.users;
  if (!directory) throw unavailable('Inviting users needs a team server; this editor runs Stackhook for one person. See README, "Running a team server".');
  const { issued, newUser } = await inviteInto(directory, params.name, context.now(), params.days ?? DEFAULT_INVITATION_DAYS);
  context.log.info(`${context.user} invited ${params.name}: invitation ${issued.id}, redeemable once until ${issued.expiresAt}.`);
  return { user: params.name, tokenId: issued.id, token: issued.token, expiresAt: issued.expiresAt, newUser };
}
