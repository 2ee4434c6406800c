// A StackhookServer that answers from handlers a test gives, and remembers every request. It checks
// both ways, as the server and the extension do: the params the extension sends with the protocol's
// schema (what the server would refuse fails the test, even when the extension shows the refusal and
// carries on) and the answers the handlers give with the result's.
import '../../support/vscodeStub';
import * as vscode from 'vscode';
import type { z } from 'zod';
import type { ChangeTopic } from '../../../server/protocol';
import { describeIssues, issueTexts } from '../../../server/zodIssues';
import type { ServerState } from '../../../extension/contextKeys';
import type { DeliveryRefusal, RequestOptions, StackhookServer } from '../../../extension/connection/serverApi';

type Handler = (params: any, options?: RequestOptions) => unknown;

/** What the extension sent that the server would refuse, since the current test began. */
const refusedParams: string[] = [];

// A root hook, since every test that talks to a FakeServer loads this module: the test fails when the
// extension sent params the server would refuse, whatever the extension did with the refusal.
afterEach(function () {
  const refused = refusedParams.splice(0);
  if (refused.length > 0) (this.test as Mocha.Hook | undefined)?.error(new Error(`The extension sent params the server would refuse:\n${refused.join('\n')}`));
});

export class FakeServer implements StackhookServer {
  readonly requests: { method: string; params: any }[] = [];
  state: ServerState = 'running';
  private readonly changed = new vscode.EventEmitter<ChangeTopic[]>();
  private readonly stateChanged = new vscode.EventEmitter<ServerState>();
  readonly onChanged = this.changed.event;
  private readonly refused = new vscode.EventEmitter<DeliveryRefusal>();
  readonly onDeliveryRefused = this.refused.event;
  readonly onDidChangeState = this.stateChanged.event;
  restarts = 0;

  constructor(public handlers: Record<string, Handler> = {}) {}

  async request(definition: { method: string; params: z.ZodType; result: { parse(value: unknown): any } }, params: unknown, options?: RequestOptions): Promise<any> {
    this.requests.push({ method: definition.method, params });
    const checked = definition.params.safeParse(params);
    if (!checked.success) {
      const reason = describeIssues(checked.error, '(params)');
      refusedParams.push(`${definition.method} ${JSON.stringify(params)}: ${reason}`);
      const [field] = checked.error.issues[0]?.path ?? [];
      throw rpcError(`Invalid parameters for ${definition.method}: ${reason}.`, { kind: 'Invalid', issues: issueTexts(checked.error, '(params)'), ...(typeof field === 'string' ? { field } : {}) });
    }
    const handler = this.handlers[definition.method];
    if (!handler) throw Object.assign(new Error(`no fake answer for ${definition.method}`), { data: { kind: 'Unavailable' } });
    return definition.result.parse(await handler(params, options));
  }

  /** The params of every request of this method. */
  sent(method: string): any[] {
    return this.requests.filter((request) => request.method === method).map((request) => request.params);
  }

  refuse(refusal: DeliveryRefusal): void {
    this.refused.fire(refusal);
  }

  notify(topics: ChangeTopic[]): void {
    this.changed.fire(topics);
  }

  setState(state: ServerState): void {
    this.state = state;
    this.stateChanged.fire(state);
  }

  async restart(): Promise<void> {
    this.restarts++;
  }
}

/** A JSON-RPC error as the language client rejects with it. */
export function rpcError(message: string, data: Record<string, unknown>): Error {
  return Object.assign(new Error(message), { code: -32000, data });
}

export const integration = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  type: 'default',
  spaceId: 'root',
  labels: [],
  detailsVisible: true,
  ...extra,
});

export const details = (id: string, extra: Record<string, unknown> = {}) => ({
  ...integration(id),
  username: 'ana@example.com',
  credentialType: 'api_token',
  description: '',
  webhookUrl: `https://hooks.example.com/webhooks/bitbucket-cloud/${id}`,
  webhookSecretSet: true,
  createdAt: '2026-11-25T10:00:00.000Z',
  reattachableStackIds: [],
  ...extra,
});

export const stack = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  spaceId: 'root',
  integrationId: 'acme-main',
  detachedFrom: null,
  repository: 'acme/infra-live',
  branch: 'main',
  projectRoot: '',
  state: 'attached',
  runner: { type: 'pipelines', pipeline: 'stackhook' },
  autodeploy: false,
  allowForks: false,
  lastRun: null,
  ...extra,
});

export const run = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  stackId: 'prod-network',
  kind: 'tracked',
  trigger: 'push',
  branch: 'main',
  commit: '501bf5b993650000000000000000000000000000',
  deliveryId: null,
  createdAt: '2026-11-25T12:00:00.000Z',
  pullRequestId: null,
  state: 'finished',
  startedAt: '2026-11-25T12:00:01.000Z',
  endedAt: '2026-11-25T12:01:00.000Z',
  summary: 'Plan: 1 to add, 0 to change, 0 to destroy.',
  externalUrl: null,
  runner: 'pipelines',
  reports: { status: 'posted', comment: 'skipped' },
  plan: null,
  ...extra,
});

export const delivery = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  integrationId: 'acme-main',
  eventKey: 'repo:push',
  repository: 'acme/infra-live',
  verdict: 'queued',
  reason: 'tracked run on prod-network',
  status: 202,
  stackIds: ['prod-network'],
  receivedAt: '2026-11-25T12:04:00.000Z',
  ...extra,
});

export const repository = (fullName: string) => {
  const [workspace = '', slug = ''] = fullName.split('/');
  return { fullName, workspace, slug, isPrivate: true, mainBranch: 'main' };
};

export const COMMIT_URL = 'https://bitbucket.org/acme/network/commits/0123456789abcdef';

/** A `repositories/commitLinksStatus` answer, with the server's words for each state. */
export const commitLinksStatus = (repository: string, state: 'ok' | 'indexing' | 'not-installed') => ({
  repository,
  commit: '0123456789abcdef',
  state,
  pullRequestIds: [],
  message: {
    ok: `The app works for ${repository}.`,
    indexing: `Bitbucket is still indexing the pull requests of ${repository} (202).`,
    'not-installed': 'Install the Pull Request Commit Links app: open any commit of the repository in Bitbucket and click "Go to pull request".',
  }[state],
  commitUrl: COMMIT_URL,
});
