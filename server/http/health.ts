// `GET /healthz`: what any Stackhook listener answers, so another Stackhook process that finds the
// port taken can tell whether a Stackhook holds it (probeHealth) or some other program does.
import { request as httpRequest } from 'node:http';
import { send, type Route } from './routes';

/** What `GET /healthz` answers; another Stackhook process recognises the listener by `service`. */
export interface Health {
  ok: true;
  service: 'stackhook';
  version: string;
}

export const HEALTH_PATH = '/healthz';
const PROBE_TIMEOUT_MS = 500;

export function healthRoute(version: string): Route {
  return (path, request, response) => {
    if (path !== HEALTH_PATH) return null;
    if (request.method !== 'GET' && request.method !== 'HEAD') send(response, 405, { error: 'Use GET.' }, { Allow: 'GET, HEAD' });
    else send(response, 200, { ok: true, service: 'stackhook', version } satisfies Health);
    return Promise.resolve();
  };
}

/** Asks whatever listens at `url` whether it is a Stackhook listener. No answer in time counts as "probably". */
export function probeHealth(url: string): Promise<'stackhook' | 'other-program' | 'unknown'> {
  return new Promise((resolve) => {
    const req = httpRequest(`${url}${HEALTH_PATH}`, { method: 'GET', timeout: PROBE_TIMEOUT_MS }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (text.length < 4_096) text += chunk;
      });
      response.on('end', () => {
        try {
          const health = JSON.parse(text) as Partial<Health>;
          resolve(health.service === 'stackhook' ? 'stackhook' : 'other-program');
        } catch {
          resolve('other-program');
        }
      });
      response.on('error', () => resolve('unknown'));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('unknown');
    });
    req.on('error', () => resolve('unknown'));
    req.end();
  });
}
