// The equivalent curl line for a check, so a person can repeat it by hand. The secret is masked:
// the line is shown in the editor and may be pasted into a ticket.
import { maskSecret } from '../log';
import type { BitbucketCredential } from './gateway';

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export function curlFor(apiUrl: string, credential: BitbucketCredential, path = '/user'): string {
  const url = `${apiUrl.replace(/\/+$/, '')}${path}`;
  return `curl -sS -u ${quote(`${credential.username}:${maskSecret(credential.secret)}`)} -H 'Accept: application/json' ${quote(url)}`;
}
