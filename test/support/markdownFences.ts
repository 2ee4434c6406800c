// A small scanner of Markdown's fenced code blocks, for tests that must know which part of a comment
// a renderer shows as code and which as Markdown. Two dialects: Python-Markdown's `fenced_code`
// (what Bitbucket renders comments with: an opening fence at the start of a line closes only on a
// later line that is the same fence followed by spaces; an opening that never closes is ordinary
// text) and CommonMark's (indented up to three spaces; closed by a run of the same character at
// least as long; an unclosed fence runs to the end of the document). It reads fences only: that is
// all a test needs to tell "inside a code block" from "outside".

export type Dialect = 'python-markdown' | 'commonmark';

export interface Segment {
  kind: 'text' | 'code';
  /** The lines of the segment (for code: its content, without the fences). */
  lines: string[];
  /** For code: the opening fence. */
  fence?: string;
}

/** Lines as each dialect splits them: Python-Markdown drops STX/ETX and turns CR into a line break; CommonMark ends lines at CR too. */
function linesOf(markdown: string, dialect: Dialect): string[] {
  // eslint-disable-next-line no-control-regex
  const text = dialect === 'python-markdown' ? markdown.replace(/[\x02\x03]/g, '') : markdown;
  return text.replace(/\r\n?/g, '\n').split('\n');
}

const PYTHON_OPENING = /^(`{3,}|~{3,})[ ]*(?:\{[^}\n]*\}|\.?[\w#.+-]*[ ]*)$/;
const COMMONMARK_OPENING = /^ {0,3}(`{3,}|~{3,})(.*)$/;

function opening(line: string, dialect: Dialect): string | null {
  if (dialect === 'python-markdown') return PYTHON_OPENING.exec(line)?.[1] ?? null;
  const match = COMMONMARK_OPENING.exec(line);
  if (!match?.[1]) return null;
  // A backtick fence's info string may hold no backtick.
  if (match[1].startsWith('`') && (match[2] ?? '').includes('`')) return null;
  return match[1];
}

function closes(line: string, fence: string, dialect: Dialect): boolean {
  if (dialect === 'python-markdown') return line.startsWith(fence) && /^ *$/.test(line.slice(fence.length));
  const match = /^ {0,3}(`+|~+)[ \t]*$/.exec(line);
  return match?.[1] !== undefined && match[1][0] === fence[0] && match[1].length >= fence.length;
}

/** The document as text and code segments, in order. */
export function fencedSegments(markdown: string, dialect: Dialect): Segment[] {
  const lines = linesOf(markdown, dialect);
  const segments: Segment[] = [];
  const text = (line: string) => {
    const last = segments.at(-1);
    if (last?.kind === 'text') last.lines.push(line);
    else segments.push({ kind: 'text', lines: [line] });
  };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const fence = opening(line, dialect);
    if (fence === null) {
      text(line);
      continue;
    }
    let end = index + 1;
    while (end < lines.length && !closes(lines[end] as string, fence, dialect)) end++;
    if (end === lines.length && dialect === 'python-markdown') {
      // Never closed: Python-Markdown leaves the line as it is.
      text(line);
      continue;
    }
    segments.push({ kind: 'code', fence, lines: lines.slice(index + 1, end) });
    index = end;
  }
  return segments;
}

/** What a renderer of that dialect shows outside code blocks. */
export function outsideCode(markdown: string, dialect: Dialect): string[] {
  return fencedSegments(markdown, dialect).flatMap((segment) => (segment.kind === 'text' ? segment.lines : []));
}

/** The contents of the document's code blocks. */
export function codeBlocks(markdown: string, dialect: Dialect): string[][] {
  return fencedSegments(markdown, dialect).flatMap((segment) => (segment.kind === 'code' ? [segment.lines] : []));
}
