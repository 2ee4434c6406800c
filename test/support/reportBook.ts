// The few things of the run book a reporter uses, for tests and the bench that drive a reporter
// without a store: runs by id, whether another run of a stack reported on a commit, and what a
// reporter records on a run.
import type { Run } from '../../server/protocol';
import type { RunChange } from '../../server/runs/runBook';

/** The few things of the run book a reporter uses: runs by id, and what it records on them. */
export class BookStub {
  readonly runs = new Map<string, Run>();
  record(runId: string) {
    const run = this.runs.get(runId);
    return run ? { run } : null;
  }
  insightsOn(stackId: string, commit: string, except: string): boolean {
    return [...this.runs.values()].some((run) => run.id !== except && run.stackId === stackId && run.commit === commit && run.reports.insights !== undefined && run.reports.insights !== 'skipped');
  }
  async write(runId: string, change: RunChange) {
    const run = this.runs.get(runId) as Run;
    if (change.reports) run.reports = { ...run.reports, ...change.reports };
    return { accepted: true, record: { run } };
  }
}

export function runOf(id: string, commit: string, extra: Partial<Run> = {}): Run {
  return {
    id, stackId: 'net', kind: 'proposed', trigger: 'pullrequest', branch: 'feature', commit, deliveryId: null, createdAt: '2026-12-07T10:00:00.000Z',
    pullRequestId: 3, state: 'running', startedAt: '2026-12-07T10:00:00.000Z', endedAt: null, summary: null, externalUrl: null, runner: 'local',
    reports: { status: 'pending', comment: 'pending' }, plan: null, policy: null, ...extra,
  };
}
