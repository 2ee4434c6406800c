// Runs end to end through the built server over stdio and its webhook receiver over HTTP, against
// the fake Bitbucket: Pipelines and the local runner, build statuses, pull request comments, cancel,
// confirmation, forks, detached stacks, injected faults and secrets that never leak.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as Protocol from '../../server/protocol';
import { statusKey } from '../../server/runs/reporters/buildStatus';
import { pushBody } from '../editor/support/webhook';
import { startFakeBitbucket, type FakeBitbucket } from '../support/fakeBitbucket';
import { codeBlocks, outsideCode, type Dialect } from '../support/markdownFences';
import { pullRequestBody } from '../support/pullRequestBody';
import { rejection, startServer, type ServerHandle } from '../support/serverProcess';
import { deliver, eventually, listenerUrl, webhookSecret } from './receiverSupport';
import { cacheName } from '../../server/runs/gitCheckout';
import { PIPELINES_YAML, processesWith, RUN_ENV, uniqueMarker } from './runSupport';

const TOKEN = 'ATATT3xFfGF0-runs-token-7f3a9c';
const NODE = process.execPath;
const printPlan = (line: string) => [NODE, '-e', `console.log('Refreshing state...'); console.log(process.env.STACKHOOK_RUN_KIND + ' ' + process.cwd()); console.log(${JSON.stringify(line)})`];

/**
 * A plan that prints what an attacker would: Markdown, raw HTML, mentions, a phishing link, a
 * tracking image, lines of backticks and tildes that try to close the fence (after CR and a Unicode
 * line separator too), ANSI colours, an OSC 8 hyperlink, cursor movement, and a very long output.
 */
