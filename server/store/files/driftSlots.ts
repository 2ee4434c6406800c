// The drift slots of a file store (R27): `<store>/drift-slots.json`, each stack's last claimed slot,
// replaced atomically under its lock by every process on the machine. A claim reads the file under
// the lock, keeps only the slots later than the stack's last, and writes them before the lock is let
// go: compare-and-set, so of two processes that claim one slot, the second finds it taken.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { writeFileAtomic } from '../atomicFile';
import { withFileLock } from '../fileLock';
import type { DriftSlots, SlotClaim } from '../storeEngine';

export const DRIFT_SLOTS_FILE = 'drift-slots.json';

const SlotRecord = z.object({ slot: z.string(), by: z.string(), at: z.string() });
const SlotsFile = z.record(z.string(), SlotRecord);
type SlotsFile = z.infer<typeof SlotsFile>;

export class FileDriftSlots implements DriftSlots {
  private readonly file: string;

  constructor(folder: string) {
    this.file = path.join(folder, DRIFT_SLOTS_FILE);
  }

  async lastSlots(): Promise<Map<string, Date>> {
    const records = await this.read();
    return new Map(Object.entries(records).map(([stackId, record]) => [stackId, new Date(record.slot)]));
  }

  async claim(claims: readonly SlotClaim[], by: string): Promise<Set<string>> {
    const won = new Set<string>();
    if (claims.length === 0) return won;
    await withFileLock(this.file, async () => {
      const records = await this.read();
      const at = new Date().toISOString();
      for (const { stackId, slot } of claims) {
        const last = records[stackId];
        if (last && Date.parse(last.slot) >= slot.getTime()) continue;
        records[stackId] = { slot: slot.toISOString(), by, at };
        won.add(stackId);
      }
      if (won.size > 0) await writeFileAtomic(this.file, `${JSON.stringify(records)}\n`);
    });
    return won;
  }

  private async read(): Promise<SlotsFile> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    const parsed = SlotsFile.safeParse(JSON.parse(text));
    // A file that cannot be read is not guessed at: claiming nothing is safe, claiming twice is not.
    if (!parsed.success) throw new Error(`${this.file} cannot be read (${parsed.error.issues[0]?.message ?? 'not a slots file'}): move it aside and restart; every schedule then starts from now.`);
    return parsed.data;
  }
}
