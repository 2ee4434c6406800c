// Redeeming an invitation: plain HTTP beside the WebSocket, because the invitation is exactly what
// cannot open one. `POST /rpc/redeem` with `Authorization: Bearer shi_…` answers with a new personal
// token, once; any other answer is 401 with nothing said about why.
// No zod here: the editor reads REDEEM_PATH while it activates, before it loads the protocol's
// schemas; the answer's schema is with the other shapes in entities.ts.

export const REDEEM_PATH = '/rpc/redeem';
/** An invitation is meant to be used within days, not to sit in a chat history for months. */
export const MAX_INVITATION_DAYS = 30;

export type { InvitationRedeemed } from './entities';
