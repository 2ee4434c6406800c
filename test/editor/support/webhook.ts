// Sends a webhook delivery to Stackhook's receiver the way Bitbucket Cloud does: its headers,
// a repo:push body, and `X-Hub-Signature: sha256=<hex HMAC of the raw body>` computed here, not
// by Stackhook's code, so the test checks the receiver against the documented scheme.
import { createHmac, randomUUID } from 'node:crypto';

export interface DeliveryAnswer {
  status: number;
  body: Record<string, unknown>;
  requestUuid: string;
}

/** A `repo:push` body for one new commit on `branch`, shaped like Bitbucket's. */
export function pushBody(fullName: string, branch: string, commit: string): string {
  const [workspace = '', slug = ''] = fullName.split('/');
  const actor = { type: 'user', display_name: 'Ana Silva', uuid: '{5d6f1c2e-8a4b-4c3d-9e2f-1a2b3c4d5e6f}', account_id: '712020:ana' };
  return JSON.stringify({
    actor,
    repository: {
      type: 'repository',
      full_name: fullName,
      name: slug,
      uuid: '{0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d}',
      is_private: true,
      workspace: { type: 'workspace', slug: workspace, name: workspace, uuid: '{a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d}' },
      links: { html: { href: `https://bitbucket.org/${fullName}` } },
    },
    push: {
      changes: [
        {
          old: { type: 'branch', name: branch, target: { type: 'commit', hash: '1'.repeat(40) } },
          new: { type: 'branch', name: branch, target: { type: 'commit', hash: commit, message: 'Raise the NAT gateway count\n', author: { raw: 'Ana Silva <ana@example.com>' } } },
          created: false,
          closed: false,
          forced: false,
          truncated: false,
          commits: [{ type: 'commit', hash: commit, message: 'Raise the NAT gateway count\n' }],
        },
      ],
    },
  });
}

export async function deliver(url: string, options: { eventKey: string; body: string; secret: string | null }): Promise<DeliveryAnswer> {
  const requestUuid = randomUUID();
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'Bitbucket-Webhooks/2.0',
    'X-Event-Key': options.eventKey,
    'X-Hook-UUID': '{9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d}',
    'X-Request-UUID': requestUuid,
    'X-Attempt-Number': '1',
  };
  if (options.secret !== null) headers['X-Hub-Signature'] = `sha256=${createHmac('sha256', options.secret).update(options.body).digest('hex')}`;
  const response = await fetch(url, { method: 'POST', headers, body: options.body, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: response.status, body, requestUuid };
}
