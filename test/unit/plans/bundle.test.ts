// The plan readers bundle as the server does (esbuild, CommonJS for Node 20): stream-json and
// stream-chain are ECMAScript modules only, so this proves that wiring server/plans/ into
// dist/server.js later needs nothing more than an import.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { readStructuredPlan } from '../../../server/plans/structuredPlan';
import { planFixture } from '../../support/terraformFixtures';

describe('plans: bundled as the server is bundled', () => {
  it('reads a plan the same from an esbuild CommonJS bundle as from the sources', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stackhook-plans-bundle-'));
    try {
      const entry = path.join(dir, 'entry.ts');
      writeFileSync(
        entry,
        `import { readStructuredPlan } from ${JSON.stringify(path.resolve(__dirname, '../../../server/plans/structuredPlan'))};
         readStructuredPlan(process.argv[2] ?? '').then((plan) => process.stdout.write(JSON.stringify(plan)));`,
      );
      const outfile = path.join(dir, 'bundle.js');
      await esbuild.build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent' });
      const fixture = planFixture('opentofu-show-json/requires-replace').file;
      const bundled = JSON.parse(execFileSync(process.execPath, [outfile, fixture], { encoding: 'utf8' })) as unknown;
      assert.deepEqual(bundled, await readStructuredPlan(fixture));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
