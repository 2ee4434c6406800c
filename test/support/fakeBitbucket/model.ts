// The things the fake Bitbucket keeps beyond users and repositories: pull requests as Bitbucket keeps
// them (participants, approvals, comments by anyone, tasks), branch restrictions, default reviewers,
// Code Insights reports, and the settings of diffstats and of pipelines that execute. Types and
// defaults only, so every other module can import them without a cycle.
import type { GrowingLog } from './maskedLog';

export type Membership = 'admin' | 'member';
export type CredentialKind = 'api_token' | 'app_password';

export interface FakeCredential {
  secret: string;
  kind: CredentialKind;
  scopes: string[];
}

export interface FakeUser {
  email: string;
  nickname: string;
  displayName: string;
  /** Atlassian account id (`557058:…`): what Stackhook links its users to, with `uuid`. */
  accountId: string;
  uuid: string;
  credentials: FakeCredential[];
  workspaces: Map<string, Membership>;
}

export interface FakeComment {
  id: number;
  raw: string;
  author: FakeUser;
  createdOn: string;
  updatedOn: string;
  /** How many times it was edited after it was created. */
  edits: number;
  /** An inline comment's file and lines (`from` in the old file, `to` in the new one). */
  inline?: { path: string; from?: number; to?: number } | null;
  /** The comment this one replies to. */
  parentId?: number | null;
  /** Deleted comments stay in the list, empty and marked, as Bitbucket keeps them. */
  deleted?: boolean;
}

export type ParticipantRole = 'PARTICIPANT' | 'REVIEWER';
export type ParticipantState = 'approved' | 'changes_requested' | null;

export interface FakeParticipant {
  user: FakeUser;
  role: ParticipantRole;
  approved: boolean;
  state: ParticipantState;
  /** When they last approved, requested changes or commented; null for a reviewer who did nothing yet. */
  participatedOn: string | null;
}

export type TaskState = 'RESOLVED' | 'UNRESOLVED';

export interface FakeTask {
  id: number;
  raw: string;
  state: TaskState;
  creator: FakeUser;
  createdOn: string;
  updatedOn: string;
  resolvedOn: string | null;
  resolvedBy: FakeUser | null;
  /** The comment the task hangs on, if any. */
  commentId: number | null;
}

export type PullRequestState = 'OPEN' | 'MERGED' | 'DECLINED' | 'SUPERSEDED';

export interface FakePullRequestEnd {
  /** `workspace/slug`: a fork's for a source from a fork. */
  repository: string;
  branch: string;
  /** 40 hex. */
  commit: string;
}

export interface FakePullRequest {
  id: number;
  title: string;
  description: string;
  author: FakeUser;
  source: FakePullRequestEnd;
  destination: FakePullRequestEnd;
  state: PullRequestState;
  draft: boolean;
  closeSourceBranch: boolean;
  mergeCommit: string | null;
  closedBy: FakeUser | null;
  /** Why it was declined. */
  reason: string;
  createdOn: string;
  updatedOn: string;
  /** Reviewers first (as they were added), then whoever commented, approved or requested changes. */
  participants: FakeParticipant[];
  tasks: FakeTask[];
  /** The same array as the repository's `pullRequests.get(id)`. */
  comments: FakeComment[];
}

/** The `kind`s the OpenAPI document's branchrestriction schema lists. */
export const BRANCH_RESTRICTION_KINDS = [
  'push', 'delete', 'force', 'restrict_merges', 'require_tasks_to_be_completed', 'require_approvals_to_merge',
  'require_review_group_approvals_to_merge', 'require_default_reviewer_approvals_to_merge', 'require_no_changes_requested',
  'require_passing_builds_to_merge', 'require_commits_behind', 'reset_pullrequest_approvals_on_change',
  'smart_reset_pullrequest_approvals', 'reset_pullrequest_changes_requested_on_change', 'require_all_dependencies_merged',
  'enforce_merge_checks', 'allow_auto_merge_when_builds_pass', 'require_all_comments_resolved',
] as const;
export type BranchRestrictionKind = (typeof BRANCH_RESTRICTION_KINDS)[number];

/** Kinds whose `value` means something (a number of approvals, of passing builds, of commits behind). */
export const VALUED_KINDS: ReadonlySet<BranchRestrictionKind> = new Set([
  'require_approvals_to_merge', 'require_default_reviewer_approvals_to_merge', 'require_passing_builds_to_merge', 'require_commits_behind',
]);

export interface FakeBranchRestriction {
  id: number;
  kind: BranchRestrictionKind;
  branchMatchKind: 'glob' | 'branching_model';
  /** A glob for `glob`; empty for `branching_model`. */
  pattern: string;
  branchType: 'feature' | 'bugfix' | 'release' | 'hotfix' | 'development' | 'production' | null;
  value: number | null;
  users: FakeUser[];
  groups: { slug: string; name: string }[];
}

