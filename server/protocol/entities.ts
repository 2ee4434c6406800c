// The shapes that cross the wire, as zod schemas. Both the server and the extension import these;
// the server parses every incoming params object with them before acting.
import * as z from 'zod';
import { PlanCounts } from './plan';
import { DriftSchedule, Reconcile, StackDrift } from './drift';
import { RunPolicy } from './policies';

export const MAX_NAME = 100;
export const MAX_LABELS = 50;
export const MAX_LABEL = 64;
export const MAX_DESCRIPTION = 10_000;
export const MAX_USERNAME = 256;
export const MAX_SECRET = 1_024;
export const MAX_REPOSITORIES_PER_REQUEST = 5_000;

/**
 * Control characters (NUL, newlines, ANSI escapes start with ESC), bidi overrides and isolates, and
 * line or paragraph separators: a name holding one could forge a log line or show other text than it is.
 */
// eslint-disable-next-line no-control-regex
export const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_MESSAGE = 'must not hold control characters (newlines, tabs, NUL, ANSI escapes) or bidirectional overrides';
const safeText = (schema: z.ZodString) => schema.refine((text) => !UNSAFE_TEXT.test(text), UNSAFE_MESSAGE);

export const Name = safeText(z.string().trim().min(1, 'must not be empty').max(MAX_NAME));
export const Id = safeText(z.string().min(1).max(MAX_NAME + 20));

export const Role = z.enum(['read', 'write', 'admin']);
export type Role = z.infer<typeof Role>;

export const IntegrationType = z.enum(['default', 'space']);
export type IntegrationType = z.infer<typeof IntegrationType>;

/** App passwords are kept only to recognise them: Bitbucket removed them on 2026-07-28. */
export const CredentialType = z.enum(['api_token', 'app_password']);
export type CredentialType = z.infer<typeof CredentialType>;

export const Label = safeText(z.string().trim().min(1).max(MAX_LABEL));
export const Labels = z.array(Label).max(MAX_LABELS);
export const Description = z.string().max(MAX_DESCRIPTION);
export const Username = safeText(z.string().trim().min(1, 'must not be empty').max(MAX_USERNAME));
export const Secret = z.string().min(1, 'must not be empty').max(MAX_SECRET);

/** `workspace/slug`, as Bitbucket spells a repository's full name. */
export const RepositoryFullName = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must look like workspace/repository')
  // Bitbucket's slugs are never `.` or `..`; as path segments they would leave the repository's URL.
  .refine((name) => name.split('/').every((segment) => segment !== '.' && segment !== '..'), 'must not have "." or ".." as the workspace or repository');
/** A workspace's slug, as it appears in Bitbucket's URLs. */
export const WorkspaceSlug = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.-]+$/, 'must be a workspace slug')
  .refine((slug) => slug !== '.' && slug !== '..', 'must be a workspace slug');
/** A branch name as Git allows it (the `Branch` entity below is a branch with its head commit). */
export const BranchName = z.string().trim().min(1).max(255).regex(/^[^\s~^:?*[\\]+$/, 'is not a valid branch name');
export const ProjectRoot = z.string().max(1_024);
/** Globs relative to the repository root; the server checks each (server/registry/triggerPaths.ts). */
export const TriggerPaths = z.array(z.string().min(1).max(300)).min(1).max(50);

export const Space = z.object({
  id: Id,
  name: z.string(),
  parentId: Id.nullable(),
  inheritEntities: z.boolean(),
});
export type Space = z.infer<typeof Space>;

export const IntegrationSummary = z.object({
  id: Id,
  name: z.string(),
  type: IntegrationType,
  spaceId: Id,
  labels: z.array(z.string()),
  detailsVisible: z.boolean(),
  /** Bitbucket refused the integration's credential (why, and when), until a check with it succeeds. */
  credentialRefused: z.object({ reason: z.string(), at: z.string() }).optional(),
});
export type IntegrationSummary = z.infer<typeof IntegrationSummary>;

export const IntegrationDetails = IntegrationSummary.extend({
  username: z.string(),
  credentialType: CredentialType,
  description: z.string(),
  webhookUrl: z.string(),
  /** Why Bitbucket cannot deliver to webhookUrl (loopback, private, plain http), when it cannot. */
  webhookUrlProblem: z.string().optional(),
  webhookSecretSet: z.boolean(),
  createdAt: z.string(),
  /** Stacks detached from an integration of this name that could be reattached in one step (R13). */
  reattachableStackIds: z.array(Id),
});
export type IntegrationDetails = z.infer<typeof IntegrationDetails>;

export const StackState = z.enum(['attached', 'detached']);
/** A run's command as argv (never a shell string): the program, then its arguments. */
export const Command = z.array(z.string().min(1).max(4_096)).min(1, 'needs at least the program to run').max(200);
export const PipelineName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100)
  .regex(/^[A-Za-z0-9_.-]+$/, 'may hold only letters, digits, ".", "_" and "-" (a key under pipelines.custom)');
