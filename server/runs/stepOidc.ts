// A pipeline step's OIDC token (`oidc: true` gives the step BITBUCKET_STEP_OIDC_TOKEN), accepted by a
// run's callbacks instead of its run token: verified with jose against the keys the workspace
// publishes (`GET /workspaces/{ws}/pipelines-config/identity/oidc/keys.json`, fetched and cached by
// jose's remote key set), its issuer that workspace's identity provider, RS256 only, unexpired, and
// its claims naming the run's own pipeline and repository. Any failure is a plain "no".
import type { JWTVerifyGetKey } from 'jose';

/** What a token must name: the run's pipeline and its repository (a run whose repository's uuid is unknown takes no step token). */
export interface StepClaimsWanted {
  workspace: string;
  pipelineUuid: string;
  repositoryUuid: string | null;
}

export type StepTokenVerifier = (token: string, wanted: StepClaimsWanted) => Promise<boolean>;

const sameUuid = (a: unknown, b: string) => typeof a === 'string' && a.replace(/[{}]/g, '').toLowerCase() === b.replace(/[{}]/g, '').toLowerCase();

/** Verifies step tokens issued by the Bitbucket whose API is at `apiBase` (`https://api.bitbucket.org/2.0`). */
export function stepTokenVerifier(apiBase: string): StepTokenVerifier {
  const keySets = new Map<string, JWTVerifyGetKey>();
  const base = apiBase.replace(/\/+$/, '');
  return async (token, wanted) => {
    try {
      const { createRemoteJWKSet, jwtVerify } = await import('jose');
      const issuer = `${base}/workspaces/${encodeURIComponent(wanted.workspace)}/pipelines-config/identity/oidc`;
      let keys = keySets.get(issuer);
      if (!keys) {
        keys = createRemoteJWKSet(new URL(`${issuer}/keys.json`), { timeoutDuration: 10_000 });
        keySets.set(issuer, keys);
      }
      const { payload } = await jwtVerify(token, keys, { issuer, algorithms: ['RS256'], requiredClaims: ['exp', 'iat'] });
      if (!sameUuid(payload.pipelineUuid, wanted.pipelineUuid)) return false;
      return wanted.repositoryUuid !== null && sameUuid(payload.repositoryUuid, wanted.repositoryUuid);
    } catch {
      return false;
    }
  };
}

/** Whether a bearer value is shaped like a JWT (three base64url parts). */
export const looksLikeJwt = (value: string): boolean => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(value);
