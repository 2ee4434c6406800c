// What the fake Bitbucket Cloud knows: users and their credentials, workspaces, repositories,
// webhooks (with their secrets, which the API never returns) and pull request commit links.
import { createHash, randomUUID } from 'node:crypto';

export type CredentialKind = 'api_token' | 'app_password';
export type Membership = 'admin' | 'member';
export type CommitLinksState = 'installed' | 'indexing' | 'not-installed';

/** Every scope a full Stackhook token carries (docs/design.md §6). */
export const ALL_SCOPES = [
  'read:user:bitbucket',
  'read:workspace:bitbucket',
  'read:repository:bitbucket',
  'read:pullrequest:bitbucket',
  'read:webhook:bitbucket',
  'write:webhook:bitbucket',
  'delete:webhook:bitbucket',
  'read:pipeline:bitbucket',
  'write:pipeline:bitbucket',
];

export interface FakeCredential {
  secret: string;
  kind: CredentialKind;
  scopes: string[];
}

export interface FakeUser {
  email: string;
  nickname: string;
  displayName: string;
  accountId: string;
  uuid: string;
  credentials: FakeCredential[];
  workspaces: Map<string, Membership>;
}

export interface FakeWorkspace {
  slug: string;
  name: string;
  uuid: string;
}

export interface FakeHook {
  uuid: string;
  url: string;
  description: string;
  active: boolean;
  events: string[];
  /** Kept so tests can check what was sent; never part of an API answer. */
  secret: string | null;
  createdAt: string;
}

/** How the fake's pipelines behave: how long they wait and run, how they end, what their steps print. */
export interface PipelineScript {
  result: 'SUCCESSFUL' | 'FAILED' | 'ERROR';
  pendingMs: number;
  durationMs: number;
  steps: { name: string; log: string }[];
}

export interface FakePipeline {
  uuid: string;
  buildNumber: number;
  createdAt: number;
  refName: string;
  commit: string;
  pattern: string;
  variables: { key: string; value: string; secured: boolean }[];
  script: PipelineScript;
  stepUuids: string[];
  stoppedAt: number | null;
}

export interface FakeStatus {
  key: string;
  state: string;
  name: string;
  description: string;
  url: string;
  refname: string | null;
  createdOn: string;
  updatedOn: string;
  /** Every state it was set to, in order (tests check the sequence). */
  history: string[];
}

export interface FakeComment {
  id: number;
  raw: string;
  author: FakeUser;
  createdOn: string;
  updatedOn: string;
  /** How many times it was edited after it was created. */
  edits: number;
}

export interface FakeRepository {
  workspace: string;
  slug: string;
  name: string;
  uuid: string;
  isPrivate: boolean;
  mainBranch: string | null;
  hooks: FakeHook[];
  commitLinks: CommitLinksState;
  pullRequestsByCommit: Map<string, number[]>;
  /** Branch name → 40-hex head commit. */
  branches: Map<string, string>;
  /** Files by `<commit>:<path>`, for repositories without a git repository behind them. */
  files: Map<string, string>;
  /** The bare git repository behind the repository's clone URL, once one was made (see FakeBitbucket.pushCommit). */
  gitDir: string | null;
  pipelines: FakePipeline[];
  pipelineScript: PipelineScript;
  /** Commit → key → status. */
  statuses: Map<string, Map<string, FakeStatus>>;
  /** Pull request id → its comments. Only ids added with addPullRequest exist. */
  pullRequests: Map<number, FakeComment[]>;
}

export const DEFAULT_PIPELINE_SCRIPT: PipelineScript = {
  result: 'SUCCESSFUL',
  pendingMs: 50,
  durationMs: 300,
  steps: [{ name: 'Stackhook run', log: '+ tofu plan -input=false -no-color\nPlan: 1 to add, 0 to change, 0 to destroy.\n' }],
};

/** A stable, made-up commit hash for a seed (a branch with no git repository behind it). */
export const fakeCommit = (seed: string) => createHash('sha1').update(seed).digest('hex');

export const braced = () => `{${randomUUID()}}`;

export interface UserSeed {
  email: string;
  nickname?: string;
  displayName?: string;
  /** One API token with every scope unless said otherwise. */
  token?: string;
  scopes?: string[];
  /** More credentials: other tokens, or an app password (always refused: they were removed). */
  credentials?: Array<Partial<FakeCredential> & { secret: string }>;
  workspaces?: Record<string, Membership>;
}

export interface HookSeed {
  url: string;
  events: string[];
  active?: boolean;
  description?: string;
  secret?: string | null;
}

export class World {
  readonly users: FakeUser[] = [];
  readonly workspaces = new Map<string, FakeWorkspace>();
  readonly repositories = new Map<string, FakeRepository>();
  readonly workspaceHooks = new Map<string, FakeHook[]>();

