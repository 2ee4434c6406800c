// Sets the package.json scripts that belong to packaging and the editor host, leaving every other
// field as it is (other scripts and fields are edited by hand). Run: node scripts/set-package-scripts.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package.json', import.meta.url);
const manifest = JSON.parse(readFileSync(file, 'utf8'));
Object.assign(manifest.scripts, {
  package: 'tsx scripts/package.ts',
  start: 'tsx scripts/start.ts',
  'setup:editor': 'tsx scripts/editor-host.ts install',
  'test:editor': 'tsx test/editor/run.ts',
});
writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
