// What the extension loads while it activates, and what it leaves for later: the bundles built as
// esbuild.mjs builds them. The protocol's schemas and zod are dist/protocol.js, required on the first
// request, so activation neither parses nor builds them; and that file builds its request types with
// the extension bundle's vscode-jsonrpc, whose classes the language client compares by identity, and
// leaves out zod's JSON Schema output, which the editor never uses. The host's vscode API object is
// wrapped once for all of the extension's modules, not once per module.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import * as jsonrpc from 'vscode-jsonrpc';
import { JSONRPC_OF_THE_EXTENSION } from '../../../extension/connection/protocol';

const ROOT = path.resolve(__dirname, '../../..');

type Bundles = Record<'extension' | 'protocol' | 'onDemand', esbuild.BuildOptions>;

/** The bundle's text, the modules esbuild read for it (with their imports), and those whose code it holds. */
async function build(name: keyof Bundles): Promise<{ text: string; inputs: Record<string, { imports: { path: string }[] }>; held: string[] }> {
  const { bundles } = (await import(pathToFileURL(path.join(ROOT, 'esbuild.mjs')).href)) as { bundles: (options: { production: boolean }) => Bundles };
  const result = await esbuild.build({ ...bundles({ production: true })[name], absWorkingDir: ROOT, write: false, metafile: true });
  const [output] = result.outputFiles ?? [];
  assert.ok(output, `esbuild wrote the ${name} bundle`);
  const written = Object.values(result.metafile?.outputs ?? {}).flatMap((out) => Object.entries(out.inputs));
  return { text: output.text, inputs: result.metafile?.inputs ?? {}, held: written.filter(([, input]) => input.bytesInOutput > 0).map(([file]) => file) };
}

describe('extension bundles: what activation loads', function () {
  this.timeout(60_000);

  it('dist/extension.js holds neither zod nor the protocol\'s schemas, and requires dist/protocol.js for them', async () => {
    const { text, inputs } = await build('extension');
    const files = Object.keys(inputs);
    assert.ok(files.some((file) => file.startsWith('extension/commands/')), 'the bundle was read: it holds the commands');
    const heavy = files.filter((file) => file.startsWith('node_modules/zod/') || /^server\/protocol\/(index|methods|entities|errors)\.ts$/.test(file));
    const importers = files.filter((file) => !heavy.includes(file) && inputs[file]?.imports.some((imported) => heavy.includes(imported.path)));
    assert.deepEqual(heavy, [], `activation would load the protocol's schemas; imported by ${importers.join(', ')}: use protocol() from extension/connection/protocol.ts, and import types with \`import type\``);
    assert.match(text, /require\("\.\/protocol\.js"\)/);
  });

  it('what activation does not need is dist/onDemand.js, required on first use, and carries no copy of the connection\'s state', async () => {
    const { text, inputs } = await build('extension');
    const onDemandOnly = [
      'extension/views/planTree.ts',
      'extension/views/planWords.ts',
      'extension/surfaces/planDiff.ts',
      'extension/surfaces/planProblems.ts',
      'extension/state/repositoryFolders.ts',
      'extension/commands/runnerSteps.ts',
      'extension/commands/variables.ts',
    ];
    assert.ok(Object.keys(inputs).includes('extension/onDemandLoader.ts'), 'the loader is in activation\'s bundle');
    assert.deepEqual(Object.keys(inputs).filter((file) => onDemandOnly.includes(file)), [], 'activation would parse these: reach them through onDemand() (extension/onDemandLoader.ts), types with `import type`');
    assert.match(text, /require\("\.\/onDemand\.js"\)/);
    const onDemand = await build('onDemand');
    assert.deepEqual(onDemandOnly.filter((file) => !onDemand.held.includes(file)), [], 'dist/onDemand.js holds them');
    // A second copy of a module with state would split it: the protocol's cache, the masking of secrets, the log's channel.
    const copies = onDemand.held.filter(
      (file) => /^node_modules\/(zod|vscode-jsonrpc|vscode-languageclient)\//.test(file) || file.startsWith('extension/connection/') || file.startsWith('server/') || file === 'extension/surfaces/log.ts',
    );
    assert.deepEqual(copies, [], 'it is handed what it needs of the connection, never a copy of it');
  });

  it('dist/extension.js wraps the vscode module once for all of its own modules, not once per module', async () => {
    const { inputs } = await build('extension');
    const own = Object.entries(inputs).filter(([file]) => file.startsWith('extension/'));
    const direct = own.filter(([, input]) => input.imports.some((imported) => imported.path === 'vscode')).map(([file]) => file);
    const shared = own.filter(([, input]) => input.imports.some((imported) => imported.path === 'vscode-wrapped-once:vscode'));
    assert.ok(shared.length > 20, `${shared.length} modules use vscode through the one wrapper`);
    assert.deepEqual(direct, [], 'each of these would copy the host\'s whole API object while the bundle loads');
  });

  it('dist/protocol.js builds request types with the vscode-jsonrpc the extension hands it, and refuses to load without it', async () => {
    const { text, held } = await build('protocol');
    assert.ok(held.some((file) => file.startsWith('node_modules/zod/')), 'the schemas come with zod');
    assert.deepEqual(held.filter((file) => file.startsWith('node_modules/vscode-jsonrpc/')), [], 'no copy of vscode-jsonrpc of its own');
    assert.deepEqual(
      held.filter((file) => file.startsWith('node_modules/zod/v4/locales/')),
      ['node_modules/zod/v4/locales/en.js'],
      'only the zod the protocol uses: reading z.core or z.locales brings in all of zod (400 KB)',
    );
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stackhook-protocol-bundle-'));
    const file = path.join(dir, 'protocol.js');
    writeFileSync(file, text);
    const globals = globalThis as Record<symbol, unknown>;
    const before = globals[JSONRPC_OF_THE_EXTENSION];
    try {
      delete globals[JSONRPC_OF_THE_EXTENSION];
      assert.throws(() => createRequire(file)(file), /hands it vscode-jsonrpc/);
      globals[JSONRPC_OF_THE_EXTENSION] = jsonrpc;
      const loaded = createRequire(file)(file) as { Status: { type: unknown; result: { parse(value: unknown): unknown; toJSONSchema(): unknown } } };
      assert.ok(loaded.Status.type instanceof jsonrpc.RequestType, 'the request type is the extension\'s class');
      assert.throws(() => loaded.Status.result.parse({}), /expected string/, 'the schemas parse');
      assert.throws(() => loaded.Status.result.toJSONSchema(), /JSON Schema output is left out/, 'what the editor never needs is left out, and says so');
    } finally {
      globals[JSONRPC_OF_THE_EXTENSION] = before;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
