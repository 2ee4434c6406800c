// The file engine's structured plans: one JSON file per run in `<store>/run-plans/` (0600, written
// atomically), the newest RUN_PLANS_KEPT kept. A plan holds counts and rows, never a value.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StructuredPlan } from '../../protocol/plan';
import { ensurePrivateFolder, writeFileAtomic } from '../atomicFile';
import { RUN_PLANS_KEPT, type RunPlans } from '../storeEngine';

/** Pruned once every this many plans written. */
const PRUNE_EVERY = 50;

export class FileRunPlans implements RunPlans {
  private written = 0;

  constructor(
    readonly folder: string,
    private readonly kept = RUN_PLANS_KEPT,
  ) {}

  private fileOf(runId: string): string {
    return path.join(this.folder, `${encodeURIComponent(runId)}.json`);
  }

  async put(runId: string, plan: StructuredPlan): Promise<void> {
    await ensurePrivateFolder(this.folder);
    await writeFileAtomic(this.fileOf(runId), JSON.stringify(plan));
    if (++this.written % PRUNE_EVERY === 0) await this.prune();
  }

  async get(runId: string): Promise<StructuredPlan | null> {
    let text: string;
    try {
      text = await fs.readFile(this.fileOf(runId), 'utf8');
    } catch {
      return null;
    }
    try {
      return StructuredPlan.parse(JSON.parse(text));
    } catch {
      return null;
    }
  }

  /** Removes all but the newest `kept` plans. */
  async prune(): Promise<void> {
    const names = (await fs.readdir(this.folder).catch(() => [] as string[])).filter((name) => name.endsWith('.json'));
    if (names.length <= this.kept) return;
    const dated = await Promise.all(names.map(async (name) => ({ name, at: (await fs.stat(path.join(this.folder, name)).catch(() => null))?.mtimeMs ?? 0 })));
    dated.sort((a, b) => b.at - a.at);
    await Promise.all(dated.slice(this.kept).map(({ name }) => fs.rm(path.join(this.folder, name), { force: true })));
  }
}
