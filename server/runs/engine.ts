// Executes runs: the process that accepted a delivery (or a request) claims its runs and runs them,
// a stack's tracked runs one at a time and in order, local commands within the concurrency limit. Every
// state change is on disk before it is announced; after a crash, a restarted server finishes what
// it can (a pipeline is followed again) and marks the rest as interrupted.
import * as path from 'node:path';
import pLimit from 'p-limit';
import Queue from 'yocto-queue';
import type { ServerContext } from '../context';
import { conflict, describeError, invalid, notFound } from '../errors';
import { redact } from '../log';
import { credentialOf } from '../operations/credentials';
import type { QueuedRun, Run, Runner } from '../protocol';
import { runSettingsOf } from '../store/schema';
import type { Execution, Outcome } from './execution';
import { endLeftover, runLocally, type LocalControl } from './localRunner';
import { runOnPipelines } from './pipelinesRunner';
import { reportComment, reportStatus, type Reporter } from './reporting';
import { withRetries } from './retries';
import { THIS_PROCESS, isFinal, type RunBook } from './runBook';
import type { RunRecord } from './runEvent';
import { maskCredential } from './runLogFiles';
import type { RunService } from './service';
import type { RunSettings } from './settings';
import { LOCAL_RUNNER_OFF } from '../registry/access';

/** A run just recorded belongs to the process that recorded it for this long, before another may take it. */
const UNCLAIMED_GRACE_MS = 5_000;
/** Unclaimed runs older than this were queued before runs executed, or long abandoned: left alone. */
const UNCLAIMED_WINDOW_MS = 15 * 60_000;

/** A run scheduled here: claimed at once, executed when its turn comes. */
interface Job {
  runId: string;
  takeOverFrom: string | null;
  claimed: Promise<boolean> | true;
}

interface Active {
  controller: AbortController;
  decide: ((decision: 'confirm' | 'discard') => void) | null;
  local: LocalControl | null;
}

