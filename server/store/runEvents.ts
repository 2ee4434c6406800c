// A line of the run-events log, as both store engines keep it: one change to one run. What the lines
// mean when they are folded into runs, and which of them count, is runs/runEvent.ts's.
import * as z from 'zod';
import { DriftResult, PlanCounts, RunPolicy, RunReports, RunState, RunnerType } from '../protocol';

/** Lines kept before the log rotates (the file engine) or is pruned (PostgreSQL). */
export const RUN_EVENTS_SIZE = 200_000;

/** Confirm, Discard and Cancel: whichever the log holds first decides (the others are refused). */
export const DecisionKind = z.enum(['confirm', 'discard', 'cancel']);
export type DecisionKind = z.infer<typeof DecisionKind>;

export const RunEvent = z.object({
  runId: z.string(),
  at: z.string(),
  /** Names this event, so the process that appended it can tell from the fold whether it counted. */
  eid: z.string().optional(),
  /**
   * The claim the writer holds on the run. An owner's change counts only while it is the run's
   * current claim: one whose run was taken over (a paused or partitioned process waking up) changes nothing.
   * Lines of older servers have none, and count as they did.
   */
  fence: z.number().int().nonnegative().optional(),
  state: RunState.optional(),
  commit: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  summary: z.string().optional(),
  externalUrl: z.string().optional(),
  runner: RunnerType.optional(),
  reports: RunReports.partial().optional(),
  /** What the run's plan does, counted, once its structured plan was read (the rows are kept apart: RunPlans). */
  plan: PlanCounts.optional(),
  /** A pipeline's steps by name and state, as the run's progress ("" once there is none to show). */
  progress: z.string().max(300).optional(),
  /** The tool's version line, for runs of OpenTofu or Terraform. */
  toolVersion: z.string().max(200).optional(),
  /** The plan policies' verdict and findings for the run's plan; with `acknowledged` once an admin let a deny through. */
  policy: RunPolicy.optional(),
  /** An admin (`by`) lets a run a policy denies be confirmed, saying why; counts once, while the run waits (R31). */
  acknowledge: z.object({ reason: z.string().max(1_000) }).optional(),
  /** A claim: the process that executes the run from here (`host:pid:start`), with `fence` one above the run's last. */
  owner: z.string().optional(),
  /** Before a process starts anything (a plan, an apply, a pipeline): counts only for the run's current claim. */
  step: z.string().optional(),
  /** The pipeline a `pipelines` run follows: how a restarted server picks it up again. */
  pipelineUuid: z.string().optional(),
  /**
   * A `pipelines` run's callbacks from here on: the SHA-256 of the run token its pipeline was given
   * (never the token), the phase it is for (a plan coming back, or the plan file fetched to apply),
   * and the repository's uuid (an OIDC step token's claim). Replaced for the apply; void once the run ends.
   */
  callback: z.object({ tokenHash: z.string().regex(/^[0-9a-f]{64}$/), phase: z.enum(['plan', 'apply']), repositoryUuid: z.string().max(100).nullable() }).optional(),
  /** The process group of the command a local run is running, so a restarted server can end it. */
  processGroup: z.number().int().optional(),
  /** The build status exists on the commit, so later changes PUT it. */
  statusPosted: z.boolean().optional(),
  /** The comment this run wrote or edited on its pull request. */
  commentId: z.number().int().optional(),
  /** Confirm, Discard or Cancel asked by a person (`by`), in any process; `summary` says it in words. */
  decision: DecisionKind.optional(),
  by: z.string().optional(),
  /** The stack's lock holder puts the run in the stack's queue: the order runs start in, the same for every process. */
  admit: z.literal(true).optional(),
  /** What a drift check found (R26), recorded by its owner with its end. */
  drift: DriftResult.optional(),
  /** Asked of the owner by a request another process received (lines of older servers). */
  request: DecisionKind.optional(),
});
export type RunEvent = z.infer<typeof RunEvent>;