  addWorkspace(slug: string, name = slug): FakeWorkspace {
    const existing = this.workspaces.get(slug);
    if (existing) return existing;
    const workspace = { slug, name, uuid: braced() };
    this.workspaces.set(slug, workspace);
    this.workspaceHooks.set(slug, []);
    return workspace;
  }

  addUser(seed: UserSeed): FakeUser {
    const credentials: FakeCredential[] = [];
    if (seed.token !== undefined) credentials.push({ secret: seed.token, kind: 'api_token', scopes: seed.scopes ?? [...ALL_SCOPES] });
    for (const extra of seed.credentials ?? []) {
      credentials.push({ secret: extra.secret, kind: extra.kind ?? 'api_token', scopes: extra.scopes ?? [...ALL_SCOPES] });
    }
    const user: FakeUser = {
      email: seed.email,
      nickname: seed.nickname ?? seed.email.split('@')[0] ?? seed.email,
      displayName: seed.displayName ?? seed.email,
      accountId: `557058:${randomUUID()}`,
      uuid: braced(),
      credentials,
      workspaces: new Map(Object.entries(seed.workspaces ?? {})),
    };
    for (const slug of user.workspaces.keys()) this.addWorkspace(slug);
    this.users.push(user);
    return user;
  }

  addRepository(fullName: string, options: { isPrivate?: boolean; mainBranch?: string | null; commitLinks?: CommitLinksState } = {}): FakeRepository {
    const [workspace = '', slug = ''] = fullName.split('/');
    this.addWorkspace(workspace);
    const mainBranch = options.mainBranch === undefined ? 'main' : options.mainBranch;
    const repository: FakeRepository = {
      workspace,
      slug,
      name: slug,
      uuid: braced(),
      isPrivate: options.isPrivate ?? true,
      mainBranch,
      hooks: [],
      commitLinks: options.commitLinks ?? 'installed',
      pullRequestsByCommit: new Map(),
      branches: new Map(),
      files: new Map(),
      gitDir: null,
      pipelines: [],
      pipelineScript: { ...DEFAULT_PIPELINE_SCRIPT, steps: [...DEFAULT_PIPELINE_SCRIPT.steps] },
      statuses: new Map(),
      pullRequests: new Map(),
    };
    if (repository.mainBranch !== null) repository.branches.set(repository.mainBranch, fakeCommit(`${fullName}:${repository.mainBranch}`));
    this.repositories.set(fullName.toLowerCase(), repository);
    return repository;
  }

  /** `count` repositories named `<prefix>-001`…, in `workspace`. */
  addRepositories(workspace: string, count: number, prefix = 'repo'): string[] {
    const width = String(count).length < 3 ? 3 : String(count).length;
    return Array.from({ length: count }, (_, i) => {
      const fullName = `${workspace}/${prefix}-${String(i + 1).padStart(width, '0')}`;
      this.addRepository(fullName);
      return fullName;
    });
  }

  /** Adds (or moves) a branch, at `hash` or at a made-up commit; answers the head. */
  addBranch(fullName: string, name: string, hash?: string): string {
    const repository = this.repository(fullName) ?? this.addRepository(fullName);
    const head = hash ?? fakeCommit(`${fullName}:${name}:${repository.branches.size}`);
    repository.branches.set(name, head);
    return head;
  }

  /** A file at a commit, for `src/{commit}/{path}` on repositories without git behind them. */
  addFile(fullName: string, commit: string, file: string, text: string): void {
    const repository = this.repository(fullName) ?? this.addRepository(fullName);
    repository.files.set(`${commit}:${file}`, text);
  }

  /** An open pull request that comments can be written on. */
  addPullRequest(fullName: string, id: number): void {
    const repository = this.repository(fullName) ?? this.addRepository(fullName);
    if (!repository.pullRequests.has(id)) repository.pullRequests.set(id, []);
  }

  repository(fullName: string): FakeRepository | undefined {
    return this.repositories.get(fullName.toLowerCase());
  }

  repositoriesOf(workspace: string): FakeRepository[] {
    return [...this.repositories.values()].filter((repository) => repository.workspace === workspace);
  }

  newHook(seed: HookSeed): FakeHook {
    return {
      uuid: braced(),
      url: seed.url,
      description: seed.description ?? '',
      active: seed.active ?? true,
      events: [...seed.events],
      secret: seed.secret ?? null,
      createdAt: new Date().toISOString(),
    };
  }

  authenticate(username: string, secret: string): { user: FakeUser; credential: FakeCredential } | { refused: 'unknown' | 'app_password' | 'username' } {
    for (const user of this.users) {
      const credential = user.credentials.find((candidate) => candidate.secret === secret);
      if (!credential) continue;
      if (username !== user.email && username !== user.nickname) continue;
      // App passwords were removed on 2026-07-28: they are recognised, and refused.
      if (credential.kind === 'app_password') return { refused: 'app_password' };
      // API tokens authenticate REST calls with the account email, not the username.
      if (username !== user.email) return { refused: 'username' };
      return { user, credential };
    }
    return { refused: 'unknown' };
  }
}