export class RunEngine implements RunService {
  readonly owner = THIS_PROCESS;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly stackQueues = new Map<string, Queue<Job>>();
  private readonly active = new Map<string, Active>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly context: ServerContext,
    readonly book: RunBook,
    readonly settings: RunSettings,
    /** The web origin of Bitbucket (`https://bitbucket.org`), for links to pipelines. */
    private readonly webOrigin: string,
  ) {
    this.limit = pLimit(settings.concurrency);
  }

  /** Claims and executes runs this process queued. Returns at once; the work goes on. */
  start(runs: readonly QueuedRun[]): void {
    for (const run of runs) this.schedule(run.id, run.stackId, run.kind === 'tracked', null);
  }

  /** Waits for everything in flight (tests, a clean shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * After a start: runs whose process died are followed again (pipelines) or marked interrupted, and
   * runs recorded in the last minutes that no process took (it died in between) are started here.
   */
  async recover(): Promise<void> {
    await this.book.refresh();
    for (const record of this.book.orphaned()) {
      this.schedule(record.run.id, record.run.stackId, record.run.kind === 'tracked', record.owner);
    }
    for (const run of this.book.unclaimed(this.context.now().getTime(), UNCLAIMED_GRACE_MS, UNCLAIMED_WINDOW_MS)) {
      this.schedule(run.id, run.stackId, run.kind === 'tracked', null);
    }
  }

  cancel(runId: string): Promise<Run> {
    return this.ask(runId, 'cancel', (record) => {
      if (isFinal(record.run)) throw conflict(`The run ${runId} has already ${record.run.state}: there is nothing to cancel.`);
    });
  }

  confirm(runId: string): Promise<Run> {
    return this.ask(runId, 'confirm', (record) => this.requireUnconfirmed(record, 'confirm'));
  }

  discard(runId: string): Promise<Run> {
    return this.ask(runId, 'discard', (record) => this.requireUnconfirmed(record, 'discard'));
  }

  private requireUnconfirmed(record: RunRecord, what: string): void {
    if (record.run.state !== 'unconfirmed') {
      throw conflict(`The run ${record.run.id} is ${record.run.state}, not waiting for confirmation: only an unconfirmed run can be ${what}ed.`);
    }
  }

  /** Acts at once when this process runs it; otherwise records the request for the process that does. */
  private async ask(runId: string, request: 'cancel' | 'confirm' | 'discard', check: (record: RunRecord) => void): Promise<Run> {
    await this.book.refresh();
    const record = this.book.record(runId);
    if (!record) throw notFound(`There is no run "${runId}".`);
    check(record);
    const active = this.active.get(runId);
    if (active) {
      deliver(active, request);
    } else if (record.run.state === 'queued' && request === 'cancel') {
      // Nothing of it ran yet (preparing is its first step), wherever it waits: its owner looks before it
      // starts, and the request reaches an owner that has just started it all the same.
      await this.book.change(runId, { state: 'stopped', endedAt: this.context.now().toISOString(), summary: 'cancelled before it started', request: 'cancel' });
    } else {
      await this.book.change(runId, { request });
    }
    return (this.book.record(runId) as RunRecord).run;
  }

  private schedule(runId: string, stackId: string, tracked: boolean, takeOverFrom: string | null): void {
    // Claimed now, not when its turn comes: a run waiting behind another of its stack is this
    // process's, so another replica looking for runs nobody took leaves it alone.
    // A run the delivery's recorder owns from the start needs no claim, nor a promise kept for one.
    const claimed = this.book.owns(runId, THIS_PROCESS, takeOverFrom) || this.book.claim(runId, THIS_PROCESS, takeOverFrom);
    if (claimed !== true) claimed.catch(() => undefined); // reported when its turn comes, like any failure to execute
    const job: Job = { runId, takeOverFrom, claimed };
    if (!tracked) return this.track(this.run(job));
    // A stack's tracked runs one after the other, in the order they were queued: a queue per stack
    // and one loop that works through it, not a promise chained per waiting run (thousands may wait).
    const waiting = this.stackQueues.get(stackId);
    if (waiting) return waiting.enqueue(job);
    const queue = new Queue<Job>();
    queue.enqueue(job);
    this.stackQueues.set(stackId, queue);
    this.track(this.workThrough(stackId, queue));
  }

  private async workThrough(stackId: string, queue: Queue<Job>): Promise<void> {
    try {
      for (let job = queue.peek(); job; job = queue.peek()) {
        await this.run(job);
        queue.dequeue();
      }
    } finally {
      // Nothing awaits between the empty queue and this line, so no run can be left in it.
      this.stackQueues.delete(stackId);
    }
  }

  /** Executes a run; a run that failed to execute is logged and must not hold up the next one. */
  private run(job: Job): Promise<void> {
    return this.execute(job.runId, job.takeOverFrom, job.claimed).catch((error: unknown) =>
      this.context.log.error(`Run ${job.runId} could not be executed: ${describeError(error)}`),
    );
  }

  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async execute(runId: string, takeOverFrom: string | null, claimed: Promise<boolean> | true): Promise<void> {
    if (!(await claimed)) return;
    // Said in the run's own log, because on replicas each keeps its own log files: this is where to look for the rest.
    if (takeOverFrom !== null) await this.book.logs.append(runId, `Taken over by ${THIS_PROCESS} from ${takeOverFrom}: that server stopped before the run ended.\n`);
    try {
      await this.executeClaimed(runId, takeOverFrom);
    } catch (error) {
      // Whatever stopped it (no credential stored, the store unreadable) ends the run, with the reason.
      const message = redact(describeError(error));
      if (!isFinal(this.book.record(runId)?.run ?? { state: 'queued' })) {
        await this.book.change(runId, { state: 'failed', endedAt: this.context.now().toISOString(), summary: firstLine(message) });
      }
      throw error;
    }
  }

  private async executeClaimed(runId: string, takeOverFrom: string | null): Promise<void> {
    await this.book.refresh();
    const record = this.book.record(runId) as RunRecord;
    // Cancelled while it waited for its turn.
    if (isFinal(record.run)) return;
    const now = () => this.context.now().toISOString();
    const state = await this.context.store.read();
    const stack = state.stacks.find((candidate) => candidate.id === record.run.stackId);
    const integration = stack?.integrationId ? state.integrations.find((candidate) => candidate.id === stack.integrationId) : undefined;
    if (!stack || !integration) {
      const why = !stack ? 'its stack was deleted' : 'its stack is detached (R12): give it an integration to run it';
      await this.book.change(runId, { state: 'failed', endedAt: now(), summary: `not run: ${why}` });
      return;
    }
    const { runner } = runSettingsOf(stack);
    if (runner.type === 'local' && this.context.localRunner === false) {
      await this.book.change(runId, { state: 'failed', endedAt: now(), summary: `not run: ${LOCAL_RUNNER_OFF}` });
      return;
    }
    const credential = await credentialOf(this.context, integration);
    const reporter: Reporter = {
      gateway: this.context.bitbucket,
      book: this.book,
      credential,
      stack,
      runLink: runLinkOf,
      retryDelayMs: this.settings.retryDelayMs,
    };

    const started = record.run.state !== 'queued';
    const following = runner.type === 'pipelines' && record.pipelineUuid !== null;
    const abandoned = this.context.now().getTime() - Date.parse(record.run.createdAt) > UNCLAIMED_WINDOW_MS;
    // Taken over: a known pipeline is followed again; a run that was still waiting its turn runs here, and
    // one whose pipeline was being triggered looks for it first (runOnPipelines), unless long abandoned.
    if (takeOverFrom !== null && !following && (abandoned || (started && runner.type !== 'pipelines'))) {
      // Its process died while it ran on this machine: it does not run twice, and what its command left
      // running is ended.
      if (record.processGroup !== null) endLeftover(record.processGroup, path.join(this.book.folder, 'checkouts'));
      await this.book.change(runId, { state: 'failed', endedAt: now(), summary: 'interrupted: the Stackhook server running it stopped before it ended' });
      await reportStatus(reporter, runId, 'STOPPED');
      await reportComment(reporter, runId);
      return;
    }

    const active: Active = { controller: new AbortController(), decide: null, local: null };
    this.active.set(runId, active);
    const timeout = setTimeout(() => active.controller.abort(), this.settings.timeoutMs);
    const watcher = setInterval(() => void this.pickUpRequests(runId, active), Math.max(250, Math.min(this.settings.pollMs, 2_000)));
    try {
      const outcome = await this.runWith(runId, reporter, active, runner, takeOverFrom !== null && started);
      await this.book.change(runId, { state: outcome.state, endedAt: now(), ...(outcome.summary !== null ? { summary: redact(outcome.summary) } : {}) });
    } catch (error) {
      const message = maskCredential(redact(describeError(error)), credential.secret);
      await this.book.logs.append(runId, `\n${message}\n`, [credential.secret]);
      await this.book.change(runId, { state: 'failed', endedAt: now(), summary: firstLine(message) });
    } finally {
      clearTimeout(timeout);
      clearInterval(watcher);
      this.active.delete(runId);
    }
    await reportStatus(reporter, runId);
    await reportComment(reporter, runId);
  }

  private async runWith(runId: string, reporter: Reporter, active: Active, runner: Runner, resumed: boolean): Promise<Outcome> {
    const { stack, credential } = reporter;
    const record = this.book.record(runId) as RunRecord;
    if (record.run.state === 'queued') {
      let commit = record.run.commit;
      if (commit === null) {
        // A manual run runs the branch's head as it is now.
        const branch = await withRetries(this.settings.retryDelayMs, () => this.context.bitbucket.getBranch(credential, stack.repository, record.run.branch, {}));
        if (!branch) throw invalid(`The branch ${record.run.branch} does not exist in ${stack.repository}: create it, or point the stack at another branch.`);
        commit = branch.commit;
      }
      await this.book.change(runId, { state: 'preparing', commit, startedAt: this.context.now().toISOString(), runner: runner.type });
      await reportStatus(reporter, runId);
    }
    const execution: Execution = {
      runId,
      resumed,
      stack,
      credential,
      gateway: this.context.bitbucket,
      book: this.book,
      settings: this.settings,
      log: this.context.log,
      signal: active.controller.signal,
      repositoryPage: `${this.webOrigin}/${stack.repository}`,
      record: () => this.book.record(runId) as RunRecord,
      change: (change) => this.book.change(runId, change),
      write: (text) => this.book.logs.append(runId, text, [credential.secret]),
      decision: () =>
        new Promise((resolve) => {
          active.decide = resolve;
        }),
    };
    if (runner.type === 'pipelines') return runOnPipelines(execution, runner.pipeline);
    const { autodeploy } = runSettingsOf(stack);
    // Only local runs take a slot of this machine: a pipeline's work is Bitbucket's, and following it costs a poll now and then.
    return this.limit(() => runLocally(execution, runner, autodeploy, (control) => (active.local = control)));
  }

  /** Requests another process recorded for a run this one executes. */
  private async pickUpRequests(runId: string, active: Active): Promise<void> {
    await this.book.refresh().catch(() => undefined);
    const requests = this.book.record(runId)?.requests ?? [];
    for (const request of requests) deliver(active, request);
  }
}

/** Hands a request to the run this process executes: a cancel aborts it (and discards what waits for confirmation). */
function deliver(active: Active, request: 'cancel' | 'confirm' | 'discard'): void {
  if (request === 'cancel') {
    active.controller.abort();
    active.decide?.('discard');
  } else active.decide?.(request);
}

/**
 * Where a `local` run's build status links: the editor's URI handler opens the run there, so the log
 * is never shown to anyone who is not signed in to this machine's editor.
 */
export const runLinkOf = (run: Pick<Run, 'id'>): string => `vscode://stackhook.stackhook/run?id=${encodeURIComponent(run.id)}`;

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
