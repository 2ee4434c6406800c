// A line of the run-events log: one change to one run. A run as it stands is its queued record
// with every event for it applied in order, so a state change is one appended, fsynced line.
import * as z from 'zod';
import { QueuedRun, Run, RunReports, RunState } from '../protocol';

export const RunEvent = z.object({
  runId: z.string(),
  at: z.string(),
  state: RunState.optional(),
  commit: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  summary: z.string().optional(),
  externalUrl: z.string().optional(),
  runner: z.enum(['pipelines', 'local']).optional(),
  reports: RunReports.partial().optional(),
  /** The process that executes the run (`host:pid:start`), set by the claim under the log's lock. */
  owner: z.string().optional(),
  /** The pipeline a `pipelines` run follows: how a restarted server picks it up again. */
  pipelineUuid: z.string().optional(),
  /** The process group of the command a local run is running, so a restarted server can end it. */
  processGroup: z.number().int().optional(),
  /** The build status exists on the commit, so later changes PUT it. */
  statusPosted: z.boolean().optional(),
  /** The comment this run wrote or edited on its pull request. */
  commentId: z.number().int().optional(),
  /** Asked of the owner by a request another process received. */
  request: z.enum(['cancel', 'confirm', 'discard']).optional(),
});
export type RunEvent = z.infer<typeof RunEvent>;

/** A run and what only the server needs to know about it. */
export interface RunRecord {
  run: Run;
  owner: string | null;
  pipelineUuid: string | null;
  processGroup: number | null;
  statusPosted: boolean;
  commentId: number | null;
  requests: ('cancel' | 'confirm' | 'discard')[];
}

/** A run as queued, before any event: owned by `owner` when the process that recorded it owns it from the start. */
export function queuedRecord(queued: QueuedRun, owner: string | null = null): RunRecord {
  return {
    run: {
      ...queued,
      pullRequestId: queued.pullRequestId ?? null,
      state: 'queued',
      startedAt: null,
      endedAt: null,
      summary: null,
      externalUrl: null,
      runner: null,
      reports: { status: 'pending', comment: 'pending' },
    },
    owner,
    pipelineUuid: null,
    processGroup: null,
    statusPosted: false,
    commentId: null,
    requests: [],
  };
}

export function applyEvent(record: RunRecord, event: RunEvent): RunRecord {
  const run = { ...record.run };
  if (event.state !== undefined) run.state = event.state;
  if (event.commit !== undefined) run.commit = event.commit;
  if (event.startedAt !== undefined) run.startedAt = event.startedAt;
  if (event.endedAt !== undefined) run.endedAt = event.endedAt;
  if (event.summary !== undefined) run.summary = event.summary;
  if (event.externalUrl !== undefined) run.externalUrl = event.externalUrl;
  if (event.runner !== undefined) run.runner = event.runner;
  if (event.reports !== undefined) run.reports = { ...run.reports, ...event.reports };
  return {
    run,
    // A later claim is a takeover after the first owner died (see RunBook.claim).
    owner: event.owner ?? record.owner,
    pipelineUuid: event.pipelineUuid ?? record.pipelineUuid,
    processGroup: event.processGroup ?? record.processGroup,
    statusPosted: record.statusPosted || event.statusPosted === true,
    commentId: event.commentId ?? record.commentId,
    requests: event.request ? [...record.requests, event.request] : record.requests,
  };
}
