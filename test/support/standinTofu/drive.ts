// Runs the stand-in as a process in a folder laid out as a checkout would be, for its own tests:
// a fixture's configuration with bin/tofu beside it, each command's stdout, stderr, exit code,
// parsed `-json` lines and the stand-in's record.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fixtureFiles, standinFiles, standinRecords, type StandinRecord } from './index';

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The UI messages on stdout (of a -json command), parsed. */
  messages: Record<string, unknown>[];
  record: StandinRecord | undefined;
}

/** A folder holding `files`, with every file whose text starts with "#!" executable. */
export function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'stackhook-standin-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
    if (text.startsWith('#!')) chmodSync(path.join(dir, file), 0o755);
  }
  return dir;
}

/** A checkout of one case: its configuration at the root (or under `root`) and the stand-in in bin/. */
export function checkoutOf(caseId: string, extra: Record<string, string> = {}, root = '', carried: string[] = [caseId]): string {
  return folderWith({ ...fixtureFiles(caseId, root), ...standinFiles(carried, { programs: ['tofu', 'terraform'] }), ...extra });
}

export function run(dir: string, args: string[], options: { env?: Record<string, string>; cwd?: string; program?: string; prefix?: string[] } = {}): Ran {
  const program = path.join(dir, 'bin', options.program ?? 'tofu');
  const [command, ...prefixArgs] = options.prefix ?? [program];
  const result = spawnSync(command as string, [...prefixArgs, ...(options.prefix ? [program] : []), ...args], {
    cwd: options.cwd ?? dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
    timeout: 20_000,
  });
  const messages = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{"@level"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, messages, record: standinRecords(result.stderr).at(-1) };
}

/** `init`, then `plan -json -detailed-exitcode -out=plan.tfplan` (plus `args`). */
export function initAndPlan(dir: string, args: string[] = [], options: Parameters<typeof run>[2] = {}): Ran {
  const init = run(dir, ['init', '-input=false'], options);
  if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
  return run(dir, ['plan', '-input=false', '-out=plan.tfplan', '-json', '-detailed-exitcode', ...args], options);
}
