// Where the top-level blocks of one HCL (.tf) file start: `resource "type" "name" {` and
// `module "name" {` with its `source`. Only what a Code Insights annotation needs, the line a
// resource or module call is declared on, so this is a scanner and not a parser: it walks the text
// once, knows comments (`#`, `//`, `/* */`), quoted strings with escapes and `${…}`/`%{…}` templates
// (which nest strings and braces), and heredocs (`<<EOF`, `<<-EOF`), so a brace or a `resource`
// word inside any of them is never taken for a block. npm has no HCL parser without native or
// WebAssembly code that keeps source positions (@cdktf/hcl2json answers JSON, which has none), so
// Stackhook keeps this one, tested on every fixture's .tf files. The text is untrusted: the scan is
// linear, and a file that does not close what it opens simply ends the scan.

export interface HclBlock {
  /** `resource`, `module`, `data`, …: the block's type. */
  type: string;
  labels: string[];
  /** 1-based line of the block's type word. */
  line: number;
  /** For a module call: its `source` attribute when it is a plain string. */
  source?: string;
}

const IDENT = /[A-Za-z0-9_-]/;
const IDENT_START = /[A-Za-z_]/;

class Cursor {
  index = 0;
  line = 1;
  constructor(readonly text: string) {}
  get done(): boolean {
    return this.index >= this.text.length;
  }
  peek(offset = 0): string {
    return this.text[this.index + offset] ?? '';
  }
  next(): string {
    const char = this.text[this.index++] ?? '';
    if (char === '\n') this.line += 1;
    return char;
  }
}

/** Skips a comment starting at the cursor, if one does; true when it did. */
function skipComment(cursor: Cursor): boolean {
  const char = cursor.peek();
  if (char === '#' || (char === '/' && cursor.peek(1) === '/')) {
    while (!cursor.done && cursor.peek() !== '\n') cursor.next();
    return true;
  }
  if (char === '/' && cursor.peek(1) === '*') {
    cursor.next();
    cursor.next();
    while (!cursor.done && !(cursor.peek() === '*' && cursor.peek(1) === '/')) cursor.next();
    cursor.next();
    cursor.next();
    return true;
  }
  return false;
}

/**
 * Reads a quoted string from its opening quote; answers its text when it has no template (a plain
 * label or source), else null. Templates may hold expressions with strings and braces of their own.
 */
function readString(cursor: Cursor): string | null {
  cursor.next();
  let text = '';
  let plain = true;
  while (!cursor.done) {
    // A quoted string never spans lines in HCL: an unclosed one ends at the line's end, left for the caller.
    if (cursor.peek() === '\n') return null;
    const char = cursor.next();
    if (char === '"') return plain ? text : null;
    if (char === '\\') {
      text += cursor.next();
      continue;
    }
    if ((char === '$' || char === '%') && cursor.peek() === '{') {
      if (cursor.peek(-2) === char) {
        // `$${` and `%%{` are escapes for a literal `${` / `%{`.
        text += char;
        continue;
      }
      plain = false;
      cursor.next();
      skipExpression(cursor, '}');
      continue;
    }
    text += char;
  }
  return null;
}

/** Reads a heredoc from `<<`; the text is of no interest, only where it ends. */
function skipHeredoc(cursor: Cursor): boolean {
  const rest = cursor.text.slice(cursor.index, cursor.index + 300);
  const opener = /^<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n/.exec(rest);
  if (!opener) return false;
  const marker = opener[1] as string;
  for (let i = 0; i < opener[0].length; i += 1) cursor.next();
  while (!cursor.done) {
    const end = cursor.text.indexOf('\n', cursor.index);
    const lineText = cursor.text.slice(cursor.index, end < 0 ? cursor.text.length : end);
    const closes = lineText.trim() === marker;
    while (!cursor.done && cursor.peek() !== '\n') cursor.next();
    if (closes) return true;
    cursor.next();
  }
  return true;
}

/** Skips everything up to the `close` that ends an expression, nested brackets, strings, heredocs and comments included. */
function skipExpression(cursor: Cursor, close: string): void {
  const stack = [close];
  while (!cursor.done && stack.length > 0) {
    if (skipComment(cursor)) continue;
    const char = cursor.peek();
    if (char === '"') {
      readString(cursor);
      continue;
    }
    if (char === '<' && cursor.peek(1) === '<' && skipHeredoc(cursor)) continue;
    cursor.next();
    if (char === '{') stack.push('}');
    else if (char === '(') stack.push(')');
    else if (char === '[') stack.push(']');
    else if (char === stack[stack.length - 1]) stack.pop();
  }
}

