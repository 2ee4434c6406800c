// What a `pipelines` run's plan step sends back, kept on the host that received it: the `show -json`
// document and the binary plan file, under `<store>/pipeline-plans/` (0700, files 0600), each streamed
// to a temporary file and renamed into place only once whole and within its size cap, so a reader
// never sees half an upload and an oversized one leaves nothing. The plan file is what the apply
// pipeline fetches back; both can hold secrets, so they go when the run ends (or is discarded).
import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ensurePrivateFolder, PRIVATE_FILE_MODE } from '../store/atomicFile';

export type UploadKind = 'plan' | 'planfile';

/** Caps on what one run may send back (bytes as written to disk, a gzip'd plan decompressed). */
export interface UploadCaps {
  plan: number;
  planfile: number;
}

export const DEFAULT_UPLOAD_CAPS: UploadCaps = { plan: 1024 * 1024 * 1024, planfile: 512 * 1024 * 1024 };

export const pipelinePlansFolder = (store: string): string => path.join(store, 'pipeline-plans');

/** Where one upload of a run is kept. */
export function uploadPath(store: string, runId: string, kind: UploadKind): string {
  return path.join(pipelinePlansFolder(store), `${encodeURIComponent(runId)}.${kind === 'plan' ? 'plan.json' : 'tfplan'}`);
}

export class UploadTooLarge extends Error {
  constructor(readonly cap: number) {
    super(`larger than ${cap} bytes`);
  }
}

/** Streams `source` (gzip'd when `gzip`) into the run's upload of that kind; at most `cap` bytes as written, else nothing is kept. Answers the bytes kept. */
export async function keepUpload(store: string, runId: string, kind: UploadKind, source: Readable, cap: number, gzip = false): Promise<number> {
  await ensurePrivateFolder(pipelinePlansFolder(store));
  const target = uploadPath(store, runId, kind);
  const temporary = `${target}.${randomBytes(4).toString('hex')}.part`;
  let bytes = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(bytes > cap ? new UploadTooLarge(cap) : null, chunk);
    },
  });
  try {
    const sink = createWriteStream(temporary, { mode: PRIVATE_FILE_MODE, flags: 'wx' });
    // Through a stream of its own, so a refusal ends the upload's streams but not the request's
    // connection, which still carries the answer (413) back.
    const through = source.pipe(new PassThrough());
    source.once('error', (error) => through.destroy(error));
    await (gzip ? pipeline(through, createGunzip(), counted, sink) : pipeline(through, counted, sink));
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
  return bytes;
}

/**
 * What a sealed upload is bound to (planFiles.ts): the run, and for the plan the same label as a
 * local run's plan document, since it becomes the run's plan document once read.
 */
export const uploadLabel = (runId: string, kind: UploadKind): string => (kind === 'plan' ? `document:${runId}` : `pipeline-planfile:${runId}`);

/** The upload's size, or null when none was kept. */
export async function uploadSize(store: string, runId: string, kind: UploadKind): Promise<number | null> {
  const stats = await fs.stat(uploadPath(store, runId, kind)).catch(() => null);
  return stats?.isFile() ? stats.size : null;
}

/** Deletes what the run sent back (after the apply, a Discard, a failure or a stop); nothing there is fine. */
export async function removeUploads(store: string, runId: string): Promise<void> {
  await Promise.all((['plan', 'planfile'] as const).map((kind) => fs.rm(uploadPath(store, runId, kind), { force: true })));
}
