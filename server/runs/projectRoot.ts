// Where a local run's commands start: the stack's project root in the run's worktree, resolved as the
// file system resolves it (symbolic links followed), which must stay inside the worktree. A repository
// whose `envs/prod` is a link to /etc must not run its plan in /etc.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunPlace } from './runProcess';

export class ProjectRootError extends Error {}

export async function resolveProjectRoot(worktree: string, projectRoot: string, commit = ''): Promise<RunPlace> {
  const realWorktree = await fs.realpath(worktree);
  const at = commit ? ` at ${commit.slice(0, 12)}` : '';
  const asked = path.resolve(realWorktree, projectRoot);
  if (!within(realWorktree, asked)) {
    throw new ProjectRootError(`The project root "${projectRoot}" leaves the repository: give a folder inside it, relative to its top (for example envs/prod).`);
  }
  let real: string;
  try {
    real = await fs.realpath(asked);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const link = await outsideLinkOnTheWay(realWorktree, projectRoot);
      if (link) throw outside(projectRoot, link);
      throw new ProjectRootError(`The project root "${projectRoot}" does not exist in the repository${at}: check the stack's project root, or the commit.`);
    }
    throw error;
  }
  if (!within(realWorktree, real)) throw outside(projectRoot, real);
  if (!(await fs.stat(real)).isDirectory()) throw new ProjectRootError(`The project root "${projectRoot}" is a file in the repository${at}, not a folder: give the folder that holds the stack's code.`);
  return { worktree: realWorktree, cwd: real };
}

const within = (folder: string, target: string): boolean => target === folder || target.startsWith(folder + path.sep);

function outside(projectRoot: string, target: string): ProjectRootError {
  return new ProjectRootError(
    `The project root "${projectRoot}" is a symbolic link that leads outside the repository (to ${target}): ` +
      'a run executes only inside its checkout. Point the stack at a real folder of the repository, or make the link relative and inside it.',
  );
}

/** For a root that does not resolve: the first link on its way that leads outside the worktree, if any. */
async function outsideLinkOnTheWay(worktree: string, projectRoot: string): Promise<string | null> {
  let current = worktree;
  for (const part of path.normalize(projectRoot).split(path.sep).filter((piece) => piece !== '' && piece !== '.')) {
    const next = path.join(current, part);
    const target = await fs.realpath(next).catch(() => null);
    if (target === null) {
      // A dangling link: where it points, as written.
      const link = await fs.readlink(next).catch(() => null);
      const pointed = link === null ? null : path.resolve(current, link);
      return pointed !== null && !within(worktree, pointed) ? pointed : null;
    }
    if (!within(worktree, target)) return target;
    current = target;
  }
  return null;
}
