// docs/design.md is what the code cites: every rule number cited in the code is stated there, no
// citation points anywhere else, and its protocol table names every method the protocol defines.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as Protocol from '../../../server/protocol';

const ROOT = path.resolve(__dirname, '../../..');
const design = readFileSync(path.join(ROOT, 'docs', 'design.md'), 'utf8');
const sources = execFileSync('git', ['ls-files', '-co', '--exclude-standard', 'server', 'extension', 'media', 'test', 'bench', 'scripts'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((file) => /\.(ts|js|mjs)$/.test(file));
const code = sources.map((file) => ({ file, text: readFileSync(path.join(ROOT, file), 'utf8') }));

describe('docs/design.md: the design the code cites', () => {
  it('states every rule (R-number) the code and tests cite', () => {
    const cited = new Set(code.flatMap(({ text }) => [...text.matchAll(/\bR(\d{1,2})\b/g)].map((match) => Number(match[1]))));
    assert.ok(cited.size >= 17, `the code cites ${cited.size} rules`);
    for (const rule of [...cited].sort((a, b) => a - b)) assert.match(design, new RegExp(`\\*\\*R${rule}\\*\\* `), `R${rule} is cited but not stated`);
  });

  it('is the only design cited: no comment points to a DESIGN.md outside the repository', () => {
    const stale = code.filter(({ file, text }) => file !== 'test/unit/docs/design.test.ts' && /\bDESIGN(\.md)?\b/.test(text)).map(({ file }) => file);
    assert.deepEqual(stale, []);
  });

  it('has a section for every § the code cites', () => {
    const sections = new Set(code.flatMap(({ text }) => [...text.matchAll(/docs\/design\.md §(\d+)/g)].map((match) => match[1])));
    assert.ok(sections.size > 0);
    for (const section of sections) assert.match(design, new RegExp(`^## ${section}\\. `, 'm'), `§${section} is cited but not in docs/design.md`);
  });

  it('lists every request and notification the protocol defines in its table', () => {
    const methods = Object.values(Protocol as Record<string, unknown>)
      .filter((value): value is { method: string; params: unknown } => typeof value === 'object' && value !== null && 'method' in value && 'params' in value)
      .map((definition) => definition.method);
    assert.ok(methods.length > 30, `${methods.length} methods`);
    for (const method of methods) assert.ok(design.includes(`| \`${method}\` |`), `${method} is not in the protocol table`);
  });
});
