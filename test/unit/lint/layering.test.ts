// The server's layers (docs/design.md §3) as the build keeps them: every import of server/ and
// extension/, type-only ones included, read with the TypeScript parser (test/support/importGraph.ts)
// and checked against the layer table the design states, which this test reads from docs/design.md
// itself, so the table and the check cannot drift apart. A layer imports only the layers below it;
// the extension imports only server/protocol/; no module imports itself in a circle.
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { importCircles, importGraph, type ImportEdge } from '../../support/importGraph';

const ROOT = path.resolve(__dirname, '../../..');
const FOLDERS = ['server', 'extension'];

/**
 * The imports allowed to run back up a layer, each with its reason. At most MAX_UPWARD: a new one is
 * a decision to write down here and in docs/design.md §3, not something that happens by accident.
 */
const ALLOWED_UPWARD: readonly { from: string; to: string; why: string }[] = [
  {
    from: 'server/bitbucket/hookConfiguration.ts',
    to: 'server/webhooks/subscribedEvents.ts',
    why: 'the events a hook subscribes to (R14) are named beside the parser of their bodies; hook plans read the list',
  },
];
const MAX_UPWARD = 8;

interface Layer {
  name: string;
  /** Folders (no trailing slash) and files, relative to the repository. */
  paths: string[];
}

