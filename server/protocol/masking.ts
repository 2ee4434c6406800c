// R9 in one place: every form a secret can take on its way out — as typed, URL-encoded, inside
// `Basic base64(email:token)`, or after `Bearer` — is masked before text leaves a process. The server
// passes every RPC result, error, notification and log line through here; the extension's log too.
// It lives in the protocol folder because the extension may import only the protocol of the server.

export const MASK = '••••••';

/** Upstream text (an error body, a message quoted from Bitbucket) is cut to this many characters. */
const MAX_QUOTED = 500;

/** Credentials: masked everywhere, results included. */
const credentialForms = new Set<string>();
/** Webhook secrets: an admin may ask for one (a result), but no log, error or notification shows it. */
const logOnlyForms = new Set<string>();

/** Shorter values would mangle ordinary text, and no real token or secret is that short. */
const MIN_SECRET = 6;

/** An Authorization header's value, whoever quotes it: a hostile upstream may echo one we never saw. */
const AUTHORIZATION = /\b(Basic|Bearer|Token)(\s+|%20|\+)[A-Za-z0-9+/=._~%-]{6,}/gi;
/** A JSON-RPC trace shows params as JSON: a "secret" field is masked even if its value was never seen. */
const SECRET_FIELD = /("secret"\s*:\s*")((?:[^"\\]|\\.)*)(")/g;

function formsOf(secret: string, username?: string): string[] {
  const forms = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)];
  if (username) {
    const basic = Buffer.from(`${username}:${secret}`, 'utf8').toString('base64');
    forms.push(basic, basic.replace(/=+$/, ''), encodeURIComponent(basic), encodeURIComponent(`${username}:${secret}`));
  }
  return forms;
}

function add(into: Set<string>, forms: string[]): void {
  for (const form of forms) if (form.length >= MIN_SECRET) into.add(form);
}

/**
 * Registers a Bitbucket credential: with the username, the `base64(username:secret)` of Basic auth
 * is masked too. Credentials are masked in results as well as in logs and errors.
 */
export function registerCredential(secret: string | null | undefined, username?: string): void {
  if (secret && secret.length >= MIN_SECRET) add(credentialForms, formsOf(secret, username));
}

/** Registers a value that no log line, error or notification may show (a webhook secret). */
export function registerSecret(value: string | null | undefined): void {
  if (value && value.length >= MIN_SECRET) add(logOnlyForms, formsOf(value));
}

function replaceAll(text: string, forms: Iterable<string>): string {
  let result = text;
  for (const form of forms) if (result.includes(form)) result = result.split(form).join(MASK);
  return result;
}

function maskAuthorization(text: string): string {
  return text.replace(AUTHORIZATION, (_match, scheme: string, gap: string) => `${scheme}${gap}${MASK}`);
}

/** Text for a log, an error message or a notification: every secret form masked. */
export function maskText(text: string): string {
  let result = replaceAll(text, credentialForms);
  result = replaceAll(result, logOnlyForms);
  return maskAuthorization(result).replace(SECRET_FIELD, `$1${MASK}$3`);
}

/** Text that a result may carry: credentials and Authorization values masked; webhook secrets kept. */
function maskResultText(text: string): string {
  return maskAuthorization(replaceAll(text, credentialForms));
}

function deep(value: unknown, maskString: (text: string) => string, depth = 0): unknown {
  if (typeof value === 'string') return maskString(value);
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => deep(item, maskString, depth + 1));
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) result[key] = deep(item, maskString, depth + 1);
  return result;
}

/** An RPC result on its way to the client. */
export function maskResult<T>(value: T): T {
  return deep(value, maskResultText) as T;
}

/** A notification's params or an error's data: nothing secret at all. */
export function maskEverything<T>(value: T): T {
  return deep(value, maskText) as T;
}

/** `ATATT3xFfGF0…` → `ATAT••••••`: enough to recognise which token, nothing to use. */
export function maskSecret(secret: string): string {
  return secret.length <= 8 ? MASK : `${secret.slice(0, 4)}${MASK}`;
}

/** Text from upstream, cut to `max` characters so a hostile body cannot be passed through whole. */
export function bounded(text: string, max = MAX_QUOTED): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** For tests: forget every registered secret. */
export function forgetSecrets(): void {
  credentialForms.clear();
  logOnlyForms.clear();
}