/**
 * Bitbucket Pipelines runs the stack: `pipeline` plans (and sends the plan back), `applyPipeline`
 * (default `<pipeline>-apply`) applies the confirmed plan file; `passSecrets` passes the stack's
 * secret variables as secured pipeline variables (otherwise they belong in Bitbucket's own variables).
 */
export const PipelinesRunner = z.object({ type: z.literal('pipelines'), pipeline: PipelineName, applyPipeline: PipelineName.optional(), passSecrets: z.boolean().optional() });
/** The custom pipeline that applies a `pipelines` runner's confirmed plan. */
export const applyPipelineOf = (runner: { pipeline: string; applyPipeline?: string | undefined }): string => runner.applyPipeline ?? `${runner.pipeline}-apply`;
/** What a local runner runs: OpenTofu or Terraform, driven by Stackhook (init, plan to a file, apply that file), or the stack's own argv commands. */
export const RunnerTool = z.enum(['opentofu', 'terraform', 'custom']);
export type RunnerTool = z.infer<typeof RunnerTool>;
/** A program to run: a name looked up on the run's PATH, or a path (relative ones from the project root). */
export const ProgramName = z.string().trim().min(1, 'must not be empty').max(1_024).refine((text) => !UNSAFE_TEXT.test(text), UNSAFE_MESSAGE);
/** A Terraform workspace name, as the tools allow them. */
export const TerraformWorkspace = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(90)
  .regex(/^[A-Za-z0-9_-]+$/, 'may hold only letters, digits, "_" and "-"');
/** A var file, relative to the project root and inside it. */
export const VarFile = z
  .string()
  .min(1)
  .max(1_024)
  .refine((file) => !file.startsWith('/') && !file.split(/[\\/]/).includes('..'), 'must be a path under the project root (no leading "/", no "..")')
  .refine((text) => !UNSAFE_TEXT.test(text), UNSAFE_MESSAGE);
export const MAX_VAR_FILES = 20;
export const MAX_EXTRA_ARGS = 50;
/**
 * `tool` absent is `custom`: a runner stored before tools existed runs its argv `plan`/`apply` as it
 * always did. `opentofu` and `terraform` take `program` (default `tofu`, `terraform`), `workspace`,
 * `varFiles` and `extraArgs` (for plan) and no commands; `custom` takes `plan` and `apply` and nothing else.
 */
export const LocalRunner = z
  .object({
    type: z.literal('local'),
    tool: RunnerTool.optional(),
    program: ProgramName.optional(),
    workspace: TerraformWorkspace.optional(),
    varFiles: z.array(VarFile).max(MAX_VAR_FILES).optional(),
    extraArgs: z.array(z.string().min(1).max(4_096)).max(MAX_EXTRA_ARGS).optional(),
    plan: Command.optional(),
    apply: Command.nullable().optional(),
  })
  .superRefine((runner, context) => {
    const tool = runner.tool ?? 'custom';
    if (tool === 'custom') {
      if (runner.plan === undefined) context.addIssue({ code: 'custom', path: ['plan'], message: 'a custom local runner needs its plan command' });
      if (runner.apply === undefined) context.addIssue({ code: 'custom', path: ['apply'], message: 'a custom local runner needs its apply command (null to only plan)' });
      for (const field of ['program', 'workspace', 'varFiles', 'extraArgs'] as const) {
        if (runner[field] !== undefined) context.addIssue({ code: 'custom', path: [field], message: `is for the opentofu and terraform tools; a custom runner runs its plan and apply commands as given` });
      }
    } else {
      for (const field of ['plan', 'apply'] as const) {
        if (runner[field] !== undefined) context.addIssue({ code: 'custom', path: [field], message: `is for a custom runner; ${tool} runs init, plan to a file and apply of that file itself (add arguments with extraArgs)` });
      }
    }
  });
