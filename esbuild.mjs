// Bundles the companion server and the extension into dist/. `--watch` rebuilds on change.
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

// axios bundles form-data for multipart uploads, and form-data bundles mime-db (~135 KB of media
// types) only to guess the type of uploaded files. Stackhook sends JSON and never uploads files, so
// the table is left out: were a file ever uploaded, form-data would label it application/octet-stream.
const withoutMimeTable = {
  name: 'without-mime-table',
  setup(build) {
    build.onResolve({ filter: /^mime-db$/ }, () => ({ path: 'mime-db', namespace: 'without-mime-table' }));
    build.onLoad({ filter: /.*/, namespace: 'without-mime-table' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

// The team server's WebSocket transport (with ws) is a file of its own, loaded by
// extension/connection/teamServer/connect.ts on the first connection: an editor that runs Stackhook
// locally never loads it, and activation parses less.
const TEAM_TRANSPORT = 'teamTransport.js';
const teamTransportApart = {
  name: 'team-transport-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/transport$/ }, (args) =>
      /[\\/]extension[\\/]connection[\\/]teamServer[\\/]connect\.ts$/.test(args.importer) ? { path: `./${TEAM_TRANSPORT}`, external: true } : undefined,
    );
  },
};

// What activation does not need (a plan's rows, words, diff and diagnostics, the runner's steps, the
// variable commands) is a file of its own as well, loaded by extension/onDemandLoader.ts on first use:
// activation parses less.
const ON_DEMAND = 'onDemand.js';
const onDemandApart = {
  name: 'on-demand-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/onDemand$/ }, (args) =>
      /[\\/]extension[\\/]onDemandLoader\.ts$/.test(args.importer) ? { path: `./${ON_DEMAND}`, external: true } : undefined,
    );
  },
};

// Every module of the extension imports `vscode`, and esbuild wraps the CommonJS module it is for
// each of them: ~40 copies of the host's API object (several hundred properties, one getter each)
// while the bundle loads. Our modules share one wrapper instead; libraries, CommonJS themselves,
// require it as it is.
const vscodeWrappedOnce = {
  name: 'vscode-wrapped-once',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) => {
      if (args.namespace === 'vscode-wrapped-once') return { path: 'vscode', external: true };
      return /[\\/]node_modules[\\/]/.test(args.importer) ? undefined : { path: 'vscode', namespace: 'vscode-wrapped-once' };
    });
    build.onLoad({ filter: /.*/, namespace: 'vscode-wrapped-once' }, () => ({ contents: "export * from 'vscode';", loader: 'js' }));
  },
};

// The protocol's schemas (zod, and every request's params and result) are a file of their own too,
// required by extension/connection/protocol.ts on the first request: activation neither parses nor
// builds them, and the editor's start-up waits for activation.
const PROTOCOL = 'protocol.js';
const protocolApart = {
  name: 'protocol-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/\.\.\/server\/protocol$/ }, (args) =>
      /[\\/]extension[\\/]connection[\\/]protocol\.ts$/.test(args.importer) ? { path: `./${PROTOCOL}`, external: true } : undefined,
    );
  },
};

// dist/protocol.js builds its request types with the extension bundle's vscode-jsonrpc, whose classes
// the language client compares by identity: extension/connection/protocol.ts hands it over (under the
// same symbol) before it requires the file, which keeps no copy of its own.
const jsonrpcOfTheExtension = {
  name: 'jsonrpc-of-the-extension',
  setup(build) {
    build.onResolve({ filter: /^vscode-jsonrpc$/ }, () => ({ path: 'vscode-jsonrpc', namespace: 'jsonrpc-of-the-extension' }));
    build.onLoad({ filter: /.*/, namespace: 'jsonrpc-of-the-extension' }, () => ({
      contents:
        "const jsonrpc = globalThis[Symbol.for('stackhook.extension.vscode-jsonrpc')];\n" +
        "if (!jsonrpc) throw new Error('dist/protocol.js is loaded by the extension (extension/connection/protocol.ts), which hands it vscode-jsonrpc.');\n" +
        'module.exports = jsonrpc;\n',
      loader: 'js',
    }));
  },
};

