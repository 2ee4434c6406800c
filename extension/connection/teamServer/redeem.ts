// Exchanging an invitation for a personal token: one POST to the team server's redeem endpoint, sent
// only where the address allows a token to go (TLS, or plain http to this machine).
import type { InvitationRedeemed } from '../../../server/protocol/redeem';
import { protocol } from '../protocol';
import type { TeamAddress } from './address';

export const INVITATION_SHAPE = /^shi_[A-Za-z0-9_-]{43}$/;
const REDEEM_TIMEOUT_MS = 15_000;

export async function redeemInvitation(address: TeamAddress, invitation: string): Promise<InvitationRedeemed> {
  let response: Response;
  try {
    // No redirects: the invitation goes to the address the person gave and nowhere else.
    response = await fetch(address.redeemUrl, {
      method: 'POST',
      headers: { Authorization: `Bearer ${invitation}` },
      redirect: 'error',
      signal: AbortSignal.timeout(REDEEM_TIMEOUT_MS),
    });
  } catch (error) {
    throw new Error(`${address.host} could not be reached to redeem the invitation: ${error instanceof Error ? error.message : String(error)}`);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.status === 401) {
    throw new Error('The team server refused the invitation: it was used already, has expired or was revoked. Ask an admin for a new one (Invite User).');
  }
  const answer = protocol().InvitationRedeemed.safeParse(body);
  if (!response.ok || !answer.success) {
    const detail = (body as { error?: unknown } | undefined)?.error;
    throw new Error(`The team server did not redeem the invitation (HTTP ${response.status})${typeof detail === 'string' ? `: ${detail}` : '. Check the address.'}`);
  }
  return answer.data;
}
