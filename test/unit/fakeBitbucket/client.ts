// A minimal Bitbucket client for the fake's own tests: Basic auth with an account's email and API
// token, JSON in and out, redirects not followed (so a 302 is seen as Bitbucket sends it).
import type { FakeBitbucket } from '../../support/fakeBitbucket';

export interface Answer {
  status: number;
  headers: Headers;
  json: any;
  text: string;
}

export interface Client {
  get(path: string, headers?: Record<string, string>): Promise<Answer>;
  send(method: string, path: string, body?: unknown): Promise<Answer>;
  /** Follows `next` from `path` and answers every value, with the number of pages read. */
  all(path: string): Promise<{ values: any[]; pages: number }>;
}

export function clientFor(bitbucket: FakeBitbucket, email: string, token: string): Client {
  const authorization = `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}`;
  const url = (path: string) => (path.startsWith('http') ? path : `${bitbucket.url}${path}`);
  const answer = async (response: Response): Promise<Answer> => {
    const text = await response.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: response.status, headers: response.headers, json, text };
  };
  const client: Client = {
    async get(path, headers = {}) {
      return answer(await fetch(url(path), { headers: { Authorization: authorization, ...headers }, redirect: 'manual' }));
    },
    async send(method, path, body) {
      return answer(
        await fetch(url(path), {
          method,
          headers: { Authorization: authorization, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          redirect: 'manual',
        }),
      );
    },
    async all(path) {
      const values: any[] = [];
      let next: string | undefined = path;
      let pages = 0;
      while (next) {
        const page = await client.get(next);
        if (page.status !== 200) throw new Error(`GET ${next} answered ${page.status}: ${page.text}`);
        values.push(...(page.json.values as any[]));
        next = page.json.next;
        pages++;
      }
      return { values, pages };
    },
  };
  return client;
}
