// Git over HTTPS for the fake: Debian's `git http-backend` as a CGI program behind the fake's HTTP
// server, with the same credentials as the API (the `x-bitbucket-api-token-auth` user and an API
// token, as Bitbucket takes them), and a way for tests to push commits to a repository.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FakeRepository, World } from './world';

export const GIT_PATH = /^\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)\.git(\/.*)$/;
const TOKEN_USER = 'x-bitbucket-api-token-auth';

const quiet = { stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'], encoding: 'utf8' as const };
const identity = ['-c', 'user.name=Fake Bitbucket', '-c', 'user.email=fake@bitbucket.invalid', '-c', 'commit.gpgsign=false'];

/** A file's text, or a symbolic link to `symlink` (as written, which may lead outside the repository). */
export type FakeFile = string | { symlink: string };

export class FakeGit {
  readonly root = mkdtempSync(path.join(tmpdir(), 'stackhook-fake-git-'));
  /** Every Authorization the git endpoint received, decoded (tests check no token travelled in a URL). */
  readonly requests: { path: string; user: string | null }[] = [];

  constructor(private readonly world: World) {}

  /**
   * Commits `files` on `branch` (created from the branch's head, or empty) and returns the commit; a
   * null deletes the file, and a file starting with "#!" is executable.
   */
  pushCommit(fullName: string, branch: string, files: Record<string, FakeFile | null>, message = 'Change'): string {
    const repository = this.world.repository(fullName) ?? this.world.addRepository(fullName);
    const bare = this.ensureRepository(repository);
    const work = mkdtempSync(path.join(this.root, 'work-'));
    try {
      execFileSync('git', ['init', '--quiet', work], quiet);
      // A new branch starts from the main branch, as one made in Bitbucket's web page does.
      const head = repository.branches.get(branch) ?? (repository.mainBranch !== null ? repository.branches.get(repository.mainBranch) : undefined);
      const known = head !== undefined && this.hasCommit(bare, head);
      if (known) {
        execFileSync('git', ['-C', work, 'fetch', '--quiet', bare, head], quiet);
        execFileSync('git', ['-C', work, 'checkout', '--quiet', '-B', branch, 'FETCH_HEAD'], quiet);
      } else {
        execFileSync('git', ['-C', work, 'checkout', '--quiet', '-b', branch], quiet);
      }
      for (const [file, content] of Object.entries(files)) {
        if (content === null) {
          rmSync(path.join(work, file), { force: true });
          continue;
        }
        mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
        if (typeof content !== 'string') {
          symlinkSync(content.symlink, path.join(work, file));
          continue;
        }
        // A script (its first line a "#!") is committed executable, as a developer's would be.
        writeFileSync(path.join(work, file), content);
        chmodSync(path.join(work, file), content.startsWith('#!') ? 0o755 : 0o644);
      }
      execFileSync('git', ['-C', work, 'add', '-A'], quiet);
      execFileSync('git', ['-C', work, ...identity, 'commit', '--quiet', '--allow-empty', '-m', message], quiet);
      execFileSync('git', ['-C', work, 'push', '--quiet', '--force', bare, `HEAD:refs/heads/${branch}`], quiet);
      const commit = execFileSync('git', ['-C', work, 'rev-parse', 'HEAD'], quiet).trim();
      repository.branches.set(branch, commit);
      return commit;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  /**
   * Merges `sourceCommit` (from `sourceRepository`, a fork or the same one) into `branch` the way
   * Bitbucket's merge button does, pushes the result and answers its commit, or the conflict.
   */
  merge(fullName: string, branch: string, sourceRepository: string, sourceCommit: string, strategy: 'merge_commit' | 'squash' | 'fast_forward', message: string): { commit: string } | { conflict: string } {
    const repository = this.world.repository(fullName) ?? this.world.addRepository(fullName);
    const source = this.world.repository(sourceRepository);
    const bare = this.ensureRepository(repository);
    const head = repository.branches.get(branch);
    if (head === undefined) return { conflict: `the branch ${branch} does not exist` };
    const work = mkdtempSync(path.join(this.root, 'merge-'));
    try {
      execFileSync('git', ['init', '--quiet', work], quiet);
      execFileSync('git', ['-C', work, 'fetch', '--quiet', bare, head], quiet);
      execFileSync('git', ['-C', work, 'checkout', '--quiet', '-B', branch, 'FETCH_HEAD'], quiet);
      execFileSync('git', ['-C', work, 'fetch', '--quiet', source?.gitDir ?? bare, sourceCommit], quiet);
      const merge = (args: string[]) => execFileSync('git', ['-C', work, ...identity, 'merge', '--quiet', ...args], quiet);
      try {
        if (strategy === 'fast_forward') merge(['--ff-only', 'FETCH_HEAD']);
        else if (strategy === 'squash') {
          merge(['--squash', 'FETCH_HEAD']);
          execFileSync('git', ['-C', work, ...identity, 'commit', '--quiet', '--allow-empty', '-m', message], quiet);
        } else merge(['--no-ff', '-m', message, 'FETCH_HEAD']);
      } catch (error) {
        const stderr = (error as { stderr?: string }).stderr ?? '';
        return { conflict: strategy === 'fast_forward' ? 'the branches have diverged, so a fast-forward is impossible' : `the changes conflict (${stderr.trim().split('\n').at(-1) ?? 'git merge failed'})` };
      }
      execFileSync('git', ['-C', work, 'push', '--quiet', '--force', bare, `HEAD:refs/heads/${branch}`], quiet);
      return { commit: execFileSync('git', ['-C', work, 'rev-parse', 'HEAD'], quiet).trim() };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  deleteBranch(repository: FakeRepository, branch: string): void {
    if (repository.gitDir) execFileSync('git', ['--git-dir', repository.gitDir, 'update-ref', '-d', `refs/heads/${branch}`], quiet);
  }

  /** Writes the tree of `commit` into `dir` (an empty folder), as a pipeline's clone would have it. */
  checkout(repository: FakeRepository, commit: string, dir: string): void {
    if (!repository.gitDir) throw new Error(`${repository.workspace}/${repository.slug} has no git repository to check out ${commit} from`);
    execFileSync('git', ['init', '--quiet', dir], quiet);
    execFileSync('git', ['-C', dir, 'fetch', '--quiet', repository.gitDir, commit], quiet);
    execFileSync('git', ['-C', dir, '-c', 'advice.detachedHead=false', 'checkout', '--quiet', 'FETCH_HEAD'], quiet);
  }

  private hasCommit(bare: string, commit: string): boolean {
    try {
      execFileSync('git', ['--git-dir', bare, 'cat-file', '-e', `${commit}^{commit}`], quiet);
      return true;
    } catch {
      return false;
    }
  }

  private ensureRepository(repository: FakeRepository): string {
    if (repository.gitDir) return repository.gitDir;
    const bare = path.join(this.root, repository.workspace, `${repository.slug}.git`);
    mkdirSync(path.dirname(bare), { recursive: true });
    execFileSync('git', ['init', '--quiet', '--bare', bare], quiet);
    execFileSync('git', ['--git-dir', bare, 'config', 'http.receivepack', 'false'], quiet);
    repository.gitDir = bare;
    return bare;
  }

  /** Answers one smart HTTP request (`info/refs`, `git-upload-pack`). Pushing is refused. */
  async handle(request: IncomingMessage, response: ServerResponse, url: URL, credentials: { username: string; secret: string } | null): Promise<void> {
    const match = GIT_PATH.exec(url.pathname);
    const repository = match ? this.world.repository(`${match[1]}/${match[2]}`) : undefined;
    this.requests.push({ path: url.pathname + url.search, user: credentials?.username ?? null });
    const user = credentials ? this.authenticate(credentials.username, credentials.secret) : null;
    if (!user) {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Bitbucket.org HTTP"', 'Content-Type': 'text/plain' });
      response.end('Authentication failed.\n');
      return;
    }
    if (!repository?.gitDir || (repository.isPrivate && !user.workspaces.has(repository.workspace))) {
      response.writeHead(404, { 'Content-Type': 'text/plain' });
      response.end('Repository not found.\n');
      return;
    }
    const service = url.searchParams.get('service') ?? (match?.[3] ?? '').replace(/^\//, '');
    if (service === 'git-receive-pack' || (match?.[3] ?? '').endsWith('git-receive-pack')) {
      response.writeHead(403, { 'Content-Type': 'text/plain' });
      response.end('Pushing is not part of the fake.\n');
      return;
    }
    await this.cgi(request, response, repository.gitDir, match?.[3] ?? '/', url.search.replace(/^\?/, ''), user.email);
  }

  private authenticate(username: string, secret: string) {
    if (username === TOKEN_USER) {
      return this.world.users.find((user) => user.credentials.some((credential) => credential.kind === 'api_token' && credential.secret === secret)) ?? null;
    }
    const auth = this.world.authenticate(username, secret);
    return 'user' in auth ? auth.user : null;
  }

  private cgi(request: IncomingMessage, response: ServerResponse, gitDir: string, rest: string, query: string, user: string): Promise<void> {
    return new Promise((resolve) => {
      const child = spawn('git', ['http-backend'], {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          GIT_PROJECT_ROOT: path.dirname(gitDir),
          GIT_HTTP_EXPORT_ALL: '1',
          PATH_INFO: `/${path.basename(gitDir)}${rest}`,
          REQUEST_METHOD: request.method ?? 'GET',
          QUERY_STRING: query,
          CONTENT_TYPE: request.headers['content-type'] ?? '',
          REMOTE_USER: user,
          REMOTE_ADDR: '127.0.0.1',
          ...(request.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(request.headers['content-encoding']) } : {}),
          ...(request.headers['git-protocol'] ? { GIT_PROTOCOL: String(request.headers['git-protocol']) } : {}),
        },
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      request.pipe(child.stdin);
      let head = Buffer.alloc(0);
      let headersDone = false;
      child.stdout.on('data', (chunk: Buffer) => {
        if (headersDone) {
          response.write(chunk);
          return;
        }
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        headersDone = true;
        let status = 200;
        const headers: Record<string, string> = {};
        for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
          const colon = line.indexOf(':');
          if (colon < 0) continue;
          const name = line.slice(0, colon).trim();
          const value = line.slice(colon + 1).trim();
          if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
          else headers[name] = value;
        }
        response.writeHead(status, headers);
        response.write(head.subarray(end + 4));
      });
      child.on('close', () => {
        if (!headersDone) response.writeHead(500, { 'Content-Type': 'text/plain' });
        response.end();
        resolve();
      });
      child.on('error', () => {
        if (!response.headersSent) response.writeHead(500);
        response.end();
        resolve();
      });
    });
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
