// Errors cross the protocol as data: a message written for a person, a kind the client can branch
// on, and for Bitbucket failures a problem code that names the cause.
import * as z from 'zod';
import { CredentialProblem } from './entities';

export const ErrorKind = z.enum(['Invalid', 'NotFound', 'Conflict', 'Forbidden', 'Detached', 'Bitbucket', 'Unavailable']);
export type ErrorKind = z.infer<typeof ErrorKind>;

export const ErrorData = z.object({
  kind: ErrorKind,
  problem: CredentialProblem.optional(),
  /** For `Invalid`: which field was wrong and why. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  /** For `Bitbucket`: the failure is fixed by giving the integration another credential (a refused or too narrow token). */
  needsNewCredential: z.boolean().optional(),
  /** For `Bitbucket`: Bitbucket could not be reached or did not answer (network, timeout, 5xx, rate limit), so nothing was refused. */
  unreachable: z.boolean().optional(),
  /** For a refused credential: the request to reproduce it by hand, with the token masked. */
  curl: z.string().optional(),
  /** For `Conflict` on a run: the state the run is in (a Confirm after a Discard finds it `discarded`). */
  state: z.string().optional(),
  /**
   * For `Conflict` on a Confirm: why the run cannot go on, where there is a reason a person acts on.
   * `stale` (STALE_PLAN): the plan no longer describes what would be applied (the branch moved on, or
   * another run of the stack applied since): plan again.
   */
  reason: z.string().optional(),
  /**
   * The field of the request's params the refusal is about (`name`, `branch`, `spaceId`, `runner`,
   * `username`, `secret`, …), where one is: an editor reopens the step that asks for it.
   */
  field: z.string().optional(),
});
export type ErrorData = z.infer<typeof ErrorData>;

/** `data.reason` of a Confirm refused because the plan is stale. */
export const STALE_PLAN = 'stale';

/**
 * JSON-RPC error codes: Invalid reuses InvalidParams; the rest sit in the server-defined range, clear
 * of LSP's ServerNotInitialized (-32002), which the lifecycle gate answers before `initialize`.
 */
export const ErrorCodes: Record<ErrorKind, number> = {
  Invalid: -32602,
  NotFound: -32001,
  Conflict: -32007,
  Forbidden: -32003,
  Detached: -32004,
  Bitbucket: -32005,
  Unavailable: -32006,
};
