// Bundles the companion server and the extension into dist/. `--watch` rebuilds on change.
import { writeFileSync } from 'node:fs';
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

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

// Optional native speed-ups that ws and pg load only if installed; Stackhook ships without them.
const OPTIONAL_NATIVE = ['bufferutil', 'utf-8-validate', 'pg-native'];

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

const builds = [
  { ...common, entryPoints: ['server/main.ts'], outfile: 'dist/server.js', plugins: [withoutMimeTable], external: OPTIONAL_NATIVE },
  {
    ...common,
    entryPoints: ['extension/extension.ts'],
    outfile: 'dist/extension.js',
    external: ['vscode', ...OPTIONAL_NATIVE],
    plugins: [teamTransportApart],
    // The first statement of the bundle: the extension measures its own activation from here.
    banner: { js: 'globalThis.__stackhookLoadStart = performance.now();' },
    // Which input takes how many bytes of the bundle: bench/editorStartup.ts tells Stackhook's own
    // code from the client library with it. Not packaged (.vscodeignore keeps only dist/*.js).
    metafile: production,
  },
  { ...common, entryPoints: ['extension/connection/teamServer/transport.ts'], outfile: `dist/${TEAM_TRANSPORT}`, external: ['vscode', ...OPTIONAL_NATIVE] },
];

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  const results = await Promise.all(builds.map((options) => esbuild.build(options)));
  for (const result of results) if (result.metafile) writeFileSync('dist/extension.meta.json', JSON.stringify(result.metafile));
}