export type LocalRunner = z.infer<typeof LocalRunner>;
/** A local runner's tool: `custom` when it names none (stored before tools existed). */
export const localToolOf = (runner: LocalRunner): RunnerTool => runner.tool ?? 'custom';
/** The program a tool runs when the runner names none. */
export const DEFAULT_TOOL_PROGRAM: Record<Exclude<RunnerTool, 'custom'>, string> = { opentofu: 'tofu', terraform: 'terraform' };
export const Runner = z.discriminatedUnion('type', [PipelinesRunner, LocalRunner]);
export type Runner = z.infer<typeof Runner>;
/** The runner kinds, read off the union: a new kind is a new member of Runner, and nothing else here. */
export const RunnerType = z.enum(Runner.options.map((option) => option.shape.type.value) as [Runner['type'], ...Runner['type'][]]);
export const DEFAULT_PIPELINE = 'stackhook';
export const DEFAULT_RUNNER: Runner = { type: 'pipelines', pipeline: DEFAULT_PIPELINE };
export const DEFAULT_PLAN_COMMAND = ['tofu', 'plan', '-input=false', '-no-color'];

/** `drift`: a refresh-only plan against the real infrastructure, never applied (R26). */
export const RunKind = z.enum(['tracked', 'proposed', 'drift']);
/** `schedule`: a drift check its stack's schedule started; `drift`: a tracked run a drifted check queued to reconcile (R28). */
export const RunTrigger = z.enum(['manual', 'push', 'pullrequest', 'schedule', 'drift']);
export const RunState = z.enum(['queued', 'preparing', 'running', 'unconfirmed', 'applying', 'finished', 'failed', 'stopped', 'discarded']);
export type RunState = z.infer<typeof RunState>;
export const FINAL_RUN_STATES: readonly RunState[] = ['finished', 'failed', 'stopped', 'discarded'];
/** What became of a build status or a pull request comment for a run; `pending` until the run reports. */
export const ReportOutcome = z.enum(['pending', 'posted', 'failed', 'skipped']);
export const RunReports = z.object({
  status: ReportOutcome,
  comment: ReportOutcome,
  /** Why the status or comment failed (or was skipped), for a person. */
  statusReason: z.string().optional(),
  commentReason: z.string().optional(),
  /** The Code Insights report on the commit; absent for runs that put none (no plan to report). */
  insights: ReportOutcome.optional(),
  insightsReason: z.string().optional(),
});
export type RunReports = z.infer<typeof RunReports>;
/** A run as it is queued: what a delivery or a request records at once, before anything runs. */
export const QueuedRun = z.object({
  id: z.string(),
  stackId: Id,
  kind: RunKind,
  trigger: RunTrigger,
  branch: z.string(),
  commit: z.string().nullable(),
  deliveryId: z.string().nullable(),
  createdAt: z.string(),
  /** The pull request that proposed the run, when a pull request did. */
  pullRequestId: z.number().int().nullable().optional(),
  /** Who triggered it by hand (a trigger or a retry): they may not acknowledge its plan's denied policy. */
  triggeredBy: z.string().max(256).optional(),
});
export type QueuedRun = z.infer<typeof QueuedRun>;

/** A run as it stands: the queued record and everything that happened to it since. */
export const Run = QueuedRun.extend({
  pullRequestId: z.number().int().nullable(),
  state: RunState,
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  /** The plan line (`Plan: 1 to add, …`, `No changes.`) or the failure, in one line. */
  summary: z.string().nullable(),
  /** The pipeline's page for `pipelines` runs. */
  externalUrl: z.string().nullable(),
  runner: RunnerType.nullable(),
  reports: RunReports,
  /**
   * What an OpenTofu or Terraform run's plan does, counted (null until a structured plan is read, and
   * for other runs). Read as null from a server that predates it.
   */
  plan: PlanCounts.nullable().default(null),
  /** Where a run on Bitbucket Pipelines is: its pipeline's steps by name and state (`Plan: running`), while it runs. */
  progress: z.string().max(300).nullable().optional(),
  /** The tool's version (`OpenTofu v1.9.0`), as `<program> version` printed it, for runs of a tool. */
  toolVersion: z.string().max(200).nullable().optional(),
  /**
   * What the plan policies said of the run's structured plan (docs/design.md §4, R31): a deny holds
   * the run unconfirmed until an admin acknowledges it. Null or absent when no structured plan was evaluated.
   */
  policy: RunPolicy.nullable().optional(),
});
export type Run = z.infer<typeof Run>;

