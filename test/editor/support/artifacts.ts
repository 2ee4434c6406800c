// Where the editor tests leave what a person looks at after a run: screenshots, the code-server
// log and the extension's logs, in test-results/editor/ (ignored by git).
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../../scripts/lib/editorHost';

export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results', 'editor');
export const DOCS_IMAGES_DIR = path.join(REPO_ROOT, 'docs', 'images');

/** A file name made from a title: `Story 2: create…` → `story-2-create`. */
export function slug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}

/** Every file under `dir` whose path matches `pattern`. */
export function findFiles(dir: string, pattern: RegExp): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) found.push(...findFiles(full, pattern));
    else if (pattern.test(full)) found.push(full);
  }
  return found;
}

/** The extension's own logs inside code-server's user-data folder (the "Stackhook" output channel among them). */
export function stackhookLogs(userDataDir: string): string[] {
  // Only the extension's own folder: the temp root's name says "stackhook" too.
  return findFiles(path.join(userDataDir, 'logs'), /[\\/]exthost\d+[\\/]stackhook\.stackhook[\\/]/);
}

export function tailOf(file: string, lines: number): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n');
    return `--- last ${Math.min(lines, text.length)} lines of ${file} ---\n${text.slice(-lines).join('\n')}`;
  } catch {
    return `(cannot read ${file})`;
  }
}

/** Keeps code-server's logs (window, extension host, Stackhook) beside the screenshots. */
export function keepLogs(userDataDir: string): string | null {
  const logs = path.join(userDataDir, 'logs');
  if (!existsSync(logs)) return null;
  const target = path.join(RESULTS_DIR, 'logs');
  cpSync(logs, target, { recursive: true });
  return target;
}
