// What a Stackhook webhook must look like (R14, R17), how far an existing one is from that, and the
// fewest calls that repair it. A hook belongs to the integration when its URL is the integration's
// URL, or when it ends with the integration's path (/webhooks/bitbucket-cloud/<id>) on another host
// or base: that is the same integration after its public URL changed (a new tunnel, a new host), so
// it is repaired in place rather than duplicated. Bitbucket never returns a hook's secret, only
// `secret_set`: a missing secret is drift Stackhook can see; a stale one it sees only through the
// fingerprint it keeps of the secret it last sent to each hook (secretFingerprint).
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { WEBHOOK_PATH_PREFIX } from '../registry/webhookUrl';
// The one import of a layer above: the list is the receiver's, beside the events it parses.
import { R14_EVENTS } from '../webhooks/subscribedEvents';
import { Endpoints, pathOf, repositoryParams, type Endpoint } from './endpoints';
import { BitbucketFailure } from './errors';
import type { WebhookTarget } from './gateway';
import type { BitbucketHttp } from './transport';
import { collectPages } from './pagination';
import { Hook, HookPage } from './schemas';

/**
 * What identifies a webhook secret without revealing it: Bitbucket never shows a hook's secret, so
 * Stackhook remembers which one it sent to each hook to see that a regenerated one never arrived.
 */
export function secretFingerprint(secret: string): string {
  return createHash('sha256').update(`stackhook-webhook-secret:${secret}`).digest('hex').slice(0, 16);
}

/**
 * What Stackhook remembers of the secrets it sent: hook home → fingerprint, and when the secret last
 * changed. A repository's hook is keyed by its full name, a workspace's by workspaceHookKey.
 */
export interface SecretLedger {
  secretSent?: Record<string, string> | undefined;
  webhookSecretChangedAt?: string | undefined;
}

const sentTo = (ledger: SecretLedger, repository: string): string | undefined => {
  const key = repository.toLowerCase();
  return Object.entries(ledger.secretSent ?? {}).find(([name]) => name.toLowerCase() === key)?.[1];
};

/** A hook is out of date when Stackhook last sent it another secret than the current one; unknown hooks are not judged. */
export function sentOldSecret(ledger: SecretLedger, repository: string, secret: string | null): boolean {
  const sent = sentTo(ledger, repository);
  return secret !== null && sent !== undefined && sent !== secretFingerprint(secret);
}

const WORKSPACE_KEY = 'workspace:';

/** The ledger's key of a workspace's hook: a colon is in no repository's full name, so the two never meet. */
export function workspaceHookKey(workspace: string): string {
  return `${WORKSPACE_KEY}${workspace}`;
}

/** The repositories whose hooks still carry an older secret than `secret` (workspace hooks are not repositories). */
export function repositoriesWithOldSecret(ledger: SecretLedger, secret: string | null): string[] {
  return Object.keys(ledger.secretSent ?? {}).filter((key) => !key.startsWith(WORKSPACE_KEY) && sentOldSecret(ledger, key, secret));
}

export function oldSecretProblem(ledger: SecretLedger): string {
  const since = ledger.webhookSecretChangedAt;
  return since
    ? `secret out of date since ${since}: Bitbucket still signs with the previous secret, so Stackhook refuses its deliveries. Configure the webhook to send the new one`
    : 'secret out of date: Bitbucket still signs with a previous secret, so Stackhook refuses its deliveries. Configure the webhook to send the current one';
}

/** Records that `secret` was sent to the hooks of these repositories. */
export function recordSecretSent(ledger: SecretLedger, repositories: readonly string[], secret: string): Record<string, string> {
  const sent = { ...(ledger.secretSent ?? {}) };
  for (const repository of repositories) {
    for (const name of Object.keys(sent)) if (name.toLowerCase() === repository.toLowerCase()) delete sent[name];
    sent[repository] = secretFingerprint(secret);
  }
  return sent;
}

export type HookMatch = 'exact' | 'integration-path';

interface NormalisedUrl {
  origin: string;
  path: string;
}

function normalise(url: string): NormalisedUrl | null {
  try {
    const parsed = new URL(url);
    return { origin: parsed.origin.toLowerCase(), path: parsed.pathname.replace(/\/+$/, '') + parsed.search };
  } catch {
    return null;
  }
}

