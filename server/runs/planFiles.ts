// The files a tool run's plan leaves on the planning host, which can hold secrets (a plan file and
// `show -json` carry every value in plain text, sensitive ones included): the plan file in the run's
// folder, and the plan document under `<store>/plan-documents/`, which `stackhook/runs/resourceChange`
// reads (masked) once the run has ended. Both are 0600 and, on a team server with a secret key,
// sealed (AES-256-GCM, the run's id as associated data) so that a copy of the store or a backup does
// not give them away. A plan file never leaves the host and is deleted when its run ends; what is
// left behind (a crash) is swept once it is older than PLAN_KEPT_MS.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ensurePrivateFolder, PRIVATE_FILE_MODE } from '../store/atomicFile';

/** A plan file and a plan document are kept at most this long after the plan (24 h). */
export const PLAN_KEPT_MS = 24 * 60 * 60_000;

const MAGIC = Buffer.from('stackhook-sealed-1\n', 'utf8');
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Where the plan documents of runs planned on this host are. */
export const planDocumentsOf = (store: string): string => path.join(store, 'plan-documents');
export const planDocumentOf = (store: string, runId: string): string => path.join(planDocumentsOf(store), `${encodeURIComponent(runId)}.json`);

/**
 * Seals `file` in place with `key` (or only makes it 0600 when there is none): written to a
 * temporary file beside it and renamed over it, so no plain copy is left. `label` binds the sealed
 * bytes to their run: a sealed file moved to another run's place does not open.
 */
export async function protectFile(file: string, key: Buffer | null, label: string): Promise<void> {
  await fs.chmod(file, PRIVATE_FILE_MODE);
  if (key === null) return;
  const sealed = `${file}.sealing`;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(label, 'utf8'));
  const out = createWriteStream(sealed, { mode: PRIVATE_FILE_MODE });
  out.write(Buffer.concat([MAGIC, iv]));
  await pipeline(createReadStream(file), cipher, out, { end: false }).catch(async (error: unknown) => {
    out.destroy();
    await fs.rm(sealed, { force: true });
    throw error;
  });
  await new Promise<void>((resolve, reject) => out.end(cipher.getAuthTag(), () => resolve()).on('error', reject));
  await fs.rename(sealed, file);
}

/** Whether a file was sealed by protectFile (its first bytes say so). */
export async function isSealedFile(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(MAGIC.length);
    const { bytesRead } = await handle.read(head, 0, MAGIC.length, 0);
    return bytesRead === MAGIC.length && head.equals(MAGIC);
  } finally {
    await handle.close();
  }
}

/**
 * The plain bytes of a protected file as a stream. A sealed file's tag is read first, so a file
 * changed or sealed for another run fails the stream (at its end) instead of yielding other bytes.
 */
export async function openProtected(file: string, key: Buffer | null, label: string): Promise<Readable> {
  if (!(await isSealedFile(file))) return createReadStream(file);
  if (key === null) throw new Error(`${path.basename(file)} is sealed and this server has no secret key to open it.`);
  const { size } = await fs.stat(file);
  if (size < MAGIC.length + IV_BYTES + TAG_BYTES) throw new Error(`${path.basename(file)} is cut short.`);
  const handle = await fs.open(file, 'r');
  const iv = Buffer.alloc(IV_BYTES);
  const tag = Buffer.alloc(TAG_BYTES);
  try {
    await handle.read(iv, 0, IV_BYTES, MAGIC.length);
    await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await handle.close();
  }
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(label, 'utf8'));
  decipher.setAuthTag(tag);
  const body = createReadStream(file, { start: MAGIC.length + IV_BYTES, end: size - TAG_BYTES - 1 });
  return body.pipe(decipher);
}

/** Writes the plain bytes of a protected file to `target` (mode 0600), for the tool to read. */
export async function unprotectTo(file: string, key: Buffer | null, label: string, target: string): Promise<void> {
  if (!(await isSealedFile(file))) {
    if (file !== target) await fs.copyFile(file, target);
    await fs.chmod(target, PRIVATE_FILE_MODE);
    return;
  }
  const temporary = `${target}.opening`;
  try {
    await pipeline(await openProtected(file, key, label), createWriteStream(temporary, { mode: PRIVATE_FILE_MODE }));
    await fs.rename(temporary, target);
  } finally {
    await fs.rm(temporary, { force: true });
  }
}

/** Deletes a plan file or document; a missing one is fine. */
export async function removePlanFile(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}

/**
 * Removes what plans left on this host past PLAN_KEPT_MS: plan documents, and plan files in run
 * folders a crashed server did not remove. Answers how many files it removed.
 */
export async function sweepPlanFiles(store: string, now: Date): Promise<number> {
  const cutoff = now.getTime() - PLAN_KEPT_MS;
  let removed = 0;
  const sweepFolder = async (folder: string, matches: (name: string) => boolean) => {
    const names = await fs.readdir(folder).catch(() => [] as string[]);
    for (const name of names.filter(matches)) {
      const file = path.join(folder, name);
      const stats = await fs.lstat(file).catch(() => null);
      if (stats?.isFile() && stats.mtimeMs < cutoff) {
        await fs.rm(file, { force: true });
        removed++;
      }
    }
  };
  await sweepFolder(planDocumentsOf(store), (name) => name.endsWith('.json'));
  const runs = path.join(store, 'checkouts', 'runs');
  for (const run of await fs.readdir(runs).catch(() => [] as string[])) {
    await sweepFolder(path.join(runs, run), (name) => name.startsWith(PLAN_FILE));
    await sweepFolder(path.join(runs, run, 'tmp'), (name) => name.startsWith(PLAN_FILE));
  }
  return removed;
}

/** The plan file's name, in the run's temporary folder (which the tool sees as /tmp in its sandbox). */
export const PLAN_FILE = 'stackhook-plan.tfplan';

/** Makes the plan documents' folder (0700). */
export async function ensurePlanDocuments(store: string): Promise<string> {
  const folder = planDocumentsOf(store);
  await ensurePrivateFolder(folder);
  return folder;
}