export const Stack = z.object({
  id: Id,
  name: z.string(),
  spaceId: Id,
  integrationId: Id.nullable(),
  detachedFrom: Id.nullable(),
  repository: z.string(),
  branch: z.string(),
  projectRoot: z.string(),
  state: StackState,
  runner: Runner,
  autodeploy: z.boolean(),
  allowForks: z.boolean(),
  /** The globs whose changes start its runs: its own, or everything under the project root (absent from servers before R23). */
  triggerPaths: z.array(z.string()).optional(),
  lastRun: Run.nullable(),
  // Always sent by this server; optional so a client reads an older server's stacks too.
  /** When drift checks run (R26); null: only when asked. */
  driftSchedule: DriftSchedule.nullable().optional(),
  reconcile: Reconcile.optional(),
  /** What the last drift check found; null before the first. */
  drift: StackDrift.nullable().optional(),
});
export type Stack = z.infer<typeof Stack>;

export const RunLog = z.object({ text: z.string(), nextOffset: z.number().int().nonnegative(), complete: z.boolean() });
export type RunLog = z.infer<typeof RunLog>;
export const RunnerProblem = z.object({ problem: z.string(), message: z.string(), fix: z.string().optional() });
export const RunnerCheck = z.object({ ok: z.boolean(), problems: z.array(RunnerProblem) });
export type RunnerCheck = z.infer<typeof RunnerCheck>;

export const DeliveryVerdict = z.enum([
  'queued',
  'ignored',
  'unknown-integration',
  'deleted-integration',
  'bad-signature',
  'invalid',
  'duplicate',
]);
export type DeliveryVerdict = z.infer<typeof DeliveryVerdict>;

/**
 * The headers of a delivery Stackhook keeps with it, as Bitbucket named them: none carries a secret,
 * and the signature is kept only as `present` or `absent`, never its value. The body is never kept.
 */
export const DeliveryRecordedHeaders = z.object({
  'X-Event-Key': z.string().max(200).optional(),
  'X-Hook-UUID': z.string().max(200).optional(),
  'X-Request-UUID': z.string().max(200).optional(),
  'X-Attempt-Number': z.string().max(200).optional(),
  'User-Agent': z.string().max(200).optional(),
  'Content-Type': z.string().max(200).optional(),
  'X-Hub-Signature': z.enum(['present', 'absent']),
});
export type DeliveryRecordedHeaders = z.infer<typeof DeliveryRecordedHeaders>;

export const Delivery = z.object({
  id: z.string(),
  integrationId: z.string(),
  eventKey: z.string(),
  repository: z.string().nullable(),
  verdict: DeliveryVerdict,
  /** What the verdict means for a person: "tracked run on prod-network", "tag push ignored", … */
  reason: z.string(),
  status: z.number().int(),
  stackIds: z.array(Id),
  receivedAt: z.string(),
  /** Absent on deliveries recorded before headers were kept. */
  headers: DeliveryRecordedHeaders.optional(),
});
export type Delivery = z.infer<typeof Delivery>;

export const CredentialProblem = z.enum([
  'unauthorized',
  'missing-scope',
  /** 403 without a scope to blame: the account lacks a permission (admin on the repository). */
  'forbidden',
  /** Another 4xx: Bitbucket refused what was sent (e.g. a webhook URL it will not call). */
  'rejected',
  'not-found',
  'gone',
  'rate-limited',
  'server-error',
  'network',
  'timeout',
  'invalid-response',
  'app-password-retired',
]);
export type CredentialProblem = z.infer<typeof CredentialProblem>;

export const CredentialTest = z.object({
  ok: z.boolean(),
  user: z.object({ displayName: z.string(), accountId: z.string().nullable(), nickname: z.string().nullable() }).optional(),
  workspaces: z.array(z.object({ slug: z.string(), name: z.string(), administrator: z.boolean() })).optional(),
  scopes: z.array(z.string()).optional(),
  problem: z.object({ code: CredentialProblem, message: z.string(), needsNewCredential: z.boolean().optional(), unreachable: z.boolean().optional() }).optional(),
  curl: z.string(),
  /** Scopes Stackhook needs that the token lacks, when Bitbucket says which it has (`X-OAuth-Scopes`). */
  missingScopes: z.array(z.string()).optional(),
});
export type CredentialTest = z.infer<typeof CredentialTest>;

export const Repository = z.object({
  fullName: z.string(),
  workspace: z.string(),
  slug: z.string(),
  isPrivate: z.boolean(),
  mainBranch: z.string().nullable(),
});
export type Repository = z.infer<typeof Repository>;

