// The command line of the companion process (docs/design.md §8).
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { hostPort } from './hostPort';
import { displayUrl, hasPassword, isDatabaseUrl } from './store/databaseUrl';
import { DEFAULT_RECEIVER_LIMITS, type ReceiverLimits } from './http/connectionLimits';

interface CommonOptions {
  store: string;
  user: string;
  secrets: 'file' | 'client';
  bitbucketApi: string;
  publicUrl: string;
  deliveryLogSize: number;
  /** Team server only (serve): where the key that encrypts credentials at rest is, if not in the environment. */
  secretKeyFile: string | null;
  /** Team server only: serve HTTPS (and WSS) with this certificate and key. */
  tls: { cert: string; key: string } | null;
  /** Team server only: let the `local` runner execute stacks' commands on this host. */
  localRunner: boolean;
  /** Team server only: the PostgreSQL database that holds the store (`--database-url` or `--store postgres://…`), without a password. */
  databaseUrl: string | null;
  /** Team server only: the file that holds the database's password (else PGPASSWORD, as start-up found it). */
  databasePasswordFile: string | null;
  receiverLimits: ReceiverLimits;
  /** The demo's simulated Bitbucket (see isDemo). */
  demo: boolean;
}

/** `serve` always listens; `--stdio` listens only when asked to. */
export type ServerOptions =
  | (CommonOptions & { mode: 'stdio'; listen: { host: string; port: number } | null })
  | (CommonOptions & { mode: 'serve'; listen: { host: string; port: number } });

export const DEFAULT_BITBUCKET_API = 'https://api.bitbucket.org/2.0';
export const DEFAULT_LISTEN = '127.0.0.1:8787';

export const USAGE = `Usage:
  stackhook-server --stdio [--store DIR] [--user NAME] [--secrets client|file]
                   [--bitbucket-api URL] [--public-url URL] [--listen HOST:PORT]
  stackhook-server serve --listen HOST:PORT --public-url URL [--store DIR] [--secrets file]
                   [--secret-key-file FILE] [--tls-cert FILE --tls-key FILE] [--local-runner]
                   [--database-url URL [--database-password-file FILE]]
  stackhook-server users add NAME [--admin] | users list | users invite NAME [--days N] | users link NAME ACCOUNT_ID   [--store DIR]
  stackhook-server tokens create NAME [--days N] | tokens revoke ID   [--store DIR]
  (users and tokens take --database-url and --database-password-file as serve does)

  --store DIR            where the registry lives (default ~/.stackhook)
  --user NAME            who is acting (default: the OS user); the first user of a new store is root admin
  --secrets file|client  keep Bitbucket credentials in <store>/credentials.json (0600), or ask the editor
  --bitbucket-api URL    Bitbucket Cloud REST base (default ${DEFAULT_BITBUCKET_API})
  --public-url URL       the address Bitbucket reaches the webhook receiver at
  --listen HOST:PORT     start the webhook receiver here
  --delivery-log-size N  deliveries kept before the log rotates (default 10000)
  --secret-key-file FILE the 32-byte key (hex or base64) that encrypts credentials at rest on a team
                         server (or STACKHOOK_SECRET_KEY); without one it stores no credential
  --tls-cert/--tls-key   serve https:// and wss:// (or put a TLS reverse proxy in front)
  --local-runner         let the local runner execute stacks' commands on this host, each in a bubblewrap
                         sandbox (off on a team server; refused where bubblewrap cannot run)
  --database-url URL     keep the store in PostgreSQL 15+ (or --store postgres://…); several serve replicas
                         may share one database; --store DIR then holds only this replica's run logs.
                         No password in the URL: give it in PGPASSWORD or with --database-password-file
  --database-password-file FILE  the database's password (the file readable by its owner only)
  --headers-timeout MS   a request's headers must arrive within this (default ${DEFAULT_RECEIVER_LIMITS.headersTimeoutMs})
  --request-timeout MS   a whole request, body included, within this (default ${DEFAULT_RECEIVER_LIMITS.requestTimeoutMs})
  --idle-timeout MS      a connection silent this long is closed (default ${DEFAULT_RECEIVER_LIMITS.idleTimeoutMs})
  --keep-alive-timeout MS  a kept-alive connection waits this long for its next request (default ${DEFAULT_RECEIVER_LIMITS.keepAliveTimeoutMs})
  --max-connections N    open connections at most; the longest-idle one makes room (default ${DEFAULT_RECEIVER_LIMITS.maxConnections})`;