/** `/webhooks/bitbucket-cloud/<id>`, the part of the URL that names the integration. */
export function integrationPath(targetUrl: string): string | null {
  const target = normalise(targetUrl);
  if (!target) return null;
  const at = target.path.indexOf(WEBHOOK_PATH_PREFIX);
  return at < 0 ? null : target.path.slice(at);
}

export function matchHook(hookUrl: string, targetUrl: string): HookMatch | null {
  const hook = normalise(hookUrl);
  const target = normalise(targetUrl);
  if (!hook || !target) return null;
  if (hook.origin === target.origin && hook.path === target.path) return 'exact';
  const suffix = integrationPath(targetUrl);
  return suffix !== null && hook.path.endsWith(suffix) ? 'integration-path' : null;
}

export interface HookFinding {
  /** The hook Stackhook keeps and repairs: one with the exact URL first, else one on the integration's path. */
  hook: Hook | null;
  /** Further hooks with the exact URL: Bitbucket would deliver each event once per hook. */
  duplicates: Hook[];
}

export function findHook(hooks: readonly Hook[], target: WebhookTarget): HookFinding {
  const exact = hooks.filter((hook) => matchHook(hook.url, target.url) === 'exact');
  const hook = exact[0] ?? hooks.find((candidate) => matchHook(candidate.url, target.url) === 'integration-path') ?? null;
  return { hook, duplicates: exact.filter((candidate) => candidate !== hook) };
}

/** Every hook that points at this integration, on any host: what remove deletes. */
export const hooksOfIntegration = (hooks: readonly Hook[], target: WebhookTarget) => hooks.filter((hook) => matchHook(hook.url, target.url) !== null);

/** Problems a person can read: "missing events: …", "extra events: …", "inactive", "no secret", … */
export function hookProblems(finding: HookFinding, target: WebhookTarget): string[] {
  const { hook, duplicates } = finding;
  if (!hook) return [];
  const problems: string[] = [];
  if (matchHook(hook.url, target.url) !== 'exact') problems.push(`wrong URL: ${hook.url} instead of ${target.url}`);
  const missing = R14_EVENTS.filter((event) => !hook.events.includes(event));
  if (missing.length > 0) problems.push(`missing events: ${missing.join(', ')}`);
  const extra = hook.events.filter((event) => !(R14_EVENTS as readonly string[]).includes(event));
  if (extra.length > 0) problems.push(`extra events: ${extra.join(', ')}`);
  if (!hook.active) problems.push('inactive');
  if (target.secret !== null && hook.secret_set === false) problems.push('no secret');
  if (duplicates.length > 0) problems.push(`duplicate hooks: ${duplicates.length + 1} hooks have this URL, so each event is delivered ${duplicates.length + 1} times`);
  return problems;
}

export interface HookBody {
  description?: string;
  url?: string;
  active?: boolean;
  events?: string[];
  secret?: string;
}

export type HookPlan =
  | { action: 'created'; create: HookBody; remove: [] }
  | { action: 'updated'; update: { uuid: string; body: HookBody } | null; remove: string[] }
  | { action: 'unchanged'; remove: [] };

export interface PlanOptions {
  /** Send the integration's secret even to a hook that has one (after the secret was regenerated). */
  resendSecret?: boolean | undefined;
}

export function describeHook(target: WebhookTarget): string {
  const path = integrationPath(target.url);
  return `Stackhook: ${path ? path.slice(WEBHOOK_PATH_PREFIX.length) : target.url}`;
}

/**
 * The fewest writes that make the hooks right: one POST when there is no hook, one PUT carrying
 * only what differs when there is, nothing when it is right, and a DELETE per exact duplicate.
 * A PUT that happens anyway also carries the secret, since a stale secret cannot be seen.
 */
export function planHook(hooks: readonly Hook[], target: WebhookTarget, options: PlanOptions = {}): HookPlan {
  const finding = findHook(hooks, target);
  const { hook } = finding;
  if (!hook) {
    const create: HookBody = { description: describeHook(target), url: target.url, active: true, events: [...R14_EVENTS] };
    if (target.secret !== null) create.secret = target.secret;
    return { action: 'created', create, remove: [] };
  }
  const body: HookBody = {};
  if (matchHook(hook.url, target.url) !== 'exact') body.url = target.url;
  const sameEvents = hook.events.length === R14_EVENTS.length && R14_EVENTS.every((event) => hook.events.includes(event));
  if (!sameEvents) body.events = [...R14_EVENTS];
  if (!hook.active) body.active = true;
  const changing = Object.keys(body).length > 0;
  if (target.secret !== null && (changing || hook.secret_set === false || options.resendSecret)) body.secret = target.secret;
  const remove = finding.duplicates.map((duplicate) => duplicate.uuid);
  if (Object.keys(body).length === 0 && remove.length === 0) return { action: 'unchanged', remove: [] };
  return { action: 'updated', update: Object.keys(body).length > 0 ? { uuid: hook.uuid, body } : null, remove };
}

