// The file store's stack locks (StackLocks in storeEngine.ts): a folder per stack holding numbered
// generations, `<store>/locks/stacks/<stack>/000000000007`. The highest generation says who holds the
// lock; taking it is creating the next number with link(2), which fails if it exists, so of two
// processes that find the lock free (or its holder dead) exactly one gets it. The number is the fence.
//
// A holder is alive while its process runs: one killed loses the lock at once, one stopped (SIGSTOP,
// a frozen VM) keeps it. There is no timeout on a live holder: a lock that expired while its holder
// slept is how two processes end up applying one stack.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { THIS_PROCESS, ownerAlive } from '../processIdentity';
import { ensurePrivateFolder, PRIVATE_FILE_MODE } from '../atomicFile';
import type { StackLease, StackLocks } from '../storeEngine';

const GENERATION = /^\d{12}$/;
/** How often a holder looks that the lock is still its own (another process judged it dead). */
const CHECK_MS = 1_000;

const Generation = z.object({ owner: z.string().nullable(), held: z.boolean() });
type Generation = z.infer<typeof Generation>;

export class FileStackLocks implements StackLocks {
  private readonly leases = new Set<FileLease>();

  constructor(
    /** `<store>/locks/stacks` */
    readonly folder: string,
    private readonly owner = THIS_PROCESS,
    private readonly alive: (owner: string) => boolean = ownerAlive,
  ) {}

  async tryAcquire(stackId: string): Promise<StackLease | null> {
    const dir = path.join(this.folder, encodeURIComponent(stackId));
    await ensurePrivateFolder(dir);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const latest = await latestGeneration(dir);
      if (latest === undefined) continue; // its file went between the listing and the read: look again
      const { number, generation } = latest;
      if (generation?.held && generation.owner !== null && generation.owner !== this.owner && this.alive(generation.owner)) return null;
      const fence = number + 1;
      if (!(await createGeneration(dir, fence, { owner: this.owner, held: true }))) continue; // another process took it first
      await removeGenerationsBefore(dir, number);
      const lease = new FileLease(stackId, dir, fence, this.owner, () => this.leases.delete(lease));
      this.leases.add(lease);
      return lease;
    }
    return null;
  }

  async close(): Promise<void> {
    await Promise.all([...this.leases].map((lease) => lease.release()));
  }
}

class FileLease implements StackLease {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private released = false;

  constructor(
    readonly stackId: string,
    private readonly dir: string,
    readonly fence: number,
    private readonly owner: string,
    private readonly forget: () => void,
  ) {
    this.timer = setInterval(() => void this.check(), CHECK_MS);
    this.timer.unref();
  }

  get lost(): AbortSignal {
    return this.controller.signal;
  }

  private async check(): Promise<void> {
    if (this.released) return;
    const latest = await latestGeneration(this.dir).catch(() => undefined);
    if (latest !== undefined && latest.number !== this.fence) this.lose();
  }

  private lose(): void {
    clearInterval(this.timer);
    this.controller.abort(new Error(`The lock of stack ${this.stackId} was taken by another process.`));
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    this.forget();
    // Only if it is still ours: the next generation may exist already if another process judged this one dead.
    await createGeneration(this.dir, this.fence + 1, { owner: this.owner, held: false }).catch(() => false);
  }
}

const generationFile = (dir: string, number: number) => path.join(dir, String(number).padStart(12, '0'));

/**
 * The highest generation and what it says (null: none yet, number 0); undefined when its file
 * vanished while being read (a holder cleaning up behind itself), so the caller looks again.
 */
async function latestGeneration(dir: string): Promise<{ number: number; generation: Generation | null } | undefined> {
  const names = (await fs.readdir(dir)).filter((name) => GENERATION.test(name));
  if (names.length === 0) return { number: 0, generation: null };
  const number = Math.max(...names.map(Number));
  try {
    const parsed = Generation.safeParse(JSON.parse(await fs.readFile(generationFile(dir, number), 'utf8')));
    // A file that does not parse was not written by Stackhook: it holds nothing.
    return { number, generation: parsed.success ? parsed.data : null };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { number, generation: null };
  }
}

/** Creates generation `number` with its content in one step (link fails if it exists). Answers whether this call created it. */
async function createGeneration(dir: string, number: number, generation: Generation): Promise<boolean> {
  const temp = path.join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  await fs.writeFile(temp, JSON.stringify(generation), { mode: PRIVATE_FILE_MODE });
  try {
    await fs.link(temp, generationFile(dir, number));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await fs.rm(temp, { force: true });
  }
}

/** Old generations say nothing any more; the one before the newest stays, for a reader between listing and reading. */
async function removeGenerationsBefore(dir: string, number: number): Promise<void> {
  const names = (await fs.readdir(dir).catch(() => [])).filter((name) => GENERATION.test(name) && Number(name) < number);
  await Promise.all(names.map((name) => fs.rm(path.join(dir, name), { force: true })));
}
