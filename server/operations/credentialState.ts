// A credential Bitbucket refused stays refused where people look: the integration keeps why and when
// (`credentialRefused`), every editor shows it on the integration's row, in the status bar and in the
// status panel, until a request with the credential succeeds again (a Test Connection, a new token
// that was checked, or any listing or webhook request through it).
import type { ServerContext } from '../context';
import { remediesOf, StackhookError } from '../errors';
import type { CredentialProblem } from '../protocol';

/** Whether a failure says Bitbucket refused the credential itself (not that Bitbucket could not be reached). */
export function refusedCredential(error: unknown): string | undefined {
  if (!(error instanceof StackhookError) || error.kind !== 'Bitbucket' || !error.extra.problem) return undefined;
  return remediesOf(error.extra.problem).needsNewCredential ? firstSentence(error.message) : undefined;
}

/** The refusal's own words, without the curl a person can copy elsewhere. */
function firstSentence(message: string): string {
  return message.split(/ To check by hand:| Nothing was saved\./)[0]?.trim() ?? message;
}

export function refusalOfProblem(problem: { code: CredentialProblem; message: string } | undefined): string | undefined {
  return problem && remediesOf(problem.code).needsNewCredential ? firstSentence(problem.message) : undefined;
}

/** Records the outcome of a request through the integration's credential; changes the store only when the state changes. */
export async function noteCredential(context: ServerContext, integrationId: string, refusal: string | undefined): Promise<void> {
  const current = (await context.store.read()).integrations.find((integration) => integration.id === integrationId);
  if (!current) return;
  if (refusal === undefined && current.credentialRefused === undefined) return;
  if (refusal !== undefined && current.credentialRefused?.reason === refusal) return;
  await context.store.update((draft) => {
    const integration = draft.integrations.find((candidate) => candidate.id === integrationId);
    if (!integration) return;
    if (refusal === undefined) delete integration.credentialRefused;
    else integration.credentialRefused = { reason: refusal, at: context.now().toISOString() };
  });
  if (refusal !== undefined) context.log.warn(`Bitbucket refused the credential of integration ${integrationId}: ${refusal}`);
  context.changed(['integrations']);
}

/**
 * An operation that works through the credential of `params.integrationId`: a refusal is kept on the
 * integration (and the error still reaches the editor), a success clears an earlier one.
 */
export function trackingCredential<P extends { integrationId: string }, S, R>(operation: (context: ServerContext, params: P, scope: S) => Promise<R>) {
  return async (context: ServerContext, params: P, scope: S): Promise<R> => {
    let result: R;
    try {
      result = await operation(context, params, scope);
    } catch (error) {
      const refusal = refusedCredential(error);
      if (refusal !== undefined) await noteCredential(context, params.integrationId, refusal).catch(() => undefined);
      throw error;
    }
    await noteCredential(context, params.integrationId, undefined).catch(() => undefined);
    return result;
  };
}
