// Which workspace folders are checkouts of a stack's repository, so a plan's diagnostic (a file
// relative to the stack's project root) can point at a file the person has open. The rule:
//  1. a folder whose git remotes (its `.git/config`, or the gitdir a `.git` file names) include the
//     repository on Bitbucket Cloud (https, ssh or scp-like URL, `.git` or not, case-insensitive) is
//     a checkout of it;
//  2. a folder with no git remote at all whose name is the repository's slug is taken to be one (an
//     unpacked copy); a folder whose remotes name other repositories never is, whatever its name.
// Only `file:` folders are read. Part of dist/onDemand.js.
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';

/** `workspace/slug` of a Bitbucket Cloud remote URL, lower-cased; undefined for any other host. */
export function bitbucketRepositoryOf(url: string): string | undefined {
  const match =
    /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/(?:[^@/]+@)?|(?:[^@/]+@)?)bitbucket\.org[:/]([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/i.exec(url.trim());
  return match ? `${match[1]}/${match[2]}`.toLowerCase() : undefined;
}

/** The `url = …` values of a git config's `[remote "…"]` sections. */
export function remoteUrls(config: string): string[] {
  const urls: string[] = [];
  let inRemote = false;
  for (const line of config.split(/\r?\n/)) {
    const section = /^\s*\[([^\]]+)\]/.exec(line);
    if (section) {
      inRemote = /^remote\s+"/.test(section[1] as string);
      continue;
    }
    const url = inRemote ? /^\s*url\s*=\s*(.+?)\s*$/.exec(line) : null;
    if (url) urls.push(url[1] as string);
  }
  return urls;
}

async function gitConfigOf(folder: string): Promise<string | undefined> {
  const dotGit = path.join(folder, '.git');
  try {
    const info = await stat(dotGit);
    if (info.isDirectory()) return await readFile(path.join(dotGit, 'config'), 'utf8');
    // A worktree or submodule: `.git` is a file naming the git directory; its config is the common one.
    const pointer = /^gitdir:\s*(.+)$/m.exec(await readFile(dotGit, 'utf8'));
    if (!pointer) return undefined;
    const gitDir = path.resolve(folder, (pointer[1] as string).trim());
    const common = await readFile(path.join(gitDir, 'commondir'), 'utf8').then((text) => path.resolve(gitDir, text.trim()), () => gitDir);
    return await readFile(path.join(common, 'config'), 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether the folder at `fsPath` is a checkout of `repository` (`workspace/slug`), by the rule above. */
export async function isCheckoutOf(fsPath: string, repository: string): Promise<boolean> {
  const wanted = repository.toLowerCase();
  const config = await gitConfigOf(fsPath);
  const urls = config ? remoteUrls(config) : [];
  if (urls.length > 0) return urls.some((url) => bitbucketRepositoryOf(url) === wanted);
  return path.basename(fsPath).toLowerCase() === (wanted.split('/')[1] ?? '');
}

/** The workspace folders that are checkouts of the repository. */
export async function foldersOf(repository: string): Promise<vscode.Uri[]> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file');
  const checks = await Promise.all(folders.map(async (folder) => ((await isCheckoutOf(folder.uri.fsPath, repository)) ? folder.uri : undefined)));
  return checks.filter((uri): uri is vscode.Uri => uri !== undefined);
}

/**
 * The file a diagnostic names, inside a checkout: `file` is relative to the project root. A path that
 * leaves the checkout (`../../etc`), or a file that is not there, is no file of the workspace.
 */
export async function fileIn(folder: vscode.Uri, projectRoot: string, file: string): Promise<vscode.Uri | undefined> {
  const root = path.resolve(folder.fsPath);
  const target = path.resolve(root, projectRoot, file);
  if (target !== root && !target.startsWith(root + path.sep)) return undefined;
  try {
    if (!(await stat(target)).isFile()) return undefined;
  } catch {
    return undefined;
  }
  return vscode.Uri.file(target);
}
