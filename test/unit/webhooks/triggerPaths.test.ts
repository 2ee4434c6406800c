// R23: a delivery queues runs only on stacks whose trigger paths match a path it changed. The
// changed paths come from the fake Bitbucket's real git diffstat, read once per delivery (and diff),
// whatever the number of stacks; whatever cannot be read runs every stack, and the delivery's
// reason says, per stack, why it ran or not.
import { strict as assert } from 'node:assert';
import { createBitbucketGateway } from '../../../server/bitbucket/restGateway';
import { settingsFromEnv } from '../../../server/bitbucket/settings';
import { Logger } from '../../../server/log';
import * as integrations from '../../../server/operations/integrations';
import * as stacks from '../../../server/operations/stacks';
import { defaultTriggerPaths, triggerMatcher } from '../../../server/registry/triggerPaths';
import { readChanges } from '../../../server/webhooks/changedPaths';
import { signatureFor } from '../../../server/webhooks/signature';
import { diffKey } from '../../../server/webhooks/triggerFilter';
import { ALL_SCOPES, startFakeBitbucket, type FakeBitbucket } from '../../support/fakeBitbucket';
import { DeliveryPipeline } from '../../support/fileEngine';
import { pushEvent, type PushChange } from '../../support/pushEvents';
import { kindOf, scope, testWorld, type TestWorld } from '../../support/testContext';

const TOKEN = 'ATATT3xFfGF0-trigger-paths';
const REPO = 'acme/infra';
const DIFFSTAT = '/repositories/{workspace}/{repo_slug}/diffstat/{spec}';

