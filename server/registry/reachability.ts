// Whether Bitbucket Cloud can deliver to a webhook URL. Bitbucket calls hooks from the internet:
// a loopback or private address never reaches this machine (and Bitbucket refuses some of them
// outright), and plain http to a public host sends every delivery, signature included, in clear.
// The demo's simulated Bitbucket is the one exception: it runs on this machine and calls the
// receiver over loopback, so there every address counts as reachable (`npm start` with STACKHOOK_DEMO=1).
import { isIP } from 'node:net';

const SET_PUBLIC_URL = 'Set stackhook.publicUrl (or --public-url) to an https address that forwards to this machine, such as a tunnel.';

function isPrivateIpv4(address: string): 'loopback' | 'private' | null {
  const [a = 0, b = 0] = address.split('.').map(Number);
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127) || a === 0) {
    return 'private';
  }
  return null;
}

function isPrivateIpv6(address: string): 'loopback' | 'private' | null {
  const lower = address.toLowerCase();
  if (lower === '::1' || lower === '::') return 'loopback';
  if (/^f[cd]/.test(lower) || /^fe[89ab]/.test(lower)) return 'private';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped?.[1] ? isPrivateIpv4(mapped[1]) : null;
}

/** Where webhooks go: the public URL, and whether Bitbucket is the demo's simulated one on this machine. */
export interface ReceiverAddress {
  readonly publicUrl: string;
  readonly demo?: boolean | undefined;
}

/** Why Bitbucket could not use this webhook URL, or undefined when it can (always, in the demo). */
export function webhookUrlProblem(url: string, demo = false): string | undefined {
  if (demo) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${url} is not a URL Bitbucket can call. ${SET_PUBLIC_URL}`;
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const family = isIP(host);
  const kind =
    family === 4 ? isPrivateIpv4(host) : family === 6 ? isPrivateIpv6(host) : host === 'localhost' || host.endsWith('.localhost') ? 'loopback' : /\.(local|internal|lan|home\.arpa)$/.test(host) ? 'private' : null;
  if (kind === 'loopback') return `Bitbucket cannot reach ${parsed.origin}: it is this machine's loopback address, which only this machine can call. ${SET_PUBLIC_URL}`;
  if (kind === 'private') return `Bitbucket cannot reach ${parsed.origin}: it is a private network address, not reachable from the internet. ${SET_PUBLIC_URL}`;
  if (parsed.protocol === 'http:') return `${parsed.origin} is plain http: every delivery would cross the internet unencrypted. ${SET_PUBLIC_URL}`;
  return undefined;
}
