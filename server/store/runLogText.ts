// What both engines do to a run's log text before they keep it and when they read it back: the
// known secrets and the run's credential masked, a cap per run (past it one note says the rest was
// dropped), reads in whole lines, and the tail a pull request comment quotes.
import { redact } from '../log';
import type { RunLogPart } from './storeEngine';

export const DEFAULT_LOG_CAP = 1024 * 1024;
/** The most one read of a log returns: a follower reads on from where it stopped. */
export const LOG_READ_LIMIT = 256 * 1024;

/** Masks a credential's secret in `text` (one shorter than 6 characters would mangle ordinary text). */
export function maskCredential(text: string, secret: string): string {
  return secret.length >= 6 ? text.split(secret).join('••••••') : text;
}

/** The text as a log keeps it: the known secrets and the run's credentials masked. */
export function maskedLogText(text: string, extraSecrets: readonly string[]): string {
  let masked = redact(text);
  for (const secret of extraSecrets) masked = maskCredential(masked, secret);
  return masked;
}

/** What of `bytes` a log of `size` bytes keeps under `cap`: past it, the rest is dropped and one note says so. */
export function withinCap(bytes: Buffer, size: number, cap: number): Buffer {
  if (size >= cap) return Buffer.alloc(0);
  if (size + bytes.length <= cap) return bytes;
  return Buffer.concat([bytes.subarray(0, cap - size), Buffer.from(`\n[log cut at ${cap} bytes]\n`)]);
}

/** A read from `offset` of `available` bytes (of a log of `size`): whole lines unless `all` and it reaches the end. */
export function partOf(available: Buffer, offset: number, size: number, all: boolean): RunLogPart {
  let end = available.length;
  if (!all || available.length < size - offset) {
    const newline = available.lastIndexOf(0x0a, available.length - 1);
    end = newline < 0 ? 0 : newline + 1;
  }
  return { text: available.subarray(0, end).toString('utf8'), nextOffset: offset + end, size };
}

/** The last `lines` lines of a log's text. */
export function lastLines(text: string, lines: number): string {
  return text.split('\n').filter((line, index, all) => line !== '' || index < all.length - 1).slice(-lines).join('\n');
}
