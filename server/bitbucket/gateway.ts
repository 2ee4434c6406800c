// What the registry needs from Bitbucket Cloud, so rules can be tested without it and the real
// client (axios + zod) stays behind one seam.
import type {
  Branch,
  CommitLinks,
  CredentialTest,
  CredentialType,
  Repository,
  WebhookChange,
  WebhookHealth,
  WebhookRemoval,
  WorkspaceWebhookChange,
  WorkspaceWebhookHealth,
  WorkspaceWebhookRemoval,
} from '../protocol';

export interface BitbucketCredential {
  username: string;
  secret: string;
  credentialType: CredentialType;
}

/** What a webhook should look like for one integration (R14, R17). */
export interface WebhookTarget {
  url: string;
  secret: string | null;
}

/** A custom pipeline to run on a commit, with the variables that tell it which run it is. */
export interface PipelineTrigger {
  branch: string;
  commit: string;
  /** The key under `pipelines.custom` in bitbucket-pipelines.yml. */
  pipeline: string;
  variables: Record<string, string>;
  /** Variables Bitbucket keeps secured (masked in logs, never shown by its API): a run's token, secret stack variables. */
  secured?: Record<string, string> | undefined;
}

/** One step of a pipeline as it stands: how the run shows its progress and reads its log. */
export interface PipelineStepProgress {
  uuid: string;
  name: string | null;
  state: 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | string;
  result: string | null;
  startedOn: string | null;
  completedOn: string | null;
}

/** What a ranged read of a step's log gave: the new text, and the byte offset to read on from. */
export interface StepLogChunk {
  text: string;
  nextOffset: number;
}

export interface PipelineProgress {
  uuid: string;
  buildNumber: number | null;
  state: 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | string;
  /** SUCCESSFUL, FAILED, ERROR, STOPPED, EXPIRED: set once completed. */
  result: string | null;
  /** The repository's uuid, where Bitbucket's answer names it (a step's OIDC token carries it). */
  repositoryUuid?: string | null | undefined;
}

export type BuildState = 'INPROGRESS' | 'SUCCESSFUL' | 'FAILED' | 'STOPPED';

/** What a run tells Bitbucket about itself on its commit. */
export interface BuildStatus {
  /** At most 40 characters, unique per stack and run kind. */
  key: string;
  state: BuildState;
  name: string;
  description: string;
  url: string;
}

/** What a diffstat compares: one commit with its first parent, or `source..destination` (Bitbucket's order). */
export interface DiffSpec {
  source: string;
  /** Null: the source's first parent. A commit or a branch name. */
  destination: string | null;
  /** From the merge base of the two (a pull request, a new branch) rather than a plain two-way diff (a push). */
  topic: boolean;
}

/** The paths a diff touched, or that it touched too many to list: read up to a limit, never guessed. */
export type ChangedPaths =
  | { kind: 'read'; paths: string[]; pages: number }
  | { kind: 'too-large'; files: number; more: boolean; pages: number };
/** A Code Insights report as Stackhook writes it (Bitbucket's `report` fields, server/bitbucket/insights.ts). */
export interface InsightsReport {
  title: string;
  details: string;
  reporter: string;
  result: 'PASSED' | 'FAILED' | 'PENDING';
  link: string;
  data: InsightsDatum[];
}

export type InsightsDatum =
  | { title: string; type: 'NUMBER' | 'DURATION'; value: number }
  | { title: string; type: 'TEXT'; value: string }
  | { title: string; type: 'BOOLEAN'; value: boolean }
  | { title: string; type: 'LINK'; value: { text: string; href: string } };

/** One annotation (Bitbucket's `report_annotation`): a line of a file, or the report when it has no path. */
export interface InsightsAnnotation {
  externalId: string;
  summary: string;
  details?: string;
  severity: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';
  annotationType: 'BUG' | 'CODE_SMELL' | 'VULNERABILITY';
  path?: string;
  line?: number;
  link?: string;
}

export interface CallContext {
  signal?: AbortSignal | undefined;
  /** Reports progress of long work: `done` of `total` items, with a short message. */
  progress?: ((done: number, total: number, message: string) => void) | undefined;
}

export interface WebhookOptions {
  /** Send the webhook secret even to hooks that already have one (after it was regenerated). */
  resendSecret?: boolean | undefined;
}