export interface FakeDefaultReviewer {
  user: FakeUser;
  /** Where the rule comes from: the repository's own list or its project's. */
  reviewerType: 'repository' | 'project';
}

export interface FakeAnnotation {
  uuid: string;
  externalId: string;
  /** The fields as written (annotation_type, summary, severity, path, line, …), checked. */
  fields: Record<string, unknown>;
  createdOn: string;
  updatedOn: string;
}

export interface FakeReport {
  uuid: string;
  externalId: string;
  /** The fields as written (title, details, report_type, result, data, …), checked. */
  fields: Record<string, unknown>;
  createdOn: string;
  updatedOn: string;
  annotations: FakeAnnotation[];
}

export interface DiffstatSettings {
  /** Bitbucket's diffstat pages hold 500 entries unless asked (paginated_diffstats in the OpenAPI document). */
  defaultPagelen: number;
  /** …and at most 5,000. A test lowers both to page through a small diff. */
  maxPagelen: number;
  /** A huge diff's list stops after this many files, silently (no `next`): what a client sees of a capped diff. */
  maxFiles: number | null;
  /** Generating a diffstat with more files than this times out: 555 with an error body, as the document declares. */
  timeoutAboveFiles: number | null;
}

export const DEFAULT_DIFFSTAT: DiffstatSettings = { defaultPagelen: 500, maxPagelen: 5_000, maxFiles: null, timeoutAboveFiles: null };

/** How a repository's pipelines execute when they do (see PipelineRunner). */
export interface PipelineExecutionSettings {
  /** Directories put in front of PATH in every step: where a test puts a stand-in `tofu` (no image is pulled). */
  path: string[];
  /** What one minute of Bitbucket's clock lasts here, in ms. 60,000 is real time; a test scales the 120-minute step limit down with it. */
  minuteMs: number;
  /** How long a triggered pipeline stays PENDING before its first step starts. */
  queueDelayMs: number;
  /** More environment for every step. The test process's own environment never reaches a step. */
  env: Record<string, string>;
}

export const DEFAULT_EXECUTION: PipelineExecutionSettings = { path: [], minuteMs: 60_000, queueDelayMs: 0, env: {} };

export type StepResult = 'SUCCESSFUL' | 'FAILED' | 'ERROR' | 'STOPPED' | 'NOT_RUN' | 'EXPIRED';

export interface FakeStepRun {
  uuid: string;
  name: string;
  script: string[];
  afterScript: string[];
  state: 'PENDING' | 'IN_PROGRESS' | 'COMPLETED';
  result: StepResult | null;
  startedAt: number | null;
  completedAt: number | null;
  /** Bitbucket's default is 120 minutes (`max-time` in the step or in `options`). */
  maxTimeMinutes: number;
  /** `oidc: true`, or the audiences asked for with `oidc: {audiences: […]}`. */
  oidc: boolean | string[];
  deployment: string | null;
  /** Why the fake cannot run the step (a `pipe:`), written to its log; the step then ends in ERROR. */
  unsupported: string | null;
  /** What the step printed, secured values masked; grows while the step runs. */
  log: GrowingLog;
}

export interface PipelineExecution {
  state: 'PENDING' | 'IN_PROGRESS' | 'COMPLETED';
  result: 'SUCCESSFUL' | 'FAILED' | 'ERROR' | 'STOPPED' | null;
  startedAt: number | null;
  completedAt: number | null;
  steps: FakeStepRun[];
  /** Why the pipeline could not run at all (no configuration, a checkout that failed). */
  error: string | null;
}

export type CommitLinksState = 'installed' | 'indexing' | 'not-installed';

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
  /** Set when the repository executes its pipelines (PipelineRunner): the steps as they really ran. */
  execution: PipelineExecution | null;
  /** Who triggered it. */
  creator: FakeUser | null;
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
  /** Commit → key → status: Stackhook's and other tools' (World.setBuildStatus). */
  statuses: Map<string, Map<string, FakeStatus>>;
  /** Pull request id → its comments (the same arrays as `pulls.get(id).comments`). */
  pullRequests: Map<number, FakeComment[]>;
  /** Pull request id → the pull request as Bitbucket keeps it (PullRequestStore changes it). */
  pulls: Map<number, FakePullRequest>;
  /** Commit → its Code Insights reports, in the order they were first written. */
  reports: Map<string, FakeReport[]>;
  branchRestrictions: FakeBranchRestriction[];
  /** The effective default reviewers (the repository's and its project's). */
  defaultReviewers: FakeDefaultReviewer[];
  diffstat: DiffstatSettings;
  /** Null: pipelines pretend (`pipelineScript`). Set: they execute (see PipelineRunner). */
  pipelineExecution: PipelineExecutionSettings | null;
}

export const nowIso = () => new Date().toISOString();