// zod can turn any schema into JSON Schema (~16 KB of its code); the editor only parses. The protocol
// bundle leaves that part out: each of those two modules becomes one that exports the same names, and
// a schema's toJSONSchema() (or its Standard Schema jsonSchema) there throws this error instead. The
// server keeps all of zod.
const withoutJsonSchemaOutput = {
  name: 'without-json-schema-output',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]core[\\/](to-json-schema|json-schema-processors)\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const names = new Set([...source.matchAll(/^export (?:function|const) (\w+)|^export \{ \w+ as (\w+) \}/gm)].map((match) => match[1] ?? match[2]));
      const stub = (name) => (/^create\w*Method$/.test(name) ? '() => leftOut' : 'leftOut');
      return {
        contents:
          "const leftOut = () => { throw new Error(\"zod's JSON Schema output is left out of dist/protocol.js (esbuild.mjs): the editor only parses.\"); };\n" +
          [...names].map((name) => `export const ${name} = ${stub(name)};`).join('\n'),
        loader: 'js',
      };
    });
  },
};

// Optional native speed-ups that ws and pg load only if installed; Stackhook ships without them.
const OPTIONAL_NATIVE = ['bufferutil', 'utf-8-validate', 'pg-native'];

/** The bundles as esbuild options, by name; test/unit/extension/bundles.test.ts builds them too. */
export function bundles({ production = false } = {}) {
  const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: production ? false : 'linked',
    minify: production,
    legalComments: 'none',
    logLevel: 'warning',
  };
  return {
    server: { ...common, entryPoints: ['server/main.ts'], outfile: 'dist/server.js', plugins: [withoutMimeTable], external: OPTIONAL_NATIVE },
    extension: {
      ...common,
      entryPoints: ['extension/extension.ts'],
      outfile: 'dist/extension.js',
      external: ['vscode', ...OPTIONAL_NATIVE],
      plugins: [vscodeWrappedOnce, teamTransportApart, protocolApart, onDemandApart],
      // The first statement of the bundle: the extension measures its own activation from here.
      banner: { js: 'globalThis.__stackhookLoadStart = performance.now();' },
      // Which input takes how many bytes of the bundle: bench/editorStartup.ts tells Stackhook's own
      // code from the client library with it. Not packaged (.vscodeignore keeps only dist/*.js).
      metafile: production,
    },
    protocol: {
      ...common,
      entryPoints: ['server/protocol/index.ts'],
      outfile: `dist/${PROTOCOL}`,
      external: ['vscode'],
      plugins: [jsonrpcOfTheExtension, withoutJsonSchemaOutput],
      metafile: production,
    },
    onDemand: {
      ...common,
      entryPoints: ['extension/onDemand.ts'],
      outfile: `dist/${ON_DEMAND}`,
      external: ['vscode', ...OPTIONAL_NATIVE],
      // Its modules are handed what they need of the connection (test/unit/extension/bundles.test.ts holds that they import none of it).
      plugins: [vscodeWrappedOnce],
    },
    teamTransport: {
      ...common,
      entryPoints: ['extension/connection/teamServer/transport.ts'],
      outfile: `dist/${TEAM_TRANSPORT}`,
      external: ['vscode', ...OPTIONAL_NATIVE],
    },
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const builds = Object.values(bundles({ production: process.argv.includes('--production') }));
  if (process.argv.includes('--watch')) {
    for (const options of builds) await (await esbuild.context(options)).watch();
  } else {
    const results = await Promise.all(builds.map((options) => esbuild.build(options)));
    // dist/extension.meta.json and dist/protocol.meta.json: read by bench/support/activation.ts.
    for (const result of results) {
      for (const output of Object.keys(result.metafile?.outputs ?? {}).filter((file) => file.endsWith('.js'))) {
        writeFileSync(output.replace(/\.js$/, '.meta.json'), JSON.stringify(result.metafile));
      }
    }
  }
}