export const WebhookState = z.enum(['ok', 'missing', 'drifted', 'forbidden', 'error']);
export const WebhookHealth = z.object({
  repository: z.string(),
  state: WebhookState,
  problems: z.array(z.string()),
  /** Configure would fix it (a missing or drifted hook); forbidden and failed checks it would not. */
  repairable: z.boolean().optional(),
});
export type WebhookHealth = z.infer<typeof WebhookHealth>;

export const WebhookChange = z.object({
  repository: z.string(),
  action: z.enum(['created', 'updated', 'unchanged', 'failed']),
  error: z.string().optional(),
});
export type WebhookChange = z.infer<typeof WebhookChange>;

export const WebhookRemoval = z.object({
  repository: z.string(),
  action: z.enum(['removed', 'absent', 'failed']),
  error: z.string().optional(),
});
export type WebhookRemoval = z.infer<typeof WebhookRemoval>;

export const ChangeTopic = z.enum(['integrations', 'stacks', 'runs', 'deliveries', 'webhooks', 'spaces', 'policies']);
export type ChangeTopic = z.infer<typeof ChangeTopic>;

export const ServerStatus = z.object({
  version: z.string(),
  storePath: z.string(),
  user: z.string(),
  listener: z.object({ url: z.string().nullable(), state: z.enum(['off', 'listening', 'elsewhere', 'failed']), message: z.string().optional() }),
  publicUrl: z.string(),
  /** Why Bitbucket cannot deliver to webhook URLs under publicUrl (loopback, private, plain http), when it cannot. */
  publicUrlProblem: z.string().optional(),
  /** Set only by the demo's start-up (`STACKHOOK_DEMO=1 npm start`): the simulated Bitbucket the demo commands act on. */
  demo: z.object({ bitbucket: z.string() }).optional(),
  /** false on a team server started without --local-runner: stacks there cannot run "On this machine". */
  localRunner: z.boolean().optional(),
  counts: z.object({ integrations: z.number().int(), stacks: z.number().int(), detachedStacks: z.number().int(), driftedStacks: z.number().int().optional() }),
});
export type ServerStatus = z.infer<typeof ServerStatus>;

/** Pull Request Commit Links app check: `not-installed` comes with how to install it. */
export const CommitLinks = z.object({
  repository: z.string(),
  commit: z.string(),
  state: z.enum(['ok', 'indexing', 'not-installed']),
  pullRequestIds: z.array(z.number().int()),
  message: z.string(),
});
export type CommitLinks = z.infer<typeof CommitLinks>;

/** A workspace-level webhook (`/workspaces/{ws}/hooks`): one hook for every repository of the workspace. */
export const WorkspaceWebhookHealth = z.object({ workspace: z.string(), state: WebhookState, problems: z.array(z.string()) });
export type WorkspaceWebhookHealth = z.infer<typeof WorkspaceWebhookHealth>;
export const WorkspaceWebhookChange = z.object({
  workspace: z.string(),
  action: z.enum(['created', 'updated', 'unchanged', 'failed']),
  error: z.string().optional(),
});
export type WorkspaceWebhookChange = z.infer<typeof WorkspaceWebhookChange>;
export const WorkspaceWebhookRemoval = z.object({
  workspace: z.string(),
  action: z.enum(['removed', 'absent', 'failed']),
  error: z.string().optional(),
});
export type WorkspaceWebhookRemoval = z.infer<typeof WorkspaceWebhookRemoval>;

/** A branch of a repository, as Bitbucket has it: its name and head commit. */
export const Branch = z.object({ name: z.string(), commit: z.string() });
export type Branch = z.infer<typeof Branch>;

/** A repository whose webhook an integration must keep: attached stacks of that integration use it. */
export const ExpectedWebhook = z.object({
  integrationId: Id,
  repository: z.string(),
  stacks: z.array(z.object({ id: Id, name: z.string() })),
});
export type ExpectedWebhook = z.infer<typeof ExpectedWebhook>;

/** What `POST /rpc/redeem` answers for an invitation (redeem.ts): the personal token, shown in this answer only. */
export const InvitationRedeemed = z.object({
  user: z.string(),
  tokenId: z.string(),
  /** The personal token (`shk_…`), shown in this answer only. */
  token: z.string(),
  expiresAt: z.string(),
});
export type InvitationRedeemed = z.infer<typeof InvitationRedeemed>;
