// What the fake Bitbucket Cloud knows: users and their credentials, workspaces, repositories,
// webhooks (with their secrets, which the API never returns), pull requests, build statuses, Code
// Insights reports, branch restrictions, default reviewers and pipelines.
import { createHash, randomUUID } from 'node:crypto';
import {
  BRANCH_RESTRICTION_KINDS,
  DEFAULT_DIFFSTAT,
  DEFAULT_EXECUTION,
  VALUED_KINDS,
  nowIso,
  type BranchRestrictionKind,
  type CommitLinksState,
  type DiffstatSettings,
  type FakeBranchRestriction,
  type FakeCredential,
  type FakeHook,
  type FakePullRequest,
  type FakeRepository,
  type FakeStatus,
  type FakeUser,
  type FakeWorkspace,
  type Membership,
  type PipelineExecutionSettings,
  type PipelineScript,
} from './model';

export type {
  CommitLinksState,
  CredentialKind,
  FakeComment,
  FakeCredential,
  FakeHook,
  FakePipeline,
  FakePullRequest,
  FakeRepository,
  FakeStatus,
  FakeUser,
  FakeWorkspace,
  Membership,
  PipelineScript,
} from './model';
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

/**
 * ALL_SCOPES and the scopes of what people do beside Stackhook: approving, requesting changes and
 * merging (write:pullrequest) and reading branch restrictions (admin:repository). For test users who
 * act as reviewers, and for a test that gives Stackhook's token those scopes on purpose.
 */
export const EVERY_SCOPE = [...ALL_SCOPES, 'write:pullrequest:bitbucket', 'admin:repository:bitbucket'];

export const DEFAULT_PIPELINE_SCRIPT: PipelineScript = {
  result: 'SUCCESSFUL',
  pendingMs: 50,
  durationMs: 300,
  steps: [{ name: 'Stackhook run', log: '+ tofu plan -input=false -no-color\nPlan: 1 to add, 0 to change, 0 to destroy.\n' }],
};

/** A stable, made-up commit hash for a seed (a branch with no git repository behind it). */
export const fakeCommit = (seed: string) => createHash('sha1').update(seed).digest('hex');

export const braced = () => `{${randomUUID()}}`;

