// Text a run produced (a plan's output, a pipeline's log) is written by whoever controls the
// repository's code, so it is untrusted: before Stackhook quotes it anywhere a person reads it
// (a pull request comment), terminal escape sequences, control characters and bidirectional
// overrides go, and every kind of line break becomes "\n" so that what counts lines counts them all.

/**
 * Terminal escape sequences: CSI (`ESC [` or C1 0x9B … final byte: colours, cursor movement),
 * OSC (`ESC ]` or 0x9D … BEL or ST: window titles, OSC 8 hyperlinks), the DCS/SOS/PM/APC strings
 * (`ESC P`/`X`/`^`/`_`, C1 0x90/0x98/0x9E/0x9F … ST), and two-byte escapes (`ESC 7`, `ESC ( B`).
 * A string sequence that is never terminated ends at its line: a terminal would swallow the rest.
 */
// eslint-disable-next-line no-control-regex
const ESCAPE_SEQUENCES = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -/]*[0-~]?/g;

/** Everything that ends a line somewhere: CRLF, CR, VT, FF, NEL, and Unicode's line and paragraph separators. */
const LINE_BREAKS = /\r\n|[\r\v\f\x85\u2028\u2029]/g;

/**
 * C0 and C1 controls but tab and newline, DEL, and the characters that reorder text when it is
 * shown (bidirectional embeddings, overrides, isolates and marks: "Trojan Source").
 */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\x00-\x08\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/**
 * The run's text without escape sequences, controls or bidirectional overrides, its line breaks all
 * "\n", in Unicode's canonical composition (NFC: U+1FEF is a backtick once composed, and a renderer
 * that composes must not find backticks Stackhook did not count).
 */
export function cleanRunText(text: string): string {
  return text.replace(LINE_BREAKS, '\n').replace(ESCAPE_SEQUENCES, '').replace(INVISIBLE, '').normalize('NFC');
}

/** Cleaned, on one line: every run of white space (line breaks included) is one space. */
export function oneLine(text: string): string {
  return cleanRunText(text).replace(/\s+/g, ' ').trim();
}

/**
 * At most `max` UTF-16 code units of `text` from its start, never half of a surrogate pair, with `…`
 * in place of what was cut (counted in `max`).
 */
export function cutTo(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${headOf(text, max - 1)}…`;
}

/** The first `length` code units, one fewer where the last would be half of a pair. */
export function headOf(text: string, length: number): string {
  if (length <= 0) return '';
  const end = isHighSurrogate(text.charCodeAt(length - 1)) ? length - 1 : length;
  return text.slice(0, end);
}

/** The last `length` code units, one fewer where the first would be half of a pair. */
export function endOf(text: string, length: number): string {
  if (length <= 0) return '';
  if (length >= text.length) return text;
  const start = text.length - length;
  return text.slice(isLowSurrogate(text.charCodeAt(start)) ? start + 1 : start);
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;