describe('webhooks/trigger paths (R23)', function () {
  this.timeout(20_000);
  let bitbucket: FakeBitbucket;
  let world: TestWorld;
  let secret: string;
  let base: string;
  let uuid = 0;
  const ana = () => ({ ...world.as('ana'), bitbucket: createBitbucketGateway(`${bitbucket.url}`, new Logger(() => undefined), { ...settingsFromEnv({}), concurrency: 2 }) });

  beforeEach(async () => {
    bitbucket = await startFakeBitbucket();
    bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, scopes: ALL_SCOPES, workspaces: { acme: 'admin' } });
    base = bitbucket.pushCommit(REPO, 'main', { 'README.md': 'hello\n', 'envs/prod/main.tf': 'a\n', 'envs/dev/main.tf': 'a\n', 'modules/vpc/main.tf': 'v\n' });
    world = await testWorld('ana');
    await integrations.createIntegration(ana(), { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN, verify: false }, scope);
    secret = (await integrations.webhookSecret(ana(), { id: 'acme-main' })).secret;
  });
  afterEach(async () => {
    world.close();
    await bitbucket.stop();
  });

  const stack = (name: string, projectRoot: string, triggerPaths?: string[]) =>
    stacks.createStack(ana(), { name, spaceId: 'root', integrationId: 'acme-main', repository: REPO, branch: 'main', projectRoot, verify: false, ...(triggerPaths ? { triggerPaths } : {}) }, scope);

  async function deliver(changes: PushChange[], pipeline = new DeliveryPipeline(ana()), requestUuid = `{push-${++uuid}}`) {
    const event = pushEvent(bitbucket, REPO, changes);
    return pipeline.handle({
      integrationId: 'acme-main',
      headers: { 'x-event-key': 'repo:push', 'x-request-uuid': requestUuid, 'x-attempt-number': '1', 'x-hub-signature': signatureFor(secret, event.body) },
      readBody: async () => Buffer.from(event.body),
    });
  }

  it('R23: a README-only push runs nothing, and the delivery log says why for each stack', async () => {
    await stack('prod', 'envs/prod');
    await stack('dev', 'envs/dev');
    const readme = bitbucket.pushCommit(REPO, 'main', { 'README.md': 'hello again\n' });
    const answer = await deliver([{ branch: 'main', commit: readme, old: base }]);
    assert.equal(answer.status, 200);
    assert.equal(answer.response.verdict, 'ignored');
    assert.deepEqual(answer.response.runIds, []);
    assert.match(answer.response.reason, /prod skipped: no change under envs\/prod\/\*\*/);
    assert.match(answer.response.reason, /dev skipped: no change under envs\/dev\/\*\*/);
  });

  it('R23: modules/** runs the stacks that list it, and only those', async () => {
    await stack('prod', 'envs/prod', ['envs/prod/**', 'modules/**']);
    await stack('dev', 'envs/dev');
    const vpc = bitbucket.pushCommit(REPO, 'main', { 'modules/vpc/main.tf': 'v2\n', 'modules/vpc/variables.tf': 'x\n' });
    const answer = await deliver([{ branch: 'main', commit: vpc, old: base }]);
    assert.equal(answer.status, 202);
    assert.deepEqual(answer.response.stackIds, ['prod']);
    assert.match(answer.response.reason, /tracked run on prod \(main @ [0-9a-f]{12}\), ran: modules\/vpc\/(main|variables)\.tf and 1 more/);
    assert.match(answer.response.reason, /dev skipped: no change under envs\/dev\/\*\*/);
  });

  it('R23: one diffstat read for twenty stacks, paged at 500 a page; a retried delivery reads nothing again', async () => {
    for (let i = 1; i <= 20; i++) await stack(`s${i}`, `envs/s${i}`);
    const files: Record<string, string> = {};
    for (let i = 1; i <= 10; i++) files[`envs/s${i}/main.tf`] = `changed ${i}\n`;
    files['envs/s1/variables.tf'] = 'v\n';
    files['envs/s1/outputs.tf'] = 'o\n';
    const head = bitbucket.pushCommit(REPO, 'main', files);
    const mark = bitbucket.mark();
    const pipeline = new DeliveryPipeline(ana());
    const answer = await deliver([{ branch: 'main', commit: head, old: base }], pipeline, '{twenty}');
    assert.equal(bitbucket.countSince(mark, 'GET', DIFFSTAT), 1, 'one diffstat page for 12 changed files and 20 stacks');
    assert.equal(answer.response.stackIds.length, 10);
    assert.match(answer.response.reason, /tracked run on s1 \(main @ [0-9a-f]{12}\), ran: envs\/s1\/\S+ and 2 more/);
    assert.match(answer.response.reason, /s20 skipped: no change under envs\/s20\/\*\*/);
    const retry = await deliver([{ branch: 'main', commit: head, old: base }], pipeline, '{twenty}');
    assert.equal(retry.response.duplicate, true);
    assert.equal(bitbucket.countSince(mark, 'GET', DIFFSTAT), 1, 'the retry read no diffstat');
  });

  it('R23: a long change list is read page by page, every page once', async () => {
    await stack('prod', 'envs/prod');
    bitbucket.world.limitDiffstat(REPO, { defaultPagelen: 2, maxPagelen: 2 });
    const head = bitbucket.pushCommit(REPO, 'main', { 'a.txt': '1\n', 'b.txt': '1\n', 'c.txt': '1\n', 'd.txt': '1\n', 'envs/prod/z.tf': '1\n' });
    const mark = bitbucket.mark();
    const answer = await deliver([{ branch: 'main', commit: head, old: base }]);
    assert.equal(bitbucket.countSince(mark, 'GET', DIFFSTAT), 3);
    assert.match(answer.response.reason, /ran: envs\/prod\/z\.tf$/);
  });

  it('R23: a new branch is compared with the stack\'s branch, from where it left it', async () => {
    await stack('prod', 'envs/prod');
    const feature = bitbucket.pushCommit(REPO, 'feature/docs', { 'README.md': 'docs\n' });
    bitbucket.pushCommit(REPO, 'main', { 'envs/prod/main.tf': 'moved on\n' });
    const answer = await deliver([{ branch: 'feature/docs', commit: feature, old: null }]);
    assert.equal(answer.response.verdict, 'ignored', 'main moving on after the branch left it is not the branch\'s change');
    assert.match(answer.response.reason, /prod skipped: no change under envs\/prod\/\*\*/);
  });

  it('R23: when Bitbucket cannot list the changes, every stack runs (the safe side) and the reason says so', async () => {
    await stack('prod', 'envs/prod');
    await stack('dev', 'envs/dev');
    bitbucket.world.limitDiffstat(REPO, { timeoutAboveFiles: 0 });
    const readme = bitbucket.pushCommit(REPO, 'main', { 'README.md': 'x\n' });
    const answer = await deliver([{ branch: 'main', commit: readme, old: base }]);
    assert.equal(answer.status, 202);
    assert.deepEqual([...answer.response.stackIds].sort(), ['dev', 'prod']);
    assert.match(answer.response.reason, /ran: the changed files could not be read \(Bitbucket answered 555\) \(the safe side\)/);
    const unknown = await deliver([{ branch: 'main', commit: 'f'.repeat(40), old: base }]);
    assert.equal(unknown.response.stackIds.length, 2, 'a commit Bitbucket does not know runs every stack too');
  });

  it('R23: a change list longer than the limit is never taken as complete', async () => {
    const head = bitbucket.pushCommit(REPO, 'main', { 'a.txt': '1\n', 'b.txt': '1\n', 'c.txt': '1\n' });
    bitbucket.world.limitDiffstat(REPO, { defaultPagelen: 2, maxPagelen: 2 });
    const integration = (await world.as('ana').store.read()).integrations[0];
    assert.ok(integration);
    const diff = { source: head, destination: base, topic: false };
    const reads = await readChanges(ana(), integration, REPO, [diff], { maxFiles: 2, deadlineMs: 4_000 });
    assert.deepEqual(reads.get(diffKey(diff)), { kind: 'unknown', why: 'more than 2 files changed, more than Stackhook reads' });
  });

  it('R23: a manual run ignores trigger paths', async () => {
    await stack('prod', 'envs/prod', ['nothing-changes-here/**']);
    const run = await stacks.triggerRun(ana(), { stackId: 'prod' });
    assert.equal(run.trigger, 'manual');
    assert.equal(run.state, 'queued');
  });

  it('R23: trigger paths default to the project root, are checked before anything changes, and null goes back to the default', async () => {
    assert.deepEqual(defaultTriggerPaths(''), ['**']);
    assert.deepEqual(defaultTriggerPaths('./envs/prod/'), ['envs/prod/**']);
    assert.deepEqual((await stack('prod', 'envs/prod')).triggerPaths, ['envs/prod/**']);
    for (const bad of ['/modules/**', '../other/**', '!envs/**', 'envs\\prod']) {
      assert.equal(await kindOf(() => stack(`bad-${uuid++}`, 'envs/x', [bad])), 'Invalid', bad);
    }
    assert.equal((await world.as('ana').store.read()).stacks.length, 1, 'nothing was created');
    const edited = await stacks.updateStack(ana(), { stackId: 'prod', triggerPaths: ['envs/prod/**', 'modules/**'] }, scope);
    assert.deepEqual(edited.triggerPaths, ['envs/prod/**', 'modules/**']);
    const reset = await stacks.updateStack(ana(), { stackId: 'prod', triggerPaths: null, projectRoot: 'envs/production' }, scope);
    assert.deepEqual(reset.triggerPaths, ['envs/production/**']);
  });

  it('R23: a list of globs is compiled once', () => {
    const globs = ['envs/prod/**', 'modules/**'];
    assert.equal(triggerMatcher(globs), triggerMatcher([...globs]));
    assert.equal(triggerMatcher(globs)('modules/vpc/main.tf'), true);
    assert.equal(triggerMatcher(globs)('envs/production/main.tf'), false);
    assert.equal(triggerMatcher(['envs/prod/**'])('envs/prod/.terraform.lock.hcl'), true, 'dotfiles are changes too');
  });
});