const HOSTILE_LINES = [
  'Plan: 3 to add, 0 to change, 0 to destroy. <img src="https://track.example/plan.gif">',
  '# Approve me',
  '**urgent** [phishing](https://evil.example/login) ![x](https://track.example/p.gif)',
  '<img src="https://track.example/i.gif"> <a href="https://evil.example">docs</a>',
  '@{557058:0a1b2c3d-4e5f-6789-admin} @admin please approve',
  '```',
  '````````',
  '~~~',
  '   ```',
  'x\r```\r<img src="https://track.example/cr.gif">',
  'y\u2028```\u2029@admin',
  '\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x1b\\hyperlink\x1b]8;;\x1b\\ \x1b[2J\x1b[H\x1b[1A\u202eevil',
];
const HOSTILE_FRAGMENTS = ['<img', '<a ', '@{', '@admin', '](', '![', 'evil.example', 'track.example', '~~~', '# Approve', '**urgent**', '\x1b'];
const hostilePlan = (exitCode: number) => [
  NODE,
  '-e',
  `const lines = ${JSON.stringify(HOSTILE_LINES)};
   for (const line of lines) console.log(line);
   for (let i = 0; i < 3000; i++) console.log('resource ' + i + ' ' + '='.repeat(60));
   console.log('A'.repeat(200000));
   for (const line of lines.slice(1)) console.log(line);
   console.log('@admin [phishing](https://evil.example) <img src=x> last line');
   process.exitCode = ${exitCode};`,
];
/** Stackhook's own lines, the only ones a comment may hold outside its code block. */
const ownLines = (summary: string) => [
  /^$/,
  /^\*\*Stackhook\*\* · stack \*\*dev\*\* · proposed run on `[0-9a-f]{12}`: \*\*(finished|failed)\*\*$/,
  new RegExp(`^${summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
  /^The end of the run's log:$/,
  /^_Left out of this comment: [a-z0-9,;' ]+\. The whole log is the run's log in Stackhook\._$/,
  /^_Run [a-z0-9-]+\. This comment is updated by later runs of the stack\._$/,
];

/** Every file under `folder` (the store), but those where a secret must be (credentials.json for the token, the registry for webhook secrets). */
function storeText(folder: string, except: readonly string[]): string {
  let text = '';
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (!entry.isFile() || except.includes(entry.name)) continue;
    // Lock generations and temporary files come and go while runs work: one gone since the listing held nothing to read.
    try {
      if (statSync(file).size > 5_000_000) continue;
      text += readFileSync(file, 'latin1');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return text;
}

describe('runs over stdio and HTTP against the fake Bitbucket', function () {
  this.timeout(120_000);
  let bitbucket: FakeBitbucket;
  let server: ServerHandle;
  let receiver: string;
  let secret: string;
  let head: string;

  const run = (runId: string) => server.request(Protocol.RunsGet, { runId });
  /** Until the run has ended and reported back (its status and comment are written after its last state). */
  const ended = async (runId: string, timeoutMs = 20_000) => {
    const settled = (r: Protocol.Run) => ['finished', 'failed', 'stopped', 'discarded'].includes(r.state) && r.reports.status !== 'pending' && r.reports.comment !== 'pending';
    await eventually(async () => settled(await run(runId)), `run ${runId} to end and report`, timeoutMs).catch(async (error: Error) => {
      const log = await server.request(Protocol.RunsLog, { runId });
      throw new Error(`${error.message}: it is ${JSON.stringify(await run(runId))}; its log: ${log.text.slice(-2_000)}`);
    });
    return run(runId);
  };
  const waitFor = async (runId: string, state: Protocol.Run['state']) => {
    await eventually(async () => (await run(runId)).state === state, `run ${runId} to be ${state}`, 20_000);
    return run(runId);
  };
  const push = async (repository: string, branch: string, commit: string) => {
    const answer = await deliver(receiver, 'acme-main', { body: pushBody(repository, branch, commit), eventKey: 'repo:push', secret });
    assert.equal(answer.status, 202, JSON.stringify(answer.json));
    return answer.json.runIds ?? [];
  };
  const statusOf = (repository: string, commit: string, key: string) => bitbucket.world.repository(repository)?.statuses.get(commit)?.get(key);

  before(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, workspaces: { acme: 'admin' } });
    bitbucket.world.addRepository('acme/network');
    head = bitbucket.pushCommit('acme/network', 'main', { 'bitbucket-pipelines.yml': PIPELINES_YAML, 'envs/prod/main.tf': '# prod\n' });
    bitbucket.world.addRepository('acme/local');
    bitbucket.pushCommit('acme/local', 'main', { 'envs/dev/main.tf': '# dev\n' });
    server = await startServer({ args: ['--bitbucket-api', bitbucket.url, '--public-url', 'https://hooks.example.com', '--listen', '127.0.0.1:0'], env: RUN_ENV });
    await server.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN });
    secret = await webhookSecret(server, 'acme-main');
    receiver = await listenerUrl(server);
    await server.request(Protocol.StacksCreate, { name: 'net', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/network', branch: 'main', projectRoot: 'envs/prod' });
    await server.request(Protocol.StacksCreate, {
      name: 'dev',
      spaceId: 'root',
      integrationId: 'acme-main',
      repository: 'acme/local',
      branch: 'main',
      projectRoot: 'envs/dev',
      runner: { type: 'local', plan: printPlan('Plan: 2 to add, 0 to change, 1 to destroy.'), apply: printPlan('Apply complete! Resources: 2 added, 0 changed, 1 destroyed.') },
    });
  });
  after(async () => {
    await server?.stop();
    await bitbucket?.stop();
  });
  beforeEach(() => bitbucket.clearFaults());

  it('push → tracked run → the custom pipeline runs on the commit with the variables → SUCCESSFUL on the commit', async () => {
    const [runId] = await push('acme/network', 'main', head);
    assert.ok(runId);
    const done = await ended(runId);
    assert.equal(done.state, 'finished', done.summary ?? '');
    assert.equal(done.summary, 'Plan: 1 to add, 0 to change, 0 to destroy.');
    assert.equal(done.runner, 'pipelines');
    assert.match(done.externalUrl ?? '', /\/acme\/network\/pipelines\/results\/\d+$/);
    const pipeline = bitbucket.world.repository('acme/network')?.pipelines.at(-1);
    assert.equal(pipeline?.commit, head);
    assert.equal(pipeline?.pattern, 'stackhook');
    const variables = pipeline?.variables ?? [];
    assert.deepEqual(Object.fromEntries(variables.filter((v) => !v.secured).map((v) => [v.key, v.value])), {
      STACKHOOK_RUN_ID: runId,
      STACKHOOK_STACK: 'net',
      STACKHOOK_RUN_KIND: 'tracked',
      STACKHOOK_PROJECT_ROOT: 'envs/prod',
      STACKHOOK_URL: 'https://hooks.example.com',
    });
    // The run token is the only secured variable: Bitbucket masks it, and it authorises only this run's callbacks.
    assert.deepEqual(variables.filter((v) => v.secured).map((v) => v.key), ['STACKHOOK_RUN_TOKEN']);
    const status = statusOf('acme/network', head, statusKey('net', 'tracked'));
    assert.deepEqual(status?.history, ['INPROGRESS', 'SUCCESSFUL']);
    assert.equal(status?.url, done.externalUrl);
    assert.deepEqual(done.reports, { status: 'posted', comment: 'skipped', commentReason: 'not started by a pull request' });
    const log = await server.request(Protocol.RunsLog, { runId });
    assert.match(log.text, /Plan: 1 to add/);
    assert.equal(log.complete, true);
    assert.ok(server.changes.some((topics) => topics.includes('runs')));
    const stacks = await server.request(Protocol.StacksList);
    assert.equal(stacks.find((stack) => stack.id === 'net')?.lastRun?.id, runId);
  });

  it('a trigger whose answer is lost (the connection reset after Bitbucket started the pipeline) is not repeated', async () => {
    const repository = bitbucket.world.repository('acme/network');
    const before = repository?.pipelines.length ?? 0;
    bitbucket.failNext('reset-after', { method: 'POST', template: '/repositories/{workspace}/{repo_slug}/pipelines' });
    const manual = await server.request(Protocol.StacksTriggerRun, { stackId: 'net' });
    const done = await ended(manual.id);
    assert.equal(done.state, 'finished', done.summary ?? '');
    assert.equal((repository?.pipelines.length ?? 0) - before, 1, 'one pipeline for the run');
    assert.equal(repository?.pipelines.at(-1)?.variables.find((v) => v.key === 'STACKHOOK_RUN_ID')?.value, manual.id);
  });

  it('a manual run resolves the branch head; checkRunner finds the custom pipeline, or gives the YAML to add', async () => {
    const manual = await server.request(Protocol.StacksTriggerRun, { stackId: 'net' });
    const done = await ended(manual.id);
    assert.equal(done.commit, head);
    assert.deepEqual(await server.request(Protocol.StacksCheckRunner, { stackId: 'net' }), { ok: true, problems: [] });
    await server.request(Protocol.StacksUpdate, { stackId: 'net', runner: { type: 'pipelines', pipeline: 'infra-plan' } });
    const check = await server.request(Protocol.StacksCheckRunner, { stackId: 'net' });
    assert.equal(check.ok, false);
    assert.equal(check.problems[0]?.problem, 'no-custom-pipeline');
    assert.match(check.problems[0]?.fix ?? '', /custom:\n {4}infra-plan:/);
    await server.request(Protocol.StacksUpdate, { stackId: 'net', runner: { type: 'pipelines', pipeline: 'stackhook' } });
  });

  it('pull request → proposed run → one comment on it, edited in place by the next push to it', async () => {
    bitbucket.world.addPullRequest('acme/network', 7);
    const first = bitbucket.pushCommit('acme/network', 'feature/nat', { 'envs/prod/nat.tf': '# nat\n' });
    const created = await deliver(receiver, 'acme-main', { body: pullRequestBody('acme/network', { id: 7, source: 'feature/nat', destination: 'main', commit: first }), eventKey: 'pullrequest:created', secret });
    const one = await ended(created.json.runIds?.[0] ?? '');
    assert.equal(one.state, 'finished');
    assert.equal(one.reports.comment, 'posted');
    const comments = () => bitbucket.world.repository('acme/network')?.pullRequests.get(7) ?? [];
    assert.equal(comments().length, 1);
    assert.match(comments()[0]?.raw ?? '', /stack \*\*net\*\* · proposed run .*finished[\s\S]*Plan: 1 to add, 0 to change, 0 to destroy\.[\s\S]*```text/);
    assert.deepEqual(statusOf('acme/network', first, statusKey('net', 'proposed'))?.history, ['INPROGRESS', 'SUCCESSFUL']);

    const second = bitbucket.pushCommit('acme/network', 'feature/nat', { 'envs/prod/nat.tf': '# nat 2\n' });
    const updated = await deliver(receiver, 'acme-main', { body: pullRequestBody('acme/network', { id: 7, source: 'feature/nat', destination: 'main', commit: second }), eventKey: 'pullrequest:updated', secret });
    await ended(updated.json.runIds?.[0] ?? '');
    assert.equal(comments().length, 1, 'one comment per stack on the pull request');
    assert.equal(comments()[0]?.edits, 1);
    assert.match(comments()[0]?.raw ?? '', new RegExp(second.slice(0, 12)));
  });

  it('a refused comment does not fail the run: the run records why, for the editor to show', async () => {
    const noComments = 'ATATT3xFfGF0-no-pullrequest-scope';
    const user = bitbucket.world.users[0];
    user?.credentials.push({ secret: noComments, kind: 'api_token', scopes: ['read:user:bitbucket', 'read:workspace:bitbucket', 'read:repository:bitbucket', 'read:pipeline:bitbucket', 'write:pipeline:bitbucket'] });
    await server.request(Protocol.IntegrationsCreate, { name: 'No Comments', type: 'space', spaceId: 'root', username: 'ana@example.com', secret: noComments });
    await server.request(Protocol.StacksCreate, { name: 'quiet', spaceId: 'root', integrationId: 'no-comments', repository: 'acme/network', branch: 'main' });
    bitbucket.world.addPullRequest('acme/network', 9);
    const commit = bitbucket.pushCommit('acme/network', 'feature/quiet', { 'q.tf': '# q\n' });
    const secretOf = await webhookSecret(server, 'no-comments');
    const answer = await deliver(receiver, 'no-comments', { body: pullRequestBody('acme/network', { id: 9, source: 'feature/quiet', destination: 'main', commit }), eventKey: 'pullrequest:created', secret: secretOf });
    const done = await ended(answer.json.runIds?.[0] ?? '');
    assert.equal(done.state, 'finished');
    assert.equal(done.reports.status, 'posted');
    assert.equal(done.reports.comment, 'failed');
    assert.match(done.reports.commentReason ?? '', /read:pullrequest:bitbucket/);
    const check = await server.request(Protocol.StacksCheckRunner, { stackId: 'quiet' });
    assert.equal(check.problems[0]?.problem, 'missing-scope');
    assert.match(check.problems[0]?.message ?? '', /lacks read:pullrequest:bitbucket/);
    await server.request(Protocol.StacksDelete, { stackId: 'quiet' });
  });

  it('a pull request from a fork gets no run; the delivery says why', async () => {
    const answer = await deliver(receiver, 'acme-main', {
      body: pullRequestBody('acme/network', { id: 8, source: 'main', destination: 'main', commit: head, sourceRepository: 'mallory/network' }),
      eventKey: 'pullrequest:created',
      secret,
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json.runIds ?? [], []);
    assert.match(String(answer.json.reason), /comes from a fork \(mallory\/network\): no run on/);
  });

  it('local: a push plans in a worktree of the commit; the plan line is the summary; the status is on the commit; the worktree is gone', async () => {
    const commit = bitbucket.pushCommit('acme/local', 'feature/x', { 'envs/dev/x.tf': '# x\n' });
    const [runId] = await push('acme/local', 'feature/x', commit);
    const done = await ended(runId ?? '');
    assert.equal(done.state, 'finished', done.summary ?? '');
    assert.equal(done.kind, 'proposed');
    assert.equal(done.summary, 'Plan: 2 to add, 0 to change, 1 to destroy.');
    const log = await server.request(Protocol.RunsLog, { runId: runId ?? '' });
    assert.match(log.text, new RegExp(`proposed .*checkouts/runs/${runId}-\\w+/repo/envs/dev`));
    assert.deepEqual(statusOf('acme/local', commit, statusKey('dev', 'proposed'))?.history, ['INPROGRESS', 'SUCCESSFUL']);
    assert.match(statusOf('acme/local', commit, statusKey('dev', 'proposed'))?.url ?? '', /^vscode:\/\/stackhook\.stackhook\/run\?id=/);
    assert.deepEqual(readdirSync(path.join(server.store, 'checkouts', 'runs')), []);
  });

  it('local tracked: plan, then unconfirmed until Confirm, then apply; Discard ends it with nothing applied', async () => {
    const commit = bitbucket.pushCommit('acme/local', 'main', { 'envs/dev/y.tf': '# y\n' });
    const [runId] = await push('acme/local', 'main', commit);
    const waiting = await waitFor(runId ?? '', 'unconfirmed');
    assert.equal(waiting.summary, 'Plan: 2 to add, 0 to change, 1 to destroy.');
    assert.equal(statusOf('acme/local', commit, statusKey('dev', 'tracked'))?.state, 'INPROGRESS');
    // The commit says the run waits for someone, not that it is still preparing.
    const described = () => statusOf('acme/local', commit, statusKey('dev', 'tracked'))?.description ?? '';
    await eventually(() => /waiting for confirmation/.test(described()), 'the build status to say the run waits for confirmation');
    assert.equal(described(), 'tracked run waiting for confirmation in Stackhook: Plan: 2 to add, 0 to change, 1 to destroy.');
    await server.request(Protocol.RunsConfirm, { runId: runId ?? '' });
    const done = await ended(runId ?? '');
    assert.equal(done.state, 'finished');
    assert.equal(done.summary, 'Apply complete! Resources: 2 added, 0 changed, 1 destroyed.');
    assert.equal(statusOf('acme/local', commit, statusKey('dev', 'tracked'))?.state, 'SUCCESSFUL');

    const again = await server.request(Protocol.RunsRetry, { runId: runId ?? '' });
    await waitFor(again.id, 'unconfirmed');
    await server.request(Protocol.RunsDiscard, { runId: again.id });
    const discarded = await ended(again.id);
    assert.equal(discarded.state, 'discarded');
    assert.doesNotMatch((await server.request(Protocol.RunsLog, { runId: again.id })).text, /Apply complete/);
    assert.equal(statusOf('acme/local', commit, statusKey('dev', 'tracked'))?.state, 'STOPPED');
    const refused = await rejection(server.request(Protocol.RunsConfirm, { runId: again.id }));
    assert.equal(refused.kind, 'Conflict');
  });

  it('text from a run is untrusted: a plan printing Markdown, HTML, mentions, links, fences and escapes stays in the comment\'s code block; the summary and the status are Stackhook\'s words', async () => {
    bitbucket.world.addPullRequest('acme/local', 21);
    const comments = () => bitbucket.world.repository('acme/local')?.pullRequests.get(21) ?? [];
    const cases = [
      { exitCode: 0, state: 'finished', summary: 'Plan: 3 to add, 0 to change, 0 to destroy.' },
      { exitCode: 1, state: 'failed', summary: "plan failed (exit 1); see the run's log" },
    ];
    for (const [index, expected] of cases.entries()) {
      await server.request(Protocol.StacksUpdate, { stackId: 'dev', runner: { type: 'local', plan: hostilePlan(expected.exitCode), apply: null } });
      const commit = bitbucket.pushCommit('acme/local', 'feature/evil', { 'envs/dev/evil.tf': `# ${index}\n` });
      const answer = await deliver(receiver, 'acme-main', { body: pullRequestBody('acme/local', { id: 21, source: 'feature/evil', destination: 'main', commit }), eventKey: 'pullrequest:created', secret });
      const done = await ended(answer.json.runIds?.[0] ?? '');
      assert.equal(done.state, expected.state);
      assert.equal(done.reports.comment, 'posted', done.reports.commentReason);
      // The summary the editor shows is Stackhook's words, not the output's last line.
      assert.equal(done.summary, expected.summary);
      const log = (await server.request(Protocol.RunsLog, { runId: done.id })).text;
      assert.ok(log.includes('\x1b]8;;https://evil.example') && log.includes('<img src="https://track.example/i.gif">'), 'the log holds the hostile output');

      assert.equal(comments().length, 1, 'one comment per stack, edited in place');
      const raw = comments()[0]?.raw ?? '';
      assert.ok(raw.length <= 32_000, `the comment has ${raw.length} characters`);
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(raw, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]/, 'an escape or control character in the comment');
      for (const dialect of ['python-markdown', 'commonmark'] as Dialect[]) {
        const outside = outsideCode(raw, dialect);
        assert.ok(outside.join('\n').length > 150, 'there is Stackhook text outside the code block to search');
        for (const line of outside) assert.ok(ownLines(expected.summary).some((own) => own.test(line)), `${dialect}: not Stackhook's line outside the code block: ${JSON.stringify(line)}`);
        for (const fragment of HOSTILE_FRAGMENTS) assert.equal(outside.join('\n').includes(fragment), false, `${dialect}: ${JSON.stringify(fragment)} outside the code block`);
        // The fence really encloses the run's text: its last line, hostile as it is, is the last line of the one code block.
        const blocks = codeBlocks(raw, dialect);
        assert.equal(blocks.length, 1, `${dialect}: one code block`);
        assert.equal(blocks[0]?.at(-1), '@admin [phishing](https://evil.example) <img src=x> last line');
        assert.ok(blocks[0]?.includes('```') && blocks[0]?.includes('~~~'), `${dialect}: the fence-like lines are inside`);
      }
      assert.match(raw, /_Left out of this comment: the log's lines before its last 30; .*199,\d{3} characters of 1 line longer than 1,000 characters\./);

      const status = statusOf('acme/local', commit, statusKey('dev', 'proposed'));
      assert.equal(status?.description, expected.summary);
      assert.ok((status?.description.length ?? Infinity) <= 255);
      for (const fragment of HOSTILE_FRAGMENTS) assert.equal(status?.description.includes(fragment), false, `${JSON.stringify(fragment)} in the status`);
    }
    await server.request(Protocol.StacksUpdate, {
      stackId: 'dev',
      runner: { type: 'local', plan: printPlan('Plan: 2 to add, 0 to change, 1 to destroy.'), apply: printPlan('Apply complete! Resources: 2 added, 0 changed, 1 destroyed.') },
    });
  });

  it('cancel: a local run\'s whole process group ends; a pipeline is stopped; both end stopped with a STOPPED status', async () => {
    const marker = uniqueMarker('cancelled');
    const sleeper = [NODE, '-e', `const c=require('child_process').spawn(process.execPath,['-e','setTimeout(()=>{},60000)//${marker}'],{stdio:'ignore'});console.log('child '+c.pid);setTimeout(()=>{},60000)//${marker}`];
    await server.request(Protocol.StacksUpdate, { stackId: 'dev', runner: { type: 'local', plan: sleeper, apply: null } });
    const local = await server.request(Protocol.StacksTriggerRun, { stackId: 'dev' });
    await eventually(async () => /child \d+/.test((await server.request(Protocol.RunsLog, { runId: local.id })).text), 'the command to start', 20_000);
    await eventually(() => processesWith(marker).length >= 2, 'the command and its child to run');
    await server.request(Protocol.RunsCancel, { runId: local.id });
    const stopped = await ended(local.id);
    assert.equal(stopped.state, 'stopped');
    await eventually(() => processesWith(marker).length === 0, 'the command and its child to end');
    assert.equal(statusOf('acme/local', stopped.commit ?? '', statusKey('dev', 'tracked'))?.state, 'STOPPED');

    const repository = bitbucket.world.repository('acme/network');
    if (repository) repository.pipelineScript = { ...repository.pipelineScript, durationMs: 60_000 };
    const remote = await server.request(Protocol.StacksTriggerRun, { stackId: 'net' });
    await waitFor(remote.id, 'running');
    await server.request(Protocol.RunsCancel, { runId: remote.id });
    const remoteStopped = await ended(remote.id);
    assert.equal(remoteStopped.state, 'stopped');
    assert.equal(repository?.pipelines.at(-1)?.stoppedAt !== null, true);
    assert.equal(statusOf('acme/network', head, statusKey('net', 'tracked'))?.state, 'STOPPED');
    if (repository) repository.pipelineScript = { ...repository.pipelineScript, durationMs: 300 };
    await server.request(Protocol.StacksUpdate, { stackId: 'dev', runner: { type: 'local', plan: printPlan('No changes.'), apply: null } });
  });

  it('20% injected faults (429, 5xx, timeouts, resets) while triggering, following and reporting: runs converge to the right state and status', async () => {
    bitbucket.setFaults({ rate: 0.2, kinds: ['429', '500', '502', '503', 'hang', 'reset'], seed: 14 });
    const runs = await Promise.all([server.request(Protocol.StacksTriggerRun, { stackId: 'net' }), server.request(Protocol.StacksTriggerRun, { stackId: 'dev' })]);
    for (const started of runs) {
      const done = await ended(started.id, 60_000);
      assert.equal(done.state, 'finished', `${started.stackId}: ${done.summary}`);
      assert.equal(done.reports.status, 'posted');
    }
    bitbucket.clearFaults();
    assert.equal(statusOf('acme/network', head, statusKey('net', 'tracked'))?.state, 'SUCCESSFUL');
  });

  it('a detached stack gets no run, by hand or by webhook (R12)', async () => {
    await server.request(Protocol.StacksCreate, { name: 'old', spaceId: 'root', integrationId: 'acme-main', repository: 'acme/network', branch: 'main' });
    await server.request(Protocol.IntegrationsCreate, { name: 'Temp', type: 'space', spaceId: 'root', username: 'ana@example.com', secret: TOKEN });
    await server.request(Protocol.StacksSetIntegration, { stackId: 'old', integrationId: 'temp' });
    await server.request(Protocol.IntegrationsDelete, { id: 'temp' });
    assert.equal((await rejection(server.request(Protocol.StacksTriggerRun, { stackId: 'old' }))).kind, 'Detached');
    const runIds = await push('acme/network', 'main', head);
    const runs = await Promise.all(runIds.map(run));
    assert.deepEqual(runs.map((r) => r.stackId), ['net']);
    await Promise.all(runIds.map((id) => ended(id)));
  });

  it('the credential and the webhook secret appear in no log, run record, comment, status, git config or environment', async () => {
    const runFiles = storeText(server.store, ['credentials.json', 'registry.json']);
    assert.ok(runFiles.length > 1_000, 'the store has run logs and events to search');
    assert.equal(storeText(server.store, ['credentials.json']).includes(TOKEN), false, 'the token is in the store outside credentials.json');
    for (const value of [TOKEN, secret]) {
      assert.equal(runFiles.includes(value), false, 'a secret is in a run file');
      for (const repository of ['acme/network', 'acme/local']) {
        const world = bitbucket.world.repository(repository);
        for (const comments of world?.pullRequests.values() ?? []) for (const comment of comments) assert.equal(comment.raw.includes(value), false);
        for (const statuses of world?.statuses.values() ?? []) for (const status of statuses.values()) assert.equal(JSON.stringify(status).includes(value), false);
      }
    }
    const printEnv = [NODE, '-e', 'console.log(JSON.stringify(process.env))'];
    await server.request(Protocol.StacksUpdate, { stackId: 'dev', runner: { type: 'local', plan: printEnv, apply: null } });
    const envRun = await ended((await server.request(Protocol.StacksTriggerRun, { stackId: 'dev' })).id);
    const env = (await server.request(Protocol.RunsLog, { runId: envRun.id })).text;
    assert.match(env, /STACKHOOK_RUN_ID/);
    assert.doesNotMatch(env, /GIT_ASKPASS|STACKHOOK_GIT_PASSWORD/);
    assert.equal(env.includes(TOKEN), false);
    const gitConfig = readFileSync(path.join(server.store, 'checkouts', 'repositories', cacheName('acme/local'), 'config'), 'utf8');
    assert.equal(gitConfig.includes(TOKEN), false);
    assert.doesNotMatch(gitConfig, /x-bitbucket-api-token-auth@/);
    assert.ok(bitbucket.git.requests.every((request) => !request.path.includes(TOKEN)));
  });
});
