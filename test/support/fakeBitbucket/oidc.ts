// Bitbucket Pipelines as an OpenID Connect provider: each workspace has a signing key the fake holds
// (made on first use, so start-up stays quick), served as a JWKS at
// `/2.0/workspaces/{ws}/pipelines-config/identity/oidc/keys.json` beside an openid-configuration, and a
// step with `oidc: true` gets `BITBUCKET_STEP_OIDC_TOKEN`, an RS256 JWT signed with `jose`. The claims
// are the ones Atlassian documents (support.atlassian.com, "Integrate Pipelines with resource servers
// using OIDC") and that verifiers check (gravitational/teleport lib/bitbucket): iss is the workspace's
// identity provider URL, aud `ari:cloud:bitbucket::workspace/<workspace uuid without braces>` unless the
// step names audiences, sub `{repositoryUuid}:{stepUuid}` (with the deployment environment's uuid
// after the repository's when the step deploys), and repositoryUuid, pipelineUuid, stepUuid,
// workspaceUuid, branchName, deploymentEnvironmentUuid. A token lasts an hour here.
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { FakeWorkspace } from './model';

interface WorkspaceKey {
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

export interface StepIdentity {
  workspace: FakeWorkspace;
  repositoryUuid: string;
  pipelineUuid: string;
  stepUuid: string;
  branchName: string;
  deployment: string | null;
  /** Audiences the step asked for (`oidc: {audiences: […]}`); the workspace's own by default. */
  audiences: string[] | null;
}

/** A stable braced UUID for a repository's deployment environment, from its name. */
export function environmentUuid(repositoryUuid: string, environment: string): string {
  const hex = createHash('sha1').update(`${repositoryUuid}:${environment}`).digest('hex');
  return `{${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}}`;
}

export class OidcIssuer {
  private readonly keys = new Map<string, WorkspaceKey>();

  constructor(private readonly origin: () => string) {}

  issuer(workspace: FakeWorkspace): string {
    return `${this.origin()}/2.0/workspaces/${workspace.slug}/pipelines-config/identity/oidc`;
  }

  audience(workspace: FakeWorkspace): string {
    return `ari:cloud:bitbucket::workspace/${workspace.uuid.replace(/[{}]/g, '')}`;
  }

  keysJson(workspace: FakeWorkspace): { keys: Record<string, unknown>[] } {
    return { keys: [this.keyOf(workspace).jwk] };
  }

  openidConfiguration(workspace: FakeWorkspace) {
    const issuer = this.issuer(workspace);
    return {
      issuer,
      jwks_uri: `${issuer}/keys.json`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid'],
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'branchName', 'deploymentEnvironmentUuid', 'pipelineUuid', 'repositoryUuid', 'stepUuid', 'workspaceUuid'],
    };
  }

  async tokenFor(step: StepIdentity): Promise<string> {
    // jose is loaded by the first step that asks for a token, so starting the fake stays quick.
    const { SignJWT } = await import('jose');
    const key = this.keyOf(step.workspace);
    const environment = step.deployment !== null ? environmentUuid(step.repositoryUuid, step.deployment) : null;
    const audiences = step.audiences && step.audiences.length > 0 ? step.audiences : [this.audience(step.workspace)];
    return new SignJWT({
      repositoryUuid: step.repositoryUuid,
      pipelineUuid: step.pipelineUuid,
      stepUuid: step.stepUuid,
      workspaceUuid: step.workspace.uuid,
      branchName: step.branchName,
      ...(environment !== null ? { deploymentEnvironmentUuid: environment } : {}),
    })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(this.issuer(step.workspace))
      .setAudience(audiences.length === 1 ? (audiences[0] ?? '') : audiences)
      .setSubject(`${step.repositoryUuid}${environment ?? ''}:${step.stepUuid}`)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key.privateKey);
  }

  private keyOf(workspace: FakeWorkspace): WorkspaceKey {
    const existing = this.keys.get(workspace.slug);
    if (existing) return existing;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const exported = publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
    const kid = createHash('sha256').update(String(exported.n)).digest('base64url').slice(0, 32);
    const key = { kid, privateKey, jwk: { ...exported, kid, alg: 'RS256', use: 'sig' } };
    this.keys.set(workspace.slug, key);
    return key;
  }
}
