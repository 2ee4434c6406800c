// The Node README and package.json `engines` name is enough for every installed package: each
// package in package-lock.json that declares `engines.node` accepts that version, so `npm ci` on it
// prints no EBADENGINE warning (a dependency that needs a newer Node fails here, not in setup).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

type Version = [number, number, number];

function parse(text: string): Version {
  const [major = 0, minor = 0, patch = 0] = text.replace(/^v/, '').split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : 0));
  return [major, minor, patch];
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** One comparator of npm's range syntax, as the engines fields in the lock use them. */
function satisfiesComparator(version: Version, comparator: string): boolean {
  const match = /^(>=|<=|>|<|=|\^|~)?\s*v?([\dxX*]+(?:\.[\dxX*]+){0,2})$/.exec(comparator.trim());
  if (!match) throw new Error(`engines range part "${comparator}" is not understood by this test`);
  const operator = match[1] ?? '=';
  const wild = (match[2] ?? '').split('.').findIndex((part) => /^[xX*]$/.test(part));
  const bound = parse((match[2] ?? '').replace(/[xX*]/g, '0'));
  const order = compare(version, bound);
  const parts = (match[2] ?? '').split('.').length;
  if (operator === '>=') return order >= 0;
  if (operator === '>') return order > 0;
  if (operator === '<=') return order <= 0;
  if (operator === '<') return order < 0;
  if (operator === '^') return order >= 0 && version[0] === bound[0];
  if (operator === '~') return order >= 0 && version[0] === bound[0] && (parts < 2 || version[1] === bound[1]);
  // `=`, a bare version or a wildcard like 20.x: the given parts must match.
  const fixed = wild >= 0 ? wild : parts;
  return version.slice(0, fixed).every((part, i) => part === bound[i]);
}

export function satisfies(version: string, range: string): boolean {
  if (range.trim() === '' || range.trim() === '*') return true;
  const wanted = parse(version);
  return range.split('||').some((alternative) => {
    const comparators = alternative.trim().replace(/(>=|<=|>|<|=)\s+/g, '$1').split(/\s+/).filter(Boolean);
    // `a - b` ranges: both ends inclusive.
    const dash = comparators.indexOf('-');
    if (dash > 0) return compare(wanted, parse(comparators[dash - 1] ?? '0')) >= 0 && compare(wanted, parse(comparators[dash + 1] ?? '0')) <= 0;
    return comparators.every((comparator) => satisfiesComparator(wanted, comparator));
  });
}

interface Lock {
  packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean }>;
}

describe('engines: the Node README names runs every dependency', () => {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  const minimum = /^>=\s*([\d.]+)$/.exec(manifest.engines.node)?.[1];

  it('package.json names a minimum Node, and README names the same', () => {
    assert.ok(minimum, `engines.node is a plain minimum: ${manifest.engines.node}`);
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    assert.match(readme, new RegExp(`Node ${minimum.replace('.', '\\.')} or newer`));
  });

  it('the range reader agrees with npm on the forms the lock uses', () => {
    assert.equal(satisfies('20.19.0', '>=22.0.0'), false);
    assert.equal(satisfies('20.19.0', '>= 20'), true);
    assert.equal(satisfies('20.19.0', '^20.19.0 || ^22.12.0 || >=23'), true);
    assert.equal(satisfies('20.19.0', '^18.18.0 || ^20.9.0 || >=21.1.0'), true);
    assert.equal(satisfies('20.19.0', '^22.13.0 || >=24'), false);
    assert.equal(satisfies('20.19.0', '20.x'), true);
    assert.equal(satisfies('20.19.0', '>=14.17 <21'), true);
  });

  it('every package in package-lock.json accepts that Node (npm ci prints no EBADENGINE)', () => {
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as Lock;
    const declared = Object.entries(lock.packages).filter(([name, entry]) => name !== '' && entry.engines && !Array.isArray(entry.engines) && entry.engines.node);
    assert.ok(declared.length > 20, `the lock declares engines for ${declared.length} packages`);
    const refusing = declared
      .filter(([, entry]) => !satisfies(minimum ?? '0', (entry.engines as { node: string }).node))
      .map(([name, entry]) => `${name.replace(/^.*node_modules\//, '')} wants node ${(entry.engines as { node: string }).node}`);
    assert.deepEqual(refusing, []);
  });
});
