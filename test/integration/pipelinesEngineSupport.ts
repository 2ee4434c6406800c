// What the Pipelines engine tests share: the YAML Stackhook suggests (the one they run), a folder with
// the stand-in `tofu` for the fake's steps' PATH, a free port for the server (its public URL must be
// known before it starts, since pipelines call it back there), and the callbacks' paths.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { suggestedPipelinesYaml } from '../../server/runs/runners/pipelinesYaml';
import { buildCase, STANDIN_SOURCE } from '../support/standinTofu';

/** A plan that replaces one resource: 1 to add, 1 to destroy. */
export const PLAN_CASE = 'opentofu-show-json/requires-replace';

export const SUGGESTED_YAML = suggestedPipelinesYaml('stackhook', 'stackhook-apply');

/** A folder holding `tofu` (the stand-in) and the recordings of `caseIds`, for PATH. */
export function toolsFolder(caseIds: readonly string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'stackhook-tools-'));
  writeFileSync(path.join(dir, 'tofu'), STANDIN_SOURCE);
  chmodSync(path.join(dir, 'tofu'), 0o755);
  mkdirSync(path.join(dir, 'standin-data'));
  for (const id of caseIds) writeFileSync(path.join(dir, 'standin-data', `${id.replace(/\//g, '--')}.json`), `${JSON.stringify(buildCase(id))}\n`);
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export const callbackPath = (runId: string, what: 'plan' | 'planfile') => `/runs/${encodeURIComponent(runId)}/${what}`;
