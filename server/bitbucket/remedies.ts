// What a Bitbucket failure calls for, named once so every editor and the headless server agree: a
// new credential (Bitbucket refused this one), or another try (Bitbucket was not reached at all).
import type { CredentialProblem } from '../protocol';

const NEEDS_NEW_CREDENTIAL: readonly CredentialProblem[] = ['unauthorized', 'missing-scope', 'app-password-retired'];
const UNREACHABLE: readonly CredentialProblem[] = ['network', 'timeout', 'server-error', 'rate-limited'];

export function remediesOf(problem: CredentialProblem): { needsNewCredential: boolean; unreachable: boolean } {
  return { needsNewCredential: NEEDS_NEW_CREDENTIAL.includes(problem), unreachable: UNREACHABLE.includes(problem) };
}