/** The layer table of docs/design.md §3 (the section's first table), top first. */
function designLayers(design: string): Layer[] {
  const lines = (/^## 3\. [^\n]*\n([\s\S]*?)(?=^## )/m.exec(design)?.[1] ?? '').split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  if (start < 0) return [];
  const end = lines.findIndex((line, index) => index > start && !line.startsWith('|'));
  // The header and the rule under it are not layers.
  return lines.slice(start + 2, end < 0 ? undefined : end).map((row) => {
    const [, name = '', paths = ''] = row.split('|').map((cell) => cell.trim());
    return { name, paths: [...paths.matchAll(/`([^`]+)`/g)].map((match) => (match[1] as string).replace(/\/$/, '')) };
  });
}

const design = readFileSync(path.join(ROOT, 'docs', 'design.md'), 'utf8');
const layers = designLayers(design);

/** The index of a file's layer in the table (0 is the top), -1 for the extension (above them all), null for none. */
function layerOf(file: string, table: readonly Layer[]): number | null {
  if (file.startsWith('extension/')) return -1;
  let found: number | null = null;
  let longest = 0;
  table.forEach((layer, index) => {
    for (const where of layer.paths) {
      if ((file === where || file.startsWith(`${where}/`)) && where.length > longest) {
        found = index;
        longest = where.length;
      }
    }
  });
  return found;
}

const isProtocol = (file: string) => file.startsWith('server/protocol/');

/** Imports that run back up the table, and the extension's imports of anything of the server but the protocol. */
function upwardImports(edges: readonly ImportEdge[], table: readonly Layer[]): ImportEdge[] {
  return edges.filter((edge) => {
    const from = layerOf(edge.from, table);
    const to = layerOf(edge.to, table);
    if (from === null || to === null) return false;
    if (from === -1) return to !== -1 && !isProtocol(edge.to);
    return to < from;
  });
}

const describeEdge = (edge: ImportEdge) => `${edge.from}:${edge.line} imports ${edge.to}${edge.typeOnly ? ' (types only)' : ''}`;

describe('lint: the layers of docs/design.md §3, type-only imports included', function () {
  this.timeout(60_000);
  const { files, edges } = importGraph(ROOT, FOLDERS);

  it('the design states a layer table, top to bottom, that names only paths that exist', () => {
    assert.ok(layers.length >= 10, `docs/design.md §3 has a layer table (found ${layers.length} rows)`);
    for (const layer of layers) {
      assert.ok(layer.paths.length > 0, `the layer "${layer.name}" names its folders or files`);
      for (const where of layer.paths) {
        const exists = files.some((file) => file === where || file.startsWith(`${where}/`));
        assert.ok(exists, `the layer "${layer.name}" names ${where}, which holds no TypeScript file`);
      }
    }
  });

  it('every file of server/ belongs to a layer of the table', () => {
    const placed = files.filter((file) => file.startsWith('server/'));
    assert.ok(placed.length > 100, `${placed.length} server files were read`);
    const unplaced = placed.filter((file) => layerOf(file, layers) === null);
    assert.deepEqual(unplaced, [], 'add their folder to the layer table in docs/design.md §3, where it belongs');
  });

  it(`no import runs back up the layers but the ${ALLOWED_UPWARD.length} written down (at most ${MAX_UPWARD}), and the extension imports only the protocol`, () => {
    assert.ok(edges.length > 500, `${edges.length} imports were read`);
    assert.ok(edges.some((edge) => edge.typeOnly), 'type-only imports are read too');
    assert.ok(ALLOWED_UPWARD.length <= MAX_UPWARD);
    const upward = upwardImports(edges, layers);
    const allowed = (edge: ImportEdge) => ALLOWED_UPWARD.some((entry) => entry.from === edge.from && entry.to === edge.to);
    assert.deepEqual(upward.filter((edge) => !allowed(edge)).map(describeEdge), []);
    for (const entry of ALLOWED_UPWARD) assert.ok(upward.some((edge) => edge.from === entry.from && edge.to === entry.to), `${entry.from} → ${entry.to} is allowed but no longer imported: strike it`);
  });

  it('docs/design.md §3 states how many imports run back up, as counted here', () => {
    const upward = upwardImports(edges, layers).length;
    const stated = /imports that run back up the layers: [^\n]*?\*\*(\d+)\*\* now/.exec(design.replace(/\n/g, ' '));
    assert.ok(stated, 'docs/design.md §3 says "imports that run back up the layers: … **N** now"');
    assert.equal(Number(stated[1]), upward);
  });

  it('an engine is chosen only at start-up: nothing else imports store/files/ or store/postgres/', () => {
    const startUp = layers[0]?.paths ?? [];
    assert.ok(startUp.includes('server/startup.ts'), 'the top layer of the table is start-up');
    const engines = /^server\/store\/(files|postgres)\/|^server\/store\/openDatabase\.ts$/;
    const reaching = edges.filter((edge) => engines.test(edge.to) && !edge.from.startsWith('server/store/') && !startUp.includes(edge.from));
    assert.ok(edges.some((edge) => engines.test(edge.to) && startUp.includes(edge.from)), 'start-up opens the engines');
    assert.deepEqual(reaching.map(describeEdge), [], 'take the piece from the StoreEngine start-up hands over');
  });

  it('no module imports itself in a circle, types included', () => {
    assert.deepEqual(importCircles(files, edges), []);
  });

  it('the scan bites: a registry module that imports the runs, and a circle of two files, are both found', () => {
    const probe = path.join(ROOT, 'server', 'registry', 'layeringProbe');
    mkdirSync(probe, { recursive: true });
    try {
      writeFileSync(path.join(probe, 'a.ts'), "import type { RunBook } from '../../runs/runBook';\nimport { b } from './b';\nexport type A = RunBook;\nexport const a = b;\n");
      writeFileSync(path.join(probe, 'b.ts'), "import type { A } from './a';\nexport const b = 1;\nexport type B = A;\n");
      const probed = importGraph(ROOT, FOLDERS);
      const found = upwardImports(probed.edges, layers).map(describeEdge);
      assert.ok(found.includes('server/registry/layeringProbe/a.ts:1 imports server/runs/runBook.ts (types only)'), found.join('\n'));
      assert.deepEqual(importCircles(probed.files, probed.edges), [['server/registry/layeringProbe/a.ts', 'server/registry/layeringProbe/b.ts']]);
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  });
});
