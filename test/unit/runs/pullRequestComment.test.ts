// Text from a run is untrusted: in the pull request comment it stays inside one code block that it
// cannot close (checked with a fence scanner for Python-Markdown, which Bitbucket renders comments
// with, and for CommonMark), everything outside is Stackhook's own words, the comment is capped and
// says what it left out, and credentials stay masked. The build status says only Stackhook's words.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { codeBlock, longestBacktickRun, markdownText } from '../../../server/runs/markdown';
import { COMMENT_LIMITS, commentMarkdown, type CommentFacts, type CommentLimits } from '../../../server/runs/reporters/commentMarkdown';
import { statusDescription, STATUS_DESCRIPTION_MAX } from '../../../server/runs/reporters/buildStatus';
import { maskCredential } from '../../../server/store/runLogText';
import { cleanRunText } from '../../../server/runs/runText';
import { codeBlocks, outsideCode, type Dialect } from '../../support/markdownFences';
import { seededRandom } from '../../support/seededRandom';
import { skipBecause } from '../../support/skipping';

const SECRET = 'ATATT3xFfGF0-comment-secret-91c2';
const mask = (text: string) => maskCredential(text, SECRET);
const DIALECTS: Dialect[] = ['python-markdown', 'commonmark'];

/** The dangerous pieces a plan's output may hold: fences of every kind, line breaks, escapes, HTML, mentions, links. */
const PIECES = [
  '```', '````', '`````````', '~~~', '~~~~~~', '   ```', '```text', '``` ', '\t```', '`', '``', '``\x02`',
  '\r', '\r\n', '\n', '\n\n', '\u2028', '\u2029', '\x85', '\v', '\f', '\x02', '\x03', '\x00',
  '\u1fef\u1fef\u1fef', '\uff40\uff40\uff40\uff40',
  '<img src=https://track.example/p.gif>', '<a href="https://evil.example">x</a>', '</code></pre>', '<script>alert(1)</script>',
  '@{557058:0a1b2c3d-4e5f-admin}', '@admin', '[phishing](https://evil.example)', '![x](https://track.example/p.gif)',
  '\x1b[31m', '\x1b[0m', '\x1b]8;;https://evil.example\x1b\\', '\x1b]8;;\x07', '\x1b[2J', '\x1b[1A', '\x9b1m', '\x1b', '\x1b]0;title',
  '\u202e', '\u2066', '    ', '# heading', '> quote', '- item', '1. item', '---', '===', '|a|b|', 'text',
  'Plan: 9 to add, 0 to change, 0 to destroy.', SECRET, `ATATT3xFfGF0-comm\x1b[0ment-secret-91c2`,
];

/** Fragments that may never be outside the code block, nor (the escape byte, the secret) anywhere. */
const FORBIDDEN_OUTSIDE = ['<img', '<a ', '<script', '@{', '@admin', '](', '![', 'evil.example', 'track.example', '~~~', '# heading', '\x1b'];

const facts = (logTail: string, extra: Partial<CommentFacts> = {}): CommentFacts => ({
  stackName: 'dev',
  kind: 'proposed',
  commit: 'c0ffee'.repeat(6) + 'abcd',
  state: 'failed',
  summary: "plan failed (exit 1); see the run's log",
  runId: 'r-1',
  pipelineUrl: null,
  logTail,
  ...extra,
});