export class UsageError extends Error {}

/**
 * Where `--store` and `--database-url` put the store, for `serve` and the `users`/`tokens` commands
 * alike: a database (`--database-url`, or `--store postgres://…`), and always a folder. With a
 * database, the folder keeps only what is this replica's own: the local runner's checkouts.
 */
export function storeLocation(
  store: string | undefined,
  databaseUrlFlag: string | undefined,
  passwordFile?: string,
): { folder: string; databaseUrl: string | null; databasePasswordFile: string | null } {
  const storeIsDatabase = isDatabaseUrl(store ?? '');
  const databaseUrl = databaseUrlFlag ?? (storeIsDatabase ? (store as string) : null);
  if (databaseUrl !== null && !isDatabaseUrl(databaseUrl)) throw new UsageError(`--database-url takes a postgres:// URL; "${displayUrl(databaseUrl)}" is not one.`);
  if (databaseUrl !== null && hasPassword(databaseUrl)) {
    throw new UsageError(
      `The database URL ${displayUrl(databaseUrl)} carries a password, which every user of this host can read in the process list. ` +
        'Give the URL without it, and the password in the PGPASSWORD environment variable or in a file named by --database-password-file FILE (chmod 600).',
    );
  }
  if (passwordFile !== undefined && databaseUrl === null) throw new UsageError('--database-password-file goes with a database: --database-url URL (or --store postgres://…).');
  return {
    folder: path.resolve(store && !storeIsDatabase ? store : path.join(os.homedir(), '.stackhook')),
    databaseUrl,
    databasePasswordFile: passwordFile === undefined ? null : path.resolve(passwordFile),
  };
}

export function parseListen(value: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65_535) throw new UsageError(`--listen takes HOST:PORT (for example ${DEFAULT_LISTEN}); "${value}" is not one.`);
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
}

function parseUrl(flag: string, value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
    return value.replace(/\/+$/, '');
  } catch {
    throw new UsageError(`${flag} takes an http(s) URL; "${value}" is not one.`);
  }
}

/**
 * The demo (`STACKHOOK_DEMO=1 npm start`) runs one person's process against a simulated Bitbucket
 * on loopback: only then does the server say so in `stackhook/status` and treat the receiver's
 * address as reachable. A real Bitbucket is never on loopback, so the variable cannot make a real
 * setup skip the reachability warning; and no editor setting can set it.
 */
