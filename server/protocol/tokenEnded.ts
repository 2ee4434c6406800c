// How a team server ends a WebSocket whose token stopped authenticating while it was open (revoked on
// the host, or past its expiry): a close code of its own, so the editor tells the person to paste a
// new token instead of reconnecting with one that will only be refused.

/** In the range RFC 6455 leaves to applications (4000–4999). */
export const TOKEN_ENDED_CLOSE_CODE = 4001;

/** The close frame's reason, which the editor shows. */
export const TOKEN_ENDED_REASONS = { revoked: 'token revoked', expired: 'token expired' } as const;
export type TokenEndedReason = (typeof TOKEN_ENDED_REASONS)[keyof typeof TOKEN_ENDED_REASONS];
