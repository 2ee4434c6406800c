// A drifted resource's before and after as a diff (R26): two read-only virtual documents
// (`stackhook-drift:/<run id>/<side>/<address>.json`) opened side by side, their values from the
// drift check's result (`runs/drift`), every sensitive value already "(sensitive)" on the server.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';
import { protocol } from '../connection/protocol';
import type { StackhookServer } from '../connection/serverApi';

export const DRIFT_SCHEME = 'stackhook-drift';

type Side = 'before' | 'after';

export function driftUri(runId: string, address: string, side: Side): vscode.Uri {
  return vscode.Uri.from({ scheme: DRIFT_SCHEME, path: `/${encodeURIComponent(runId)}/${side}/${encodeURIComponent(address)}.json` });
}

function parse(uri: vscode.Uri): { runId: string; side: Side; address: string } | undefined {
  const match = /^\/([^/]+)\/(before|after)\/([^/]+)\.json$/.exec(uri.path);
  return match ? { runId: decodeURIComponent(match[1] as string), side: match[2] as Side, address: decodeURIComponent(match[3] as string) } : undefined;
}

export class DriftDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly server: Pick<StackhookServer, 'request'>) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const where = parse(uri);
    if (!where) return '';
    const result = await this.server.request(protocol().RunsDrift, { runId: where.runId });
    const resource = result?.resources.find((candidate) => candidate.address === where.address);
    if (!resource) return `${vscode.l10n.t('// The drift check {0} holds no drifted resource {1}.', where.runId, where.address)}\n`;
    const lines = [JSON.stringify(sorted(where.side === 'before' ? resource.before : resource.after), null, 2) ?? 'null'];
    if (resource.truncated) lines.push('', vscode.l10n.t('// A value was too large to keep whole.'));
    return `${lines.join('\n')}\n`;
  }
}

/** Opens the resource's drift: the state's values on the left, the real infrastructure's on the right. */
export async function openDriftedResource(runId: unknown, address: unknown): Promise<void> {
  if (typeof runId !== 'string' || typeof address !== 'string') return;
  await vscode.commands.executeCommand('vscode.diff', driftUri(runId, address, 'before'), driftUri(runId, address, 'after'), vscode.l10n.t('{0}: state ↔ real infrastructure (drift)', address));
}

function sorted(value: Protocol.PlanValue): Protocol.PlanValue {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sorted(value[key] as Protocol.PlanValue)]));
  return value;
}