function skipBlanks(cursor: Cursor, newlines: boolean): void {
  while (!cursor.done) {
    if (skipComment(cursor)) continue;
    const char = cursor.peek();
    if (char === ' ' || char === '\t' || char === '\r' || (newlines && char === '\n')) cursor.next();
    else return;
  }
}

function readIdent(cursor: Cursor): string {
  let word = '';
  while (!cursor.done && IDENT.test(cursor.peek())) word += cursor.next();
  return word;
}

/**
 * The body of a block from after its `{` to its `}`: nested blocks are skipped, and only the
 * attributes of this level are read, as `name = "plain string"` (what `source` needs).
 */
function readBody(cursor: Cursor): Record<string, string> {
  const attributes: Record<string, string> = {};
  while (!cursor.done) {
    skipBlanks(cursor, true);
    const char = cursor.peek();
    if (char === '}') {
      cursor.next();
      return attributes;
    }
    if (!IDENT_START.test(char)) {
      // Not an item start (a stray token in a broken file): step over it.
      if (char === '"') readString(cursor);
      else {
        cursor.next();
        if (char === '{') skipExpression(cursor, '}');
      }
      continue;
    }
    const name = readIdent(cursor);
    skipBlanks(cursor, false);
    if (cursor.peek() === '=' && cursor.peek(1) !== '=') {
      cursor.next();
      skipBlanks(cursor, false);
      if (cursor.peek() === '"') {
        const value = readString(cursor);
        skipBlanks(cursor, false);
        // A string that is the whole value (not `"a" == var.b ? …`).
        if (value !== null && (cursor.peek() === '\n' || cursor.peek() === '}' || cursor.done)) attributes[name] = value;
        else skipValue(cursor);
      } else skipValue(cursor);
      continue;
    }
    // A nested block: labels, then its body.
    while (!cursor.done && cursor.peek() !== '{' && cursor.peek() !== '\n') {
      if (cursor.peek() === '"') readString(cursor);
      else cursor.next();
      skipBlanks(cursor, false);
    }
    if (cursor.peek() === '{') {
      cursor.next();
      skipExpression(cursor, '}');
    }
  }
  return attributes;
}

/** An attribute's value runs to the end of its line, or past it inside brackets, strings, heredocs. */
function skipValue(cursor: Cursor): void {
  while (!cursor.done) {
    if (skipComment(cursor)) continue;
    const char = cursor.peek();
    if (char === '\n' || char === '}') return;
    if (char === '"') readString(cursor);
    else if (char === '<' && cursor.peek(1) === '<' && skipHeredoc(cursor)) continue;
    else if (char === '{' || char === '(' || char === '[') {
      cursor.next();
      skipExpression(cursor, char === '{' ? '}' : char === '(' ? ')' : ']');
    } else cursor.next();
  }
}

/** Every top-level block of the file, in order, with the line its type word is on. */
export function scanHclBlocks(text: string): HclBlock[] {
  const cursor = new Cursor(text.startsWith('\uFEFF') ? text.slice(1) : text);
  const blocks: HclBlock[] = [];
  while (!cursor.done) {
    skipBlanks(cursor, true);
    if (cursor.done) break;
    if (!IDENT_START.test(cursor.peek())) {
      cursor.next();
      continue;
    }
    const line = cursor.line;
    const type = readIdent(cursor);
    const labels: string[] = [];
    let labelsOk = true;
    skipBlanks(cursor, false);
    while (!cursor.done && cursor.peek() !== '{' && cursor.peek() !== '=' && cursor.peek() !== '\n') {
      if (cursor.peek() === '"') {
        const label = readString(cursor);
        if (label === null) labelsOk = false;
        else labels.push(label);
      } else if (IDENT_START.test(cursor.peek())) labels.push(readIdent(cursor));
      else {
        labelsOk = false;
        cursor.next();
      }
      skipBlanks(cursor, false);
    }
    if (cursor.peek() === '=') {
      // A top-level attribute (not valid in a .tf file, but not a block either).
      cursor.next();
      skipValue(cursor);
      continue;
    }
    if (cursor.peek() !== '{') continue;
    cursor.next();
    const attributes = readBody(cursor);
    if (!labelsOk) continue;
    const block: HclBlock = { type, labels, line };
    if (type === 'module' && attributes.source !== undefined) block.source = attributes.source;
    blocks.push(block);
  }
  return blocks;
}
