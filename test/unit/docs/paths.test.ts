// README.md and docs/design.md send readers to files: every path they name, as `server/…` in code
// spans or in the README's Layout block, exists, so a move that forgets the documents fails here.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const TOP = ['server', 'extension', 'media', 'test', 'scripts', 'bench', 'docs', 'l10n'];

/** Repository paths in code spans: `server/runs/runBook.ts`, `server/store/files/` (a method name like `stackhook/runs/get` is not one). */
function namedPaths(text: string): string[] {
  const spans = [...text.matchAll(/`([^`\s]+)`/g)].map((match) => match[1] as string);
  return spans.filter((span) => TOP.some((top) => span.startsWith(`${top}/`)) && /^[\w./-]+$/.test(span) && !span.includes('<'));
}

/** The first column of the README's Layout block: `server/protocol/`, `extension/`, … */
function layoutPaths(readme: string): string[] {
  const block = /## Layout\s*\n```\n([\s\S]*?)\n```/.exec(readme)?.[1] ?? '';
  return block
    .split('\n')
    .map((line) => /^([\w./-]+\/)\s/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

describe('docs: the paths README.md and docs/design.md name exist', () => {
  for (const document of ['README.md', 'docs/design.md']) {
    it(`every repository path ${document} names in a code span exists`, () => {
      const named = namedPaths(readFileSync(path.join(ROOT, document), 'utf8'));
      assert.ok(named.length > 5, `${document} names ${named.length} paths`);
      assert.deepEqual(named.filter((where) => !existsSync(path.join(ROOT, where))), []);
    });
  }

  it("every folder of README's Layout exists", () => {
    const listed = layoutPaths(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    assert.ok(listed.length > 8, `the Layout lists ${listed.length} folders`);
    assert.deepEqual(listed.filter((where) => !existsSync(path.join(ROOT, where))), []);
  });
});
