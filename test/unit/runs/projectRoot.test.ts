// A local run starts in its stack's project root as the file system resolves it: a symbolic link in
// the repository that leads outside the worktree (`envs/prod -> /etc`) is refused, not followed.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveProjectRoot } from '../../../server/runs/projectRoot';

describe('the project root of a local run', () => {
  let worktree: string;
  beforeEach(() => {
    worktree = mkdtempSync(path.join(os.tmpdir(), 'stackhook-root-'));
    mkdirSync(path.join(worktree, 'envs', 'dev'), { recursive: true });
    writeFileSync(path.join(worktree, 'envs', 'main.tf'), '# tf\n');
  });
  afterEach(() => rmSync(worktree, { recursive: true, force: true }));

  it('is the folder inside the worktree, by its real path; empty is the top', async () => {
    const real = realpathSync(worktree);
    assert.deepEqual(await resolveProjectRoot(worktree, 'envs/dev'), { worktree: real, cwd: path.join(real, 'envs', 'dev') });
    assert.deepEqual(await resolveProjectRoot(worktree, ''), { worktree: real, cwd: real });
  });

  it('a link that stays inside the repository is followed', async () => {
    symlinkSync('dev', path.join(worktree, 'envs', 'staging'));
    assert.equal((await resolveProjectRoot(worktree, 'envs/staging')).cwd, path.join(realpathSync(worktree), 'envs', 'dev'));
  });

  it('a link that leads outside is refused, naming where it leads: envs/prod -> /etc', async () => {
    symlinkSync('/etc', path.join(worktree, 'envs', 'prod'));
    await assert.rejects(resolveProjectRoot(worktree, 'envs/prod'), /The project root "envs\/prod" is a symbolic link that leads outside the repository \(to \/etc\)/);
    // Through a link part of the way, and one that points nowhere.
    symlinkSync('/etc', path.join(worktree, 'sys'));
    await assert.rejects(resolveProjectRoot(worktree, 'sys/ssl'), /leads outside the repository \(to \/etc\/ssl\)/);
    symlinkSync('/nonexistent-stackhook', path.join(worktree, 'gone'));
    await assert.rejects(resolveProjectRoot(worktree, 'gone'), /leads outside the repository \(to \/nonexistent-stackhook\)/);
    symlinkSync('../..', path.join(worktree, 'envs', 'up'));
    await assert.rejects(resolveProjectRoot(worktree, 'envs/up'), /leads outside the repository/);
  });

  it('a path that leaves the worktree, one that does not exist, and a file are refused with what to do', async () => {
    await assert.rejects(resolveProjectRoot(worktree, '../elsewhere'), /leaves the repository/);
    await assert.rejects(resolveProjectRoot(worktree, '/etc'), /leaves the repository/);
    await assert.rejects(resolveProjectRoot(worktree, 'envs/nope', 'a1b2c3d4e5f6a7b8'), /"envs\/nope" does not exist in the repository at a1b2c3d4e5f6/);
    await assert.rejects(resolveProjectRoot(worktree, 'envs/main.tf'), /is a file in the repository, not a folder/);
  });
});