/** Where the world's numbers start: comment ids look like Bitbucket's (large, unique in a repository). */
const SEQUENCE_STARTS = { comment: 70_500_000, task: 4_200, restriction: 31_000 } as const;

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
  private readonly sequences = new Map<string, number>();

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
      pulls: new Map(),
      reports: new Map(),
      branchRestrictions: [],
      defaultReviewers: [],
      diffstat: { ...DEFAULT_DIFFSTAT },
      pipelineExecution: null,
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

  /**
   * An open pull request that comments can be written on, from `feature/pr-<id>` to the main branch
   * (PullRequestStore makes richer ones and changes them). Answers the one that exists.
   */
  addPullRequest(fullName: string, id: number): FakePullRequest {
    const repository = this.repository(fullName) ?? this.addRepository(fullName);
    const existing = repository.pulls.get(id);
    if (existing) return existing;
    const source = `feature/pr-${id}`;
    const destination = repository.mainBranch ?? 'main';
    return this.recordPullRequest(repository, {
      id,
      title: `Pull request #${id}`,
      author: this.person('pr-author@example.com', 'Pull Request Author'),
      source: { repository: `${repository.workspace}/${repository.slug}`, branch: source, commit: repository.branches.get(source) ?? this.addBranch(fullName, source) },
      destination: { repository: `${repository.workspace}/${repository.slug}`, branch: destination, commit: repository.branches.get(destination) ?? this.addBranch(fullName, destination) },
    });
  }

  /** Keeps a new pull request: its comments, its commit link, its reviewers as participants. */
  recordPullRequest(
    repository: FakeRepository,
    fields: Pick<FakePullRequest, 'id' | 'title' | 'author' | 'source' | 'destination'> & Partial<Pick<FakePullRequest, 'description' | 'draft' | 'closeSourceBranch'>> & { reviewers?: FakeUser[] },
  ): FakePullRequest {
    const now = nowIso();
    const comments = repository.pullRequests.get(fields.id) ?? [];
    const pull: FakePullRequest = {
      id: fields.id,
      title: fields.title,
      description: fields.description ?? '',
      author: fields.author,
      source: { ...fields.source },
      destination: { ...fields.destination },
      state: 'OPEN',
      draft: fields.draft ?? false,
      closeSourceBranch: fields.closeSourceBranch ?? false,
      mergeCommit: null,
      closedBy: null,
      reason: '',
      createdOn: now,
      updatedOn: now,
      participants: (fields.reviewers ?? []).map((user) => ({ user, role: 'REVIEWER' as const, approved: false, state: null, participatedOn: null })),
      tasks: [],
      comments,
    };
    repository.pullRequests.set(pull.id, comments);
    repository.pulls.set(pull.id, pull);
    this.linkCommit(repository, pull.source.commit, pull.id);
    return pull;
  }

  /** What the Pull Request Commit Links app answers for a commit. */
  linkCommit(repository: FakeRepository, commit: string, id: number): void {
    const ids = repository.pullRequestsByCommit.get(commit) ?? [];
    if (!ids.includes(id)) ids.push(id);
    repository.pullRequestsByCommit.set(commit, ids);
  }

  /** Someone who acts in Bitbucket (comments, approves) but never calls the API: found by email, or added without credentials. */
  person(email: string, displayName?: string): FakeUser {
    return this.users.find((user) => user.email === email) ?? this.addUser({ email, ...(displayName !== undefined ? { displayName } : {}) });
  }

  /** The next number in a sequence of the world (comment ids, task ids, branch restriction ids). */
  nextId(sequence: 'comment' | 'task' | 'restriction'): number {
    const next = (this.sequences.get(sequence) ?? SEQUENCE_STARTS[sequence]) + 1;
    this.sequences.set(sequence, next);
    return next;
  }

  /** A build status as another tool (a CI, a scanner) writes it; Stackhook's own arrive over the API. */
  setBuildStatus(fullName: string, commit: string, seed: { key: string; state: 'INPROGRESS' | 'SUCCESSFUL' | 'FAILED' | 'STOPPED'; name?: string; description?: string; url?: string; refname?: string | null }): FakeStatus {
    const repository = this.repository(fullName) ?? this.addRepository(fullName);
    const statuses = repository.statuses.get(commit) ?? new Map<string, FakeStatus>();
    repository.statuses.set(commit, statuses);
    const now = nowIso();
    const existing = statuses.get(seed.key);
    const fields = {
      key: seed.key,
      state: seed.state,
      name: seed.name ?? seed.key,
      description: seed.description ?? '',
      url: seed.url ?? `https://ci.example.com/${encodeURIComponent(seed.key)}`,
      refname: seed.refname ?? null,
    };
    const status: FakeStatus = existing ? Object.assign(existing, fields, { updatedOn: now }) : { ...fields, createdOn: now, updatedOn: now, history: [] };
    status.history.push(seed.state);
    statuses.set(seed.key, status);
    return status;
  }

  /** A branch restriction as a repository admin sets it in Bitbucket's settings. */
  addBranchRestriction(
    fullName: string,
    seed: { kind: BranchRestrictionKind; pattern?: string; branchMatchKind?: 'glob' | 'branching_model'; branchType?: FakeBranchRestriction['branchType']; value?: number; users?: FakeUser[]; groups?: { slug: string; name: string }[] },
  ): FakeBranchRestriction {
    if (!(BRANCH_RESTRICTION_KINDS as readonly string[]).includes(seed.kind)) throw new Error(`Unknown branch restriction kind "${seed.kind}"; Bitbucket knows ${BRANCH_RESTRICTION_KINDS.join(', ')}.`);
    if (seed.value !== undefined && !VALUED_KINDS.has(seed.kind)) throw new Error(`A ${seed.kind} restriction has no value.`);
    const repository = this.repository(fullName) ?? this.addRepository(fullName);
    const branchMatchKind = seed.branchMatchKind ?? 'glob';
    const restriction: FakeBranchRestriction = {
      id: this.nextId('restriction'),
      kind: seed.kind,
      branchMatchKind,
      pattern: branchMatchKind === 'glob' ? (seed.pattern ?? '*') : '',
      branchType: branchMatchKind === 'branching_model' ? (seed.branchType ?? 'production') : null,
      value: seed.value ?? (VALUED_KINDS.has(seed.kind) ? 1 : null),
      users: [...(seed.users ?? [])],
      groups: [...(seed.groups ?? [])],
    };
    repository.branchRestrictions.push(restriction);
    return restriction;
  }

  /** A default reviewer of the repository (or, with `reviewerType: 'project'`, of its project). */
  addDefaultReviewer(fullName: string, user: FakeUser, reviewerType: 'repository' | 'project' = 'repository'): void {
    const repository = this.repository(fullName) ?? this.addRepository(fullName);
    if (!repository.defaultReviewers.some((reviewer) => reviewer.user === user)) repository.defaultReviewers.push({ user, reviewerType });
  }

  /** Smaller diffstat pages, a capped list, or a diffstat that times out (see DiffstatSettings). */
  limitDiffstat(fullName: string, settings: Partial<DiffstatSettings>): void {
    const repository = this.repository(fullName) ?? this.addRepository(fullName);
    repository.diffstat = { ...repository.diffstat, ...settings };
  }

  /** From now on, the repository's triggered custom pipelines execute their steps with bash (see PipelineRunner). */
  executePipelines(fullName: string, settings: Partial<PipelineExecutionSettings> = {}): PipelineExecutionSettings {
    const repository = this.repository(fullName) ?? this.addRepository(fullName);
    repository.pipelineExecution = { ...DEFAULT_EXECUTION, ...settings, env: { ...(settings.env ?? {}) }, path: [...(settings.path ?? [])] };
    return repository.pipelineExecution;
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