export function isDemo(env: NodeJS.ProcessEnv, serve: boolean, bitbucketApi: string): boolean {
  if (env.STACKHOOK_DEMO !== '1' || serve) return false;
  const host = new URL(bitbucketApi).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export function parseServerArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ServerOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      stdio: { type: 'boolean' },
      store: { type: 'string' },
      user: { type: 'string' },
      secrets: { type: 'string' },
      'bitbucket-api': { type: 'string' },
      'public-url': { type: 'string' },
      listen: { type: 'string' },
      'delivery-log-size': { type: 'string' },
      'secret-key-file': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'local-runner': { type: 'boolean' },
      'database-url': { type: 'string' },
      'database-password-file': { type: 'string' },
      'headers-timeout': { type: 'string' },
      'request-timeout': { type: 'string' },
      'idle-timeout': { type: 'string' },
      'keep-alive-timeout': { type: 'string' },
      'max-connections': { type: 'string' },
      'node-ipc': { type: 'boolean' },
      clientProcessId: { type: 'string' },
    },
  });
  const serve = positionals[0] === 'serve';
  if (positionals.length > (serve ? 1 : 0)) throw new UsageError(`Unknown argument "${positionals[serve ? 1 : 0]}".`);
  if (!serve && !values.stdio) throw new UsageError('Say how to run: --stdio (for an editor) or serve (headless).');
  const secrets = values.secrets ?? 'file';
  if (secrets !== 'file' && secrets !== 'client') throw new UsageError(`--secrets takes file or client; "${secrets}" is neither.`);
  if (serve && secrets === 'client') throw new UsageError('serve has no editor to ask for secrets: use --secrets file.');
  const listen = values.listen ? parseListen(values.listen) : null;
  if (serve && !listen) throw new UsageError('serve needs --listen HOST:PORT.');
  if (serve && !values['public-url']) throw new UsageError('serve needs --public-url: the address Bitbucket sends webhooks to.');
  const logSize = Number(values['delivery-log-size'] ?? 10_000);
  if (!Number.isInteger(logSize) || logSize < 10) throw new UsageError('--delivery-log-size takes a whole number of at least 10.');
  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) throw new UsageError('--tls-cert and --tls-key go together: give both, or neither.');
  const { folder, databaseUrl, databasePasswordFile } = storeLocation(values.store, values['database-url'], values['database-password-file']);
  if (!serve && (values['tls-cert'] || values['secret-key-file'] || values['local-runner'] || databaseUrl)) {
    throw new UsageError('--secret-key-file, --tls-cert, --tls-key, --local-runner and a database are for a team server (serve).');
  }
  const receiverLimits = parseReceiverLimits(values);
  const localUrl = `http://${listen ? hostPort(listen.host, listen.port) : DEFAULT_LISTEN}`;
  const bitbucketApi = parseUrl('--bitbucket-api', values['bitbucket-api'] ?? DEFAULT_BITBUCKET_API);
  const common: CommonOptions = {
    store: folder,
    user: values.user ?? os.userInfo().username,
    secrets,
    bitbucketApi,
    publicUrl: parseUrl('--public-url', values['public-url'] ?? localUrl),
    deliveryLogSize: logSize,
    secretKeyFile: values['secret-key-file'] ? path.resolve(values['secret-key-file']) : null,
    tls: values['tls-cert'] && values['tls-key'] ? { cert: path.resolve(values['tls-cert']), key: path.resolve(values['tls-key']) } : null,
    localRunner: values['local-runner'] ?? false,
    databaseUrl,
    databasePasswordFile,
    receiverLimits,
    demo: isDemo(env, serve, bitbucketApi),
  };
  return listen && serve ? { ...common, mode: 'serve', listen } : { ...common, mode: 'stdio', listen };
}

function wholeNumber(flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) throw new UsageError(`${flag} takes a whole number from ${min} to ${max}; "${value}" is not one.`);
  return number;
}

function parseReceiverLimits(values: Record<string, string | boolean | undefined>): ReceiverLimits {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const d = DEFAULT_RECEIVER_LIMITS;
  const limits: ReceiverLimits = {
    headersTimeoutMs: wholeNumber('--headers-timeout', text('headers-timeout'), d.headersTimeoutMs, 100, 600_000),
    requestTimeoutMs: wholeNumber('--request-timeout', text('request-timeout'), d.requestTimeoutMs, 100, 600_000),
    idleTimeoutMs: wholeNumber('--idle-timeout', text('idle-timeout'), d.idleTimeoutMs, 100, 600_000),
    keepAliveTimeoutMs: wholeNumber('--keep-alive-timeout', text('keep-alive-timeout'), d.keepAliveTimeoutMs, 100, 600_000),
    maxConnections: wholeNumber('--max-connections', text('max-connections'), d.maxConnections, 4, 100_000),
  };
  // Node refuses a headers timeout longer than the request's.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) throw new UsageError('--headers-timeout cannot be longer than --request-timeout.');
  return limits;
}
