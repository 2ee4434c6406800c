// Markdown for what Stackhook writes on Bitbucket, which renders comments with Python-Markdown.
// Untrusted text goes only into a fenced code block it cannot close; Stackhook's own words pass
// through markdownText, which keeps them from forming links, images, HTML, mentions or blocks.
import { cleanRunText, oneLine } from './runText';

/**
 * Characters a renderer may take for a backtick: U+0060 itself and the fullwidth grave accent, which
 * compatibility normalisation (NFKC) turns into one. (U+1FEF is one after NFC, which cleanRunText applies.)
 */
const BACKTICK_LIKE = /[`\uff40]+/g;

/** The longest run of backticks (or characters a renderer could take for them) anywhere in `text`. */
export function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(BACKTICK_LIKE) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/**
 * `text` in a fenced code block that nothing in it can close. Python-Markdown closes a fence only on
 * a line that is exactly the opening fence (the same characters, then spaces); CommonMark on a line
 * of at least as many of the same character, indented at most three spaces. A backtick fence longer
 * than every run of backticks in the text satisfies both: no line of the text holds that many, and
 * tildes never close a backtick fence. The text is cleaned first, so a CR, a Unicode line separator
 * or a control character cannot make a line the fence did not see (Python-Markdown also turns CR
 * into a line break, and STX/ETX are its placeholders' delimiters).
 */
export function codeBlock(text: string, info = 'text'): string {
  const clean = cleanRunText(text);
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(clean) + 1));
  return `${fence}${info}\n${clean}\n${fence}`;
}

/**
 * Text as plain words on one line of Markdown: whatever it holds renders as those characters and
 * nothing else. Backslash escapes (Python-Markdown's set) for emphasis, code spans and link brackets;
 * entities for HTML, `@` (a mention), `~`, `|`, and the colon of `scheme://` (an autolink); and a
 * line that would start a block (a heading, a list item, a rule) has its first character escaped.
 */
export function markdownText(text: string): string {
  const escaped = oneLine(text)
    .replace(/[\\`*_{}[\]]/g, (character) => `\\${character}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '&#64;')
    .replace(/~/g, '&#126;')
    .replace(/\|/g, '&#124;')
    .replace(/:(?=\/\/)/g, '&#58;');
  return escaped.replace(/^[#+-]/, (character) => `\\${character}`).replace(/^(\d+)([.)])/, (_all, digits: string, mark: string) => `${digits}\\${mark}`);
}