export interface BitbucketGateway {
  /** Never throws for a Bitbucket refusal: the result says what is wrong (`ok: false`, `problem`). */
  testCredential(credential: BitbucketCredential, context: CallContext): Promise<CredentialTest>;
  /** R10: throws a `Bitbucket` error when the credential cannot see the repository. */
  getRepository(credential: BitbucketCredential, fullName: string, context: CallContext): Promise<Repository>;
  listRepositories(credential: BitbucketCredential, workspace: string | undefined, context: CallContext): Promise<Repository[]>;
  /** The branch of that name, or null when Bitbucket answers 404 (check the repository first to tell the two apart). */
  getBranch(credential: BitbucketCredential, fullName: string, name: string, context: CallContext): Promise<Branch | null>;
  listBranches(credential: BitbucketCredential, fullName: string, context: CallContext): Promise<Branch[]>;
  webhookStatus(credential: BitbucketCredential, repositories: string[], target: WebhookTarget, context: CallContext): Promise<WebhookHealth[]>;
  configureWebhooks(
    credential: BitbucketCredential,
    repositories: string[],
    target: WebhookTarget,
    context: CallContext,
    options?: WebhookOptions,
  ): Promise<WebhookChange[]>;
  removeWebhooks(credential: BitbucketCredential, repositories: string[], target: WebhookTarget, context: CallContext): Promise<WebhookRemoval[]>;
  /** Workspace-level hooks: one hook for every repository of the workspace (needs workspace admin). */
  workspaceWebhookStatus(credential: BitbucketCredential, workspace: string, target: WebhookTarget, context: CallContext): Promise<WorkspaceWebhookHealth>;
  configureWorkspaceWebhook(
    credential: BitbucketCredential,
    workspace: string,
    target: WebhookTarget,
    context: CallContext,
    options?: WebhookOptions,
  ): Promise<WorkspaceWebhookChange>;
  removeWorkspaceWebhook(credential: BitbucketCredential, workspace: string, target: WebhookTarget, context: CallContext): Promise<WorkspaceWebhookRemoval>;
  /** Pull Request Commit Links app check: 200 ok, 202 still indexing, 404 not installed. */
  commitLinks(credential: BitbucketCredential, fullName: string, commit: string, context: CallContext): Promise<CommitLinks>;
  /** The repository's https clone URL (`links.clone`), for the local runner's git. */
  cloneUrl(credential: BitbucketCredential, fullName: string, context: CallContext): Promise<string>;
  /** A file's text at a commit; null when the commit has no such file. */
  readSourceFile(credential: BitbucketCredential, fullName: string, commit: string, file: string, context: CallContext): Promise<string | null>;
  triggerPipeline(credential: BitbucketCredential, fullName: string, trigger: PipelineTrigger, context: CallContext): Promise<PipelineProgress>;
  getPipeline(credential: BitbucketCredential, fullName: string, uuid: string, context: CallContext): Promise<PipelineProgress>;
  /** The pipeline a trigger whose answer was lost started, if it did start one. */
  findTriggeredPipeline(credential: BitbucketCredential, fullName: string, trigger: PipelineTrigger, context: CallContext): Promise<PipelineProgress | null>;
  stopPipeline(credential: BitbucketCredential, fullName: string, uuid: string, context: CallContext): Promise<void>;
  pipelineLog(credential: BitbucketCredential, fullName: string, uuid: string, maxBytes: number, context: CallContext): Promise<string>;
  /** The pipeline's steps as they stand. */
  pipelineSteps(credential: BitbucketCredential, fullName: string, uuid: string, context: CallContext): Promise<PipelineStepProgress[]>;
  /** A step's log from byte `offset` on (HTTP Range), at most `maxBytes` of it; nothing new is an empty text. */
  stepLog(credential: BitbucketCredential, fullName: string, uuid: string, stepUuid: string, offset: number, maxBytes: number, context: CallContext): Promise<StepLogChunk>;
  writeBuildStatus(credential: BitbucketCredential, fullName: string, commit: string, status: BuildStatus, isNew: boolean, context: CallContext): Promise<void>;
  /** The paths a diff touched, reading at most `maxFiles` entries (paged). Throws when Bitbucket cannot say. */
  changedPaths(credential: BitbucketCredential, fullName: string, diff: DiffSpec, maxFiles: number, context: CallContext): Promise<ChangedPaths>;
  /** Replies to comment `parentId` (R24: what a `/stackhook` command says back); returns the reply's id. */
  replyToPullRequestComment(credential: BitbucketCredential, fullName: string, pullRequestId: number, parentId: number, markdown: string, context: CallContext): Promise<number>;
  /** Creates or replaces the report's fields (its annotations stay until deleted). */
  putInsightsReport(credential: BitbucketCredential, fullName: string, commit: string, reportId: string, report: InsightsReport, context: CallContext): Promise<void>;
  /** Deletes the report and its annotations; a report that is not there is not an error. */
  deleteInsightsReport(credential: BitbucketCredential, fullName: string, commit: string, reportId: string, context: CallContext): Promise<void>;
  /** Adds up to 100 annotations in one request (Bitbucket's limit), upserted by external id. */
  postInsightsAnnotations(credential: BitbucketCredential, fullName: string, commit: string, reportId: string, annotations: readonly InsightsAnnotation[], context: CallContext): Promise<void>;
  /** Creates the comment or edits `commentId`; returns the comment's id. */
  writePullRequestComment(
    credential: BitbucketCredential,
    fullName: string,
    pullRequestId: number,
    markdown: string,
    commentId: number | null,
    context: CallContext,
  ): Promise<number>;
}
