// The server's one error type: everything a handler throws on purpose is a StackhookError, so the
// RPC layer can turn it into a JSON-RPC error with `data.kind` and a message for a person.
import type { z } from 'zod';
import type { CredentialProblem, ErrorData, ErrorKind } from './protocol';
import { issueTexts, joinIssues } from './zodIssues';

const NEEDS_NEW_CREDENTIAL: readonly CredentialProblem[] = ['unauthorized', 'missing-scope', 'app-password-retired'];
const UNREACHABLE: readonly CredentialProblem[] = ['network', 'timeout', 'server-error', 'rate-limited'];

/**
 * What a Bitbucket failure calls for, named once so every editor and the headless server agree: a
 * new credential (Bitbucket refused this one), or another try (Bitbucket was not reached at all).
 */
export function remediesOf(problem: CredentialProblem): { needsNewCredential: boolean; unreachable: boolean } {
  return { needsNewCredential: NEEDS_NEW_CREDENTIAL.includes(problem), unreachable: UNREACHABLE.includes(problem) };
}

export class StackhookError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly extra: Omit<ErrorData, 'kind'> = {},
  ) {
    super(message);
    this.name = 'StackhookError';
  }

  get data(): ErrorData {
    const remedies = this.kind === 'Bitbucket' && this.extra.problem ? remediesOf(this.extra.problem) : {};
    return { kind: this.kind, ...remedies, ...this.extra };
  }

  /** The same error, naming the field of the request's params it is about (ErrorData.field). */
  about(field: string | undefined): StackhookError {
    return field === undefined ? this : new StackhookError(this.kind, this.message, { ...this.extra, field });
  }
}

export const invalid = (message: string, issues?: ErrorData['issues']) => new StackhookError('Invalid', message, issues ? { issues } : {});
export const notFound = (message: string) => new StackhookError('NotFound', message);
export const conflict = (message: string, extra: Omit<ErrorData, 'kind'> = {}) => new StackhookError('Conflict', message, extra);
export const forbidden = (message: string) => new StackhookError('Forbidden', message);
export const detached = (message: string) => new StackhookError('Detached', message);
export const unavailable = (message: string) => new StackhookError('Unavailable', message);
export const bitbucketError = (message: string, problem: CredentialProblem, curl?: string) =>
  new StackhookError('Bitbucket', message, { problem, ...(curl !== undefined ? { curl } : {}) });

/** Turns zod's issues into one sentence a person can act on, and keeps them for the client (the first one's field too). */
export function invalidFromZod(what: string, error: z.ZodError): StackhookError {
  const issues = issueTexts(error, '(params)');
  const [field] = error.issues[0]?.path ?? [];
  return invalid(`Invalid ${what}: ${joinIssues(issues)}.`, issues).about(typeof field === 'string' ? field : undefined);
}

/** What went wrong, in words, whatever was thrown. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whatever was thrown, as an Error (for callbacks that take one). */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
