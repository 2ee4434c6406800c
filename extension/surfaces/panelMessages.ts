// The messages between the status panel host (panel.ts) and its script (media/panel.js), typed once.
// media/panel.js refers to these types through JSDoc.

export interface PanelStack {
  id: string;
  name: string;
  detachedFrom: string | null;
  repository: string;
  branch: string;
}

export interface PanelWebhook {
  integrationId: string;
  integrationName: string;
  repository: string;
  stacks: string[];
  /** The server's state, or `unchecked` before it answered. */
  state: 'ok' | 'missing' | 'drifted' | 'forbidden' | 'error' | 'unchecked';
  /** Words for the state, already localised by the host. */
  summary: string;
  /** Whether webhooks/configure can fix it (a missing or drifted webhook). */
  repairable: boolean;
}

/** The Pull Request Commit Links app on a repository a stack uses. */
export interface PanelCommitLinks {
  integrationId: string;
  repository: string;
  state: 'ok' | 'indexing' | 'not-installed' | 'error' | 'unchecked';
  /** The state in words, and what the server said (how to install the app, when it is missing). */
  summary: string;
  message: string;
  /** Whether the host can open a commit of the repository, where the app is installed. */
  canOpenCommit: boolean;
}

export interface PanelDelivery {
  id: string;
  eventKey: string;
  repository: string;
  verdict: string;
  reason: string;
  receivedAt: string;
  refused: boolean;
  /** The verdict in words ("run queued", "refused: bad signature"), and its colour by meaning. */
  badge: string;
  tone: 'ok' | 'neutral' | 'error';
}

/** An integration whose API token Bitbucket refused (kept by the server until a check succeeds). */
export interface PanelRefusedCredential {
  integrationId: string;
  name: string;
  reason: string;
  at: string;
}

export interface PanelRun {
  id: string;
  stackId: string;
  /** The name the person gave the stack (runs carry its id). */
  stackName: string;
  /** `tracked · finished · 3 min ago · Plan: …`, localised by the host. */
  line: string;
  state: string;
}

/** A stack whose last drift check found drift (R29), with that check's badge and id. */
export interface PanelDrift {
  name: string;
  /** `drifted 2 · 5 min ago`, localised by the host. */
  line: string;
  runId: string;
}

export interface PanelState {
  refused: PanelRefusedCredential[];
  detached: PanelStack[];
  drifted: PanelDrift[];
  webhooks: PanelWebhook[];
  commitLinks: PanelCommitLinks[];
  deliveries: PanelDelivery[];
  runs: PanelRun[];
  receiver: string;
  /** Headings and button labels, localised by the host so the script holds no strings. */
  text: Record<
    'detached' | 'noDetached' | 'drifted' | 'noDrifted' | 'webhooks' | 'noWebhooks' | 'deliveries' | 'noDeliveries' | 'reattach' | 'repair' | 'refresh' | 'wasOn' | 'usedBy' | 'runs' | 'noRuns' | 'openLog'
      | 'commitLinks' | 'noCommitLinks' | 'openCommit' | 'refused' | 'replaceToken' | 'refusedAt',
    string
  >;
}

export type ToPanel = { type: 'state'; state: PanelState };

export type FromPanel =
  | { type: 'ready' }
  | { type: 'refresh' }
  | { type: 'reattach'; stackId: string }
  | { type: 'repair'; integrationId: string; repository: string }
  | { type: 'openCommit'; integrationId: string; repository: string }
  | { type: 'openLog'; runId: string }
  | { type: 'replaceToken'; integrationId: string };

/** The panel is a web page: check what it sends before acting on it. */
export function parseFromPanel(message: unknown): FromPanel | undefined {
  if (typeof message !== 'object' || message === null || !('type' in message)) return undefined;
  const m = message as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'refresh':
      return { type: m.type };
    case 'reattach':
      return typeof m.stackId === 'string' ? { type: 'reattach', stackId: m.stackId } : undefined;
    case 'openLog':
      return typeof m.runId === 'string' ? { type: 'openLog', runId: m.runId } : undefined;
    case 'replaceToken':
      return typeof m.integrationId === 'string' ? { type: 'replaceToken', integrationId: m.integrationId } : undefined;
    case 'repair':
    case 'openCommit':
      return typeof m.integrationId === 'string' && typeof m.repository === 'string'
        ? { type: m.type, integrationId: m.integrationId, repository: m.repository }
        : undefined;
    default:
      return undefined;
  }
}
