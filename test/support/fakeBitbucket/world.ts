// What the fake Bitbucket Cloud knows: users and their credentials, workspaces, repositories,
// webhooks (with their secrets, which the API never returns) and pull request commit links.
import { randomBytes, randomUUID } from 'node:crypto';

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

export interface FakeRepository {
  workspace: string;
  slug: string;
  name: string;
  uuid: string;
  isPrivate: boolean;
  mainBranch: string | null;
  /** Branch name → the 40-hex commit at its head. */
  branches: Map<string, string>;
  hooks: FakeHook[];
  commitLinks: CommitLinksState;
  pullRequestsByCommit: Map<string, number[]>;
}

export const braced = () => `{${randomUUID()}}`;
export const commitHash = () => randomBytes(20).toString('hex');

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
      branches: new Map(mainBranch === null ? [] : [[mainBranch, commitHash()]]),
      hooks: [],
      commitLinks: options.commitLinks ?? 'installed',
      pullRequestsByCommit: new Map(),
    };
    this.repositories.set(fullName.toLowerCase(), repository);
    return repository;
  }

  /** Adds (or moves) a branch of an existing repository; its head is a random commit unless given. */
  addBranch(fullName: string, name: string, hash: string = commitHash()): void {
    const repository = this.repository(fullName);
    if (!repository) throw new Error(`No repository ${fullName} in the fake Bitbucket`);
    repository.branches.set(name, hash);
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
