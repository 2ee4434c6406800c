// Redeeming an invitation: plain HTTP beside the WebSocket, because the invitation is exactly what
// cannot open one. `POST /rpc/redeem` with `Authorization: Bearer shi_…` answers with a new personal
// token, once; any other answer is 401 with nothing said about why.
import * as z from 'zod';

export const REDEEM_PATH = '/rpc/redeem';
/** An invitation is meant to be used within days, not to sit in a chat history for months. */
export const MAX_INVITATION_DAYS = 30;

export const InvitationRedeemed = z.object({
  user: z.string(),
  tokenId: z.string(),
  /** The personal token (`shk_…`), shown in this answer only. */
  token: z.string(),
  expiresAt: z.string(),
});
export type InvitationRedeemed = z.infer<typeof InvitationRedeemed>;