/** The only lines Stackhook writes outside the code block. */
const OWN_LINES = [
  /^$/,
  /^\*\*Stackhook\*\* · stack \*\*dev\*\* · proposed run on `c0ffeec0ffee`: \*\*failed\*\*$/,
  /^plan failed \(exit 1\); see the run's log$/,
  /^The end of the run's log:$/,
  /^The run wrote no output\.$/,
  /^The run's log is not quoted: it would make this comment too long\.$/,
  /^_Left out of this comment: [a-z0-9,;' ]+\. The whole log is the run's log in Stackhook\._$/,
  /^_Run r-1( · \[pipeline\]\(https:\/\/bitbucket\.org\/acme\/dev\/pipelines\/results\/7\))?\. This comment is updated by later runs of the stack\._$/,
];

/** Lines of the log as the comment must quote them: cleaned, masked, the trailing empty line gone. */
function expectedLines(tail: string): string[] {
  const lines = mask(cleanRunText(tail)).split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** The comment holds the run's text in exactly one code block, and outside it only Stackhook's lines. */
function assertContained(markdown: string, tail: string, exact: boolean): void {
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(markdown, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]/, 'a control, escape or override character in the comment');
  assert.equal(markdown.includes(SECRET), false, 'the secret is in the comment');
  const expected = expectedLines(tail).slice(-COMMENT_LIMITS.tailLines);
  for (const dialect of DIALECTS) {
    for (const line of outsideCode(markdown, dialect)) {
      assert.ok(OWN_LINES.some((own) => own.test(line)), `${dialect}: a line outside the code block is not Stackhook's: ${JSON.stringify(line)}\n${markdown}`);
    }
    const blocks = codeBlocks(markdown, dialect);
    if (expected.length === 0) {
      assert.equal(blocks.length, 0, `${dialect}: no output, no code block`);
      continue;
    }
    assert.equal(blocks.length, 1, `${dialect}: one code block\n${markdown}`);
    const quoted = blocks[0] as string[];
    if (exact) {
      assert.deepEqual(quoted, expected, `${dialect}: the code block holds exactly the end of the log`);
      continue;
    }
    // Capped: the quote is the end of the log, its first lines perhaps gone and long lines cut with " …".
    const tailOf = expected.slice(-quoted.length);
    assert.ok(quoted.length > 0 || markdown.includes('not quoted'), `${dialect}: nothing quoted, and not said`);
    quoted.forEach((line, index) => {
      const original = tailOf[index] as string;
      assert.ok(line === original || (line.endsWith(' …') && original.startsWith(line.slice(0, -2))), `${dialect}: quoted line ${index} is not the log's`);
    });
  }
}

describe('the pull request comment: run text stays in its code block', () => {
  it('a plan that prints Markdown, HTML, mentions, links, fences, escapes and separators is quoted, not rendered', () => {
    const tail = [
      'Plan: 1 to add, 0 to change, 0 to destroy. <img src=https://track.example/p.gif>',
      '@{557058:0a1b2c3d-4e5f-admin} @admin please approve: [phishing](https://evil.example) ![x](https://track.example/p.gif)',
      '<a href="https://evil.example">docs</a>',
      '```',
      '~~~',
      '`````',
      '   ````',
      'x\r```\r<img src=https://track.example/cr.gif>',
      'y\u2028```\u2029# heading',
      '``\x02`',
      '\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x1b\\hyperlink\x1b]8;;\x1b\\ \x1b[2J\x1b[1A',
      '\u202eevil\u202c',
      `token ${SECRET} and ATATT3xFfGF0-comm\x1b[0ment-secret-91c2`,
    ].join('\n');
    const markdown = commentMarkdown(facts(tail), mask);
    assertContained(markdown, tail, true);
    for (const dialect of DIALECTS) {
      const outside = outsideCode(markdown, dialect).join('\n');
      assert.ok(outside.length > 100, 'there is text outside the code block to search');
      for (const fragment of FORBIDDEN_OUTSIDE) assert.equal(outside.includes(fragment), false, `${dialect}: ${JSON.stringify(fragment)} outside the code block`);
    }
    // The fence is longer than the longest run of backticks in what it holds.
    const fence = /^(`+)text$/m.exec(markdown)?.[1] ?? '';
    assert.equal(fence.length, 6);
    assert.ok(markdown.includes('••••••'), 'the secret was there, masked');
  });

  it('the scanner finds what the old comment let out (so it can fail): STX vanishes in Python-Markdown and makes a closing fence', () => {
    const tail = 'ok\n``\x02`\n<img src=https://track.example/p.gif>';
    const old = ['**Stackhook**', '', '```text', tail.replace(/```/g, "'''"), '```', ''].join('\n');
    assert.ok(outsideCode(old, 'python-markdown').some((line) => line.includes('<img')), 'the old comment rendered the image');
    assert.ok(!outsideCode(commentMarkdown(facts(tail), mask), 'python-markdown').some((line) => line.includes('<img')));
  });

  it('fuzz (seeded): random strings of the dangerous pieces never leave the code block', () => {
    const random = seededRandom(20_261_118);
    const wide: CommentLimits = { tailLines: 30, lineChars: 100_000, tailChars: 1_000_000, commentChars: 10_000_000 };
    for (let round = 0; round < 600; round++) {
      const count = Math.floor(random() * 60);
      let tail = '';
      for (let i = 0; i < count; i++) tail += PIECES[Math.floor(random() * PIECES.length)];
      const markdown = commentMarkdown(facts(tail), mask, wide);
      try {
        assertContained(markdown, tail, true);
      } catch (error) {
        throw new Error(`round ${round}, tail ${JSON.stringify(tail)}: ${(error as Error).message}`);
      }
    }
  });

  it('fuzz (seeded) under the real caps: long lines and long runs of backticks stay inside, and the comment stays under 32,000 characters', () => {
    const random = seededRandom(7);
    const long = ['`'.repeat(2_500), 'x'.repeat(3_000), `${'~'.repeat(1_200)}\n`, `${'`'.repeat(999)}\n`, ...PIECES];
    for (let round = 0; round < 150; round++) {
      const count = Math.floor(random() * 200);
      let tail = '';
      for (let i = 0; i < count; i++) tail += long[Math.floor(random() * long.length)];
      const markdown = commentMarkdown(facts(tail), mask);
      assert.ok(markdown.length <= COMMENT_LIMITS.commentChars, `round ${round}: ${markdown.length} characters`);
      try {
        assertContained(markdown, tail, false);
      } catch (error) {
        throw new Error(`round ${round}: ${(error as Error).message}`);
      }
    }
  });

  it('caps the quote by lines and characters, and the comment at 32,000 characters, saying what it left out', () => {
    const tail = `${Array.from({ length: 5_000 }, (_, i) => `line ${i} ${'-'.repeat(50)}`).join('\n')}\n${'A'.repeat(200_000)}\nlast line\n`;
    const markdown = commentMarkdown(facts(tail), mask);
    assert.ok(markdown.length <= 32_000, `${markdown.length} characters`);
    assertContained(markdown, tail, false);
    const note = outsideCode(markdown, 'python-markdown').find((line) => line.startsWith('_Left out'));
    assert.match(note ?? '', /the log's lines before its last 30/);
    assert.match(note ?? '', /199,002 characters of 1 line longer than 1,000 characters/);
    const quoted = codeBlocks(markdown, 'python-markdown')[0] ?? [];
    assert.equal(quoted.at(-1), 'last line');
    assert.ok(quoted.join('\n').length <= COMMENT_LIMITS.tailChars);

    // Nothing left out: no such line.
    assert.equal(commentMarkdown(facts('one\ntwo\n'), mask).includes('Left out'), false);

    // The character cap of the quote drops its first lines; the comment's own cap drops more.
    const small: CommentLimits = { tailLines: 10, lineChars: 40, tailChars: 100, commentChars: 700 };
    const dense = Array.from({ length: 10 }, (_, i) => `${i}`.repeat(30)).join('\n');
    const capped = commentMarkdown(facts(dense), mask, small);
    assert.match(capped, /_Left out of this comment: 7 more lines before those quoted, to keep the comment short\./);
    // Long runs of backticks make the fence long too: dropping them shortens both.
    const ticks = `${'`'.repeat(300)}\nsome text\nend`;
    const roomy = { ...small, lineChars: 400, tailChars: 1_000 };
    const whole = commentMarkdown(facts(ticks), mask, { ...roomy, commentChars: 100_000 });
    assert.match(whole, /^`{301}text$/m);
    const fenced = commentMarkdown(facts(ticks), mask, { ...roomy, commentChars: whole.length - 100 });
    assert.ok(fenced.length <= whole.length - 100, `${fenced.length} characters`);
    assert.match(fenced, /^```text\nsome text\nend\n```$/m);
    assert.match(fenced, /1 more line before those quoted/);
    assertContained(fenced, ticks, false);
  });

  it('with no output it says so; a pipeline link is written only for an address a link can hold', () => {
    const empty = commentMarkdown(facts('', { pipelineUrl: 'https://bitbucket.org/acme/dev/pipelines/results/7' }), mask);
    assertContained(empty, '', true);
    assert.match(empty, /The run wrote no output\./);
    assert.match(empty, /· \[pipeline\]\(https:\/\/bitbucket\.org\/acme\/dev\/pipelines\/results\/7\)\./);
    const hostile = commentMarkdown(facts('x', { pipelineUrl: 'https://evil.example/a)[x](https://evil.example' }), mask);
    assert.doesNotMatch(hostile, /evil/);
  });

  it('Stackhook\'s words are plain text: a summary or a name cannot form links, images, HTML, mentions or blocks', () => {
    const hostile = '# [phishing](https://evil.example) ![x](https://track.example/p.gif) <img src=x> @admin @{557058:x} `code` *em* https://evil.example ~~s~~ |a|';
    const words = markdownText(hostile);
    for (const fragment of ['<img', '@', '://', '*em*', '~~', '|']) assert.equal(words.includes(fragment), false, fragment);
    assert.doesNotMatch(words, /(?<!\\)[[\]`*]/, 'every link bracket, backtick and asterisk is escaped');
    assert.ok(words.startsWith('\\#'), 'a heading mark is escaped');
    assert.equal(markdownText('1. item'), '1\\. item');
    assert.equal(markdownText('- item'), '\\- item');
    assert.equal(markdownText("Plan: 1 to add, 0 to change, 0 to destroy."), 'Plan: 1 to add, 0 to change, 0 to destroy.', 'own words read as they are');
    assert.equal(markdownText('a\x1b[31m\nb\u202e'), 'a b');
    const markdown = commentMarkdown(facts('x', { summary: hostile, stackName: 'dev*' }), mask);
    assert.equal(codeBlocks(markdown, 'python-markdown').length, 1);
    assert.match(markdown, /stack \*\*dev\\\*\*\*/);
  });

  it('a code block\'s fence outgrows every run of backticks, fullwidth ones included', () => {
    assert.equal(longestBacktickRun('a ``` b ````` c'), 5);
    assert.equal(longestBacktickRun('``\uff40\uff40'), 4);
    assert.match(codeBlock('``\uff40\uff40'), /^`{5}text\n/);
    assert.match(codeBlock('plain'), /^```text\nplain\n```$/);
  });
});

describe('the build status description: Stackhook\'s words, within Bitbucket\'s limit', () => {
  it('is one line, without controls, masked, at most STATUS_DESCRIPTION_MAX characters', () => {
    const summary = `plan failed\n\x1b[31m${SECRET}\x1b[0m\u202e ${'x'.repeat(1_000)}`;
    const description = statusDescription({ kind: 'proposed', state: 'failed', summary }, SECRET);
    assert.ok(description.length <= STATUS_DESCRIPTION_MAX);
    assert.ok(description.startsWith('plan failed ••••••'), description.slice(0, 40));
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(description, /[\n\x1b\u202e]/);
    assert.equal(statusDescription({ kind: 'tracked', state: 'unconfirmed', summary: null }, SECRET), 'tracked run waiting for confirmation in Stackhook');
    // Waiting is said first (a cut keeps it), then the plan.
    assert.equal(
      statusDescription({ kind: 'tracked', state: 'unconfirmed', summary: 'Plan: 2 to add, 0 to change, 1 to destroy.' }, SECRET),
      'tracked run waiting for confirmation in Stackhook: Plan: 2 to add, 0 to change, 1 to destroy.',
    );
  });

  it('keeps within the commit status schema of Bitbucket\'s OpenAPI document', function () {
    const document = path.resolve(__dirname, '../../../../shared/fixtures/openapi/bitbucket-cloud.swagger.v3.json');
    if (!existsSync(document)) skipBecause(this, `Bitbucket's OpenAPI document is not at ${document}`);
    const schemas = (JSON.parse(readFileSync(document, 'utf8')) as { components: { schemas: Record<string, { allOf?: { properties?: Record<string, { type?: string; maxLength?: number }> }[] }> } }).components.schemas;
    const properties = Object.assign({}, ...(schemas.commitstatus?.allOf ?? []).map((part) => part.properties ?? {})) as Record<string, { type?: string; maxLength?: number }>;
    assert.equal(properties.description?.type, 'string', 'the document describes the description');
    assert.ok(STATUS_DESCRIPTION_MAX <= (properties.description?.maxLength ?? Infinity));
  });
});
