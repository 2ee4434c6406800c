// The stand-in `tofu` for tests, installed into a test repository's content: push
// `{...fixtureFiles(id), ...standinFiles([id])}` and make the stack's program `bin/tofu` (or
// `bin/terraform`); inside the run's sandbox (its worktree, /usr and /tmp) it replays what the real
// tool printed for that fixture's configuration. standin.js says what it does; README (Tests)
// says why runs are tested this way.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildCase, caseFileName, caseSource } from './cases';

export { buildCase, caseSource, configHash, standinCaseIds, type StandinCase } from './cases';

/** The program's source, as it is pushed (one self-contained file, run by plain node). */
export const STANDIN_SOURCE = readFileSync(path.join(__dirname, 'standin.js'), 'utf8');

export interface StandinOptions {
  /** The names it is installed under (default: tofu only). */
  programs?: ('tofu' | 'terraform')[];
  /** The folder it goes in, relative to the repository's root (default `bin`). */
  dir?: string;
}

/**
 * The stand-in and the recordings of the cases a test asks for (only those: a case's data is its
 * show -json document and streams, a few KB), by path in the repository.
 */
export function standinFiles(caseIds: readonly string[], options: StandinOptions = {}): Record<string, string> {
  const dir = options.dir ?? 'bin';
  const files: Record<string, string> = {};
  for (const program of options.programs ?? ['tofu']) files[`${dir}/${program}`] = STANDIN_SOURCE;
  for (const id of caseIds) files[`${dir}/standin-data/${caseFileName(id)}`] = `${JSON.stringify(buildCase(id))}\n`;
  return files;
}

/**
 * A case's configuration as a repository holds it: its `.tf` files (the stand-in matches them by
 * content, so they go unchanged), and its state and lock file where the fixture has them, under
 * `root` (the stack's project root; default the repository's root).
 */
export function fixtureFiles(caseId: string, root = ''): Record<string, string> {
  const { tfFiles, otherFiles } = caseSource(caseId);
  const prefix = root ? `${root.replace(/\/+$/, '')}/` : '';
  return Object.fromEntries(Object.entries({ ...tfFiles, ...otherFiles }).map(([file, text]) => [`${prefix}${file}`, text]));
}

/** A file beside the `.tf` files that has plan and apply print one variable's value (on stderr). */
export function echoFile(variable: string, root = ''): Record<string, string> {
  return { [`${root ? `${root.replace(/\/+$/, '')}/` : ''}standin-echo`]: `${variable}\n` };
}

/** What one invocation recorded (its last line on stderr). */
export interface StandinRecord {
  program: 'tofu' | 'terraform';
  argv: string[];
  cwd: string;
  env: string[];
  case: string | null;
  workspace: string | null;
  planFile: { path: string; sha256: string } | null;
  varFiles?: { file: string; names: string[] }[];
  exit: number;
}

/** The stand-in's records in a log (a run's log, a process's stderr), in order. */
export function standinRecords(log: string): StandinRecord[] {
  return [...log.matchAll(/^\[stand-in (tofu|terraform)\] (\{.*\})$/gm)].map((match) => ({ program: match[1] as 'tofu' | 'terraform', ...(JSON.parse(match[2] as string) as Omit<StandinRecord, 'program'>) }));
}