/** Where hooks live: a repository (`acme/network`) or a whole workspace (`acme`). */
export interface HookHome {
  readonly label: string;
  readonly list: Endpoint;
  readonly create: Endpoint;
  readonly update: Endpoint;
  readonly remove: Endpoint;
  readonly params: Record<string, string>;
}

export function repositoryHome(fullName: string): HookHome {
  return {
    label: `the repository ${fullName}`,
    list: Endpoints.repositoryHooks,
    create: Endpoints.createRepositoryHook,
    update: Endpoints.updateRepositoryHook,
    remove: Endpoints.deleteRepositoryHook,
    params: repositoryParams(fullName),
  };
}

export function workspaceHome(workspace: string): HookHome {
  return {
    label: `the workspace ${workspace}`,
    list: Endpoints.workspaceHooks,
    create: Endpoints.createWorkspaceHook,
    update: Endpoints.updateWorkspaceHook,
    remove: Endpoints.deleteWorkspaceHook,
    params: { workspace },
  };
}

export function readHooks(http: BitbucketHttp, home: HookHome, signal?: AbortSignal): Promise<z.output<typeof Hook>[]> {
  return collectPages(http, { endpoint: home.list, target: pathOf(home.list.template, home.params), schema: HookPage, what: `list the webhooks of ${home.label}` }, signal);
}

export type HealthResult = { state: 'ok' | 'missing' | 'drifted'; problems: string[] };

export async function hookHealth(http: BitbucketHttp, home: HookHome, target: WebhookTarget, signal?: AbortSignal): Promise<HealthResult> {
  const finding = findHook(await readHooks(http, home, signal), target);
  if (!finding.hook) return { state: 'missing', problems: [`no webhook to ${target.url}`] };
  const problems = hookProblems(finding, target);
  return { state: problems.length === 0 ? 'ok' : 'drifted', problems };
}

export async function configureHook(
  http: BitbucketHttp,
  home: HookHome,
  target: WebhookTarget,
  options: PlanOptions,
  signal?: AbortSignal,
): Promise<'created' | 'updated' | 'unchanged'> {
  const plan = planHook(await readHooks(http, home, signal), target, options);
  if (plan.action === 'created') {
    await http.json({ endpoint: home.create, target: pathOf(home.create.template, home.params), body: plan.create, schema: Hook, what: `add a webhook to ${home.label}` }, signal);
  } else if (plan.action === 'updated' && plan.update) {
    const { uuid, body } = plan.update;
    await http.json(
      { endpoint: home.update, target: pathOf(home.update.template, { ...home.params, uid: uuid }), body, schema: Hook, what: `update the webhook ${uuid} of ${home.label}` },
      signal,
    );
  }
  for (const uuid of plan.remove) await deleteHook(http, home, uuid, signal);
  return plan.action;
}

async function deleteHook(http: BitbucketHttp, home: HookHome, uuid: string, signal?: AbortSignal): Promise<void> {
  try {
    await http.call(
      { endpoint: home.remove, target: pathOf(home.remove.template, { ...home.params, uid: uuid }), schema: null, what: `delete the webhook ${uuid} of ${home.label}` },
      signal,
    );
  } catch (error) {
    // Already gone (deleted by hand, or by an earlier attempt whose answer was lost): that is the goal.
    if (error instanceof BitbucketFailure && error.status === 404) return;
    throw error;
  }
}

export async function removeHooks(http: BitbucketHttp, home: HookHome, target: WebhookTarget, signal?: AbortSignal): Promise<'removed' | 'absent'> {
  const ours = hooksOfIntegration(await readHooks(http, home, signal), target);
  for (const hook of ours) await deleteHook(http, home, hook.uuid, signal);
  return ours.length > 0 ? 'removed' : 'absent';
}
