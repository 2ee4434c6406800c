// A team server's address as the setting holds it, and where the editor may send a token: over TLS
// (https/wss) anywhere, in plain text only to this machine.
import { REDEEM_PATH } from '../../../server/protocol/redeem';

export interface TeamAddress {
  /** What the setting holds, without a trailing slash: `https://stackhook.example.com`. */
  readonly url: string;
  /** The WebSocket endpoint: `wss://stackhook.example.com/rpc`. */
  readonly rpcUrl: string;
  /** Where an invitation is exchanged for a personal token: `https://stackhook.example.com/rpc/redeem`. */
  readonly redeemUrl: string;
  readonly host: string;
  readonly secure: boolean;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

/** Parses the address; throws a sentence for a person when it cannot be used. */
export function parseTeamAddress(value: string): TeamAddress {
  // "localhost:8792" parses as a URL of scheme "localhost:": say what to write instead.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim())) {
    const bare = value.trim();
    throw new Error(`"${bare}" has no http:// or https:// in front. Write http://${bare} for a server on this machine, or https://${bare} for any other.`);
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new Error(`"${value}" is not a URL. A team server's address looks like https://stackhook.example.com.`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new Error(`A team server is reached over https:// (or http:// on this machine); "${url.protocol}" is neither.`);
  }
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const path = url.pathname.replace(/\/+$/, '');
  if (!secure && !isLoopbackHost(url.hostname)) {
    throw new Error(`Stackhook sends your token only over TLS: use https://${url.host}${path} (plain http:// is for this machine only).`);
  }
  const base = `${url.protocol}//${url.host}${path}`;
  const rpcUrl = `${secure ? 'wss' : 'ws'}://${url.host}${path}/rpc`;
  const redeemUrl = `${secure ? 'https' : 'http'}://${url.host}${path}${REDEEM_PATH}`;
  return { url: base, rpcUrl, redeemUrl, host: url.host, secure };
}
