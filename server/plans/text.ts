// Text from a plan is written by whoever controls the repository's code: before it is kept it loses
// terminal escapes, control characters and bidirectional overrides (which could forge a log line or
// show other text than it is), and it is cut to a bound, never in the middle of a surrogate pair.
// (server/runs/runText.ts cleans a whole run's output the same way; this folder stands alone.)

// eslint-disable-next-line no-control-regex
const ESCAPES = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -/]*[0-~]?/g;
const LINE_BREAKS = /\r\n|[\r\v\f\x85\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\x00-\x08\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** At most `max` code units, `…` in place of what was cut (counted in `max`). */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** Cleaned and bounded; line breaks kept as "\n" (tabs too). */
export function cleanText(text: string, max: number): string {
  // Cut before cleaning as well, so a huge string costs no more than its bound to clean.
  const head = text.length > max * 4 ? text.slice(0, max * 4) : text;
  return cut(head.replace(LINE_BREAKS, '\n').replace(ESCAPES, '').replace(INVISIBLE, '').normalize('NFC'), max);
}

/** Cleaned, bounded and on one line: every run of white space is one space. */
export function cleanLine(text: string, max: number): string {
  const head = text.length > max * 4 ? text.slice(0, max * 4) : text;
  return cut(head.replace(ESCAPES, '').replace(INVISIBLE, ' ').replace(/\s+/g, ' ').trim().normalize('NFC'), max);
}
