// `POST /rpc/redeem` on a team server: an invitation token in the Authorization header is exchanged,
// once, for its user's personal token. Used, expired, revoked and unknown invitations all get the same
// 401, as the WebSocket upgrade answers a bad token; the host's log says which it was.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log';
import { REDEEM_PATH, type InvitationRedeemed } from '../protocol/redeem';
import { send, type Route } from '../http/routes';
import { describeError } from '../errors';
import { INVITATION_PREFIX, bearerToken } from './tokens';
import type { UserDirectory } from './userDirectory';

/** The invitation travels in a header; a body is not needed, and a large one is not read. */
export const MAX_REDEEM_BODY_BYTES = 1024;

const UNAUTHORIZED = 'A valid Stackhook invitation is needed: send Authorization: Bearer <invitation>.';

export function redeemRoute(users: UserDirectory, now: () => Date, log: Logger): Route {
  return (path, request, response) => (path === REDEEM_PATH ? redeem(users, now, log, request, response) : null);
}

async function redeem(users: UserDirectory, now: () => Date, log: Logger, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'POST') return send(response, 405, { error: 'Redeeming an invitation is a POST request.' }, { Allow: 'POST' });
  if (!(await discardBody(request))) {
    return send(response, 413, { error: `Send the invitation in the Authorization header and no body (at most ${MAX_REDEEM_BODY_BYTES} bytes are read).` }, { Connection: 'close' });
  }
  const from = request.socket.remoteAddress ?? 'an unknown address';
  const refuse = (reason: string) => {
    log.info(`Redeeming an invitation at ${REDEEM_PATH} from ${from} was refused: ${reason}.`);
    send(response, 401, { error: UNAUTHORIZED }, { 'WWW-Authenticate': 'Bearer realm="stackhook"' });
  };
  const invitation = bearerToken(request.headers.authorization);
  if (!invitation) return refuse('missing invitation');
  // A personal token is not an invitation: it is not even looked up.
  if (!invitation.startsWith(INVITATION_PREFIX)) return refuse('not an invitation token');
  let verdict: Awaited<ReturnType<UserDirectory['redeemInvitation']>>;
  try {
    verdict = await users.redeemInvitation(invitation, now());
  } catch (error) {
    log.error(`Redeeming an invitation from ${from} failed: ${describeError(error)}`);
    return send(response, 503, { error: 'Stackhook could not redeem the invitation just now; try again.' }, { 'Retry-After': '5' });
  }
  if ('refused' in verdict) return refuse(`${verdict.refused} invitation`);
  log.info(`${verdict.user} redeemed an invitation from ${from}: token ${verdict.id}, valid until ${verdict.expiresAt}.`);
  const answer: InvitationRedeemed = { user: verdict.user, tokenId: verdict.id, token: verdict.token, expiresAt: verdict.expiresAt };
  send(response, 200, answer);
}

/** Reads and drops the request's body; false when it is larger than a redemption ever needs. */
function discardBody(request: IncomingMessage): Promise<boolean> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_REDEEM_BODY_BYTES) return Promise.resolve(false);
  if (request.complete) return Promise.resolve(true);
  return new Promise((resolve) => {
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REDEEM_BODY_BYTES) return;
      request.off('data', onData);
      request.pause();
      resolve(false);
    };
    request.on('data', onData);
    request.once('end', () => resolve(size <= MAX_REDEEM_BODY_BYTES));
    request.once('close', () => resolve(request.complete && size <= MAX_REDEEM_BODY_BYTES));
  });
}
