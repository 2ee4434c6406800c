// R24: `/stackhook` comment commands, from comment deliveries built by the fake Bitbucket in the
// shape of the real comment event (fixtures/webhooks/atlantis), through the delivery pipeline with
// the real Bitbucket client: who may command, what is ignored, one answer per delivery (R16).
import { strict as assert } from 'node:assert';
import { createBitbucketGateway } from '../../../server/bitbucket/restGateway';
import { settingsFromEnv } from '../../../server/bitbucket/settings';
import { Logger } from '../../../server/log';
import * as integrations from '../../../server/operations/integrations';
import * as spaces from '../../../server/operations/spaces';
import * as stacks from '../../../server/operations/stacks';
import { linkBitbucket } from '../../../server/operations/users';
import { isStackhookComment, parseCommand } from '../../../server/webhooks/commentCommands';
import { signatureFor } from '../../../server/webhooks/signature';
import { ALL_SCOPES, startFakeBitbucket, type FakeBitbucket, type FakeUser } from '../../support/fakeBitbucket';
import { DeliveryPipeline } from '../../support/fileEngine';
import { pullRequestEvent, type PullRequestEventKey } from '../../support/pullRequestEvents';
import { kindOf, scope, testWorld, type TestWorld } from '../../support/testContext';

const TOKEN = 'ATATT3xFfGF0-comment-commands';
const BO_TOKEN = 'ATATT3xFfGF0-bo-own-token';
const REPO = 'acme/infra';

describe('webhooks/comment commands (R24)', function () {
  this.timeout(20_000);
  let bitbucket: FakeBitbucket;
  let world: TestWorld;
  let secret: string;
  let integrationUser: FakeUser;
  let bo: FakeUser;
  let carol: FakeUser;
  let uuid = 0;
  const gateway = () => createBitbucketGateway(bitbucket.url, new Logger(() => undefined), { ...settingsFromEnv({}), concurrency: 2 });
  const as = (user: string) => ({ ...world.as(user), bitbucket: gateway() });
  const ana = () => as('ana');

  let token = TOKEN;
  beforeEach(async () => {
    // A token per test: the server keeps which account a token is for, and each fake world makes new accounts.
    token = `${TOKEN}-${++uuid}`;
    bitbucket = await startFakeBitbucket();
    integrationUser = bitbucket.world.addUser({ email: 'ana@example.com', token, scopes: ALL_SCOPES, workspaces: { acme: 'admin' } });
    bo = bitbucket.world.addUser({ email: 'bo@example.com', token: BO_TOKEN, scopes: ALL_SCOPES, workspaces: { acme: 'member' } });
    carol = bitbucket.world.addUser({ email: 'carol@example.com', workspaces: { acme: 'member' } });
    bitbucket.pushCommit(REPO, 'main', { 'envs/prod/main.tf': 'a\n', 'envs/dev/main.tf': 'a\n' });
    bitbucket.pushCommit(REPO, 'feature/x', { 'envs/prod/main.tf': 'b\n' });
    bitbucket.pullRequests.create(REPO, { id: 12, source: 'feature/x', author: bo });
    world = await testWorld('ana');
    await spaces.createSpace(ana(), { name: 'platform', parentId: 'root', inheritEntities: true });
    await integrations.createIntegration(ana(), { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: token, verify: false }, scope);
    secret = (await integrations.webhookSecret(ana(), { id: 'acme-main' })).secret;
    for (const name of ['prod', 'dev']) {
      await stacks.createStack(ana(), { name, spaceId: 'platform', integrationId: 'acme-main', repository: REPO, branch: 'main', projectRoot: `envs/${name}`, verify: false }, scope);
    }
  });
  afterEach(async () => {
    world.close();
    await bitbucket.stop();
  });

  async function comment(author: FakeUser, raw: string, options: { key?: PullRequestEventKey; requestUuid?: string; pipeline?: DeliveryPipeline; team?: boolean } = {}) {
    const made = bitbucket.pullRequests.comment(REPO, 12, { author, raw });
    const event = pullRequestEvent(bitbucket, options.key ?? 'pullrequest:comment_created', { repository: REPO, id: 12, actor: author, commentId: made.id });
    const context = { ...ana(), ...(options.team ? { team: { users: undefined as never, localRunner: false } } : {}) };
    const pipeline = options.pipeline ?? new DeliveryPipeline(context);
    const answer = await pipeline.handle({
      integrationId: 'acme-main',
      headers: { 'x-event-key': event.eventKey, 'x-request-uuid': options.requestUuid ?? `{comment-${++uuid}}`, 'x-attempt-number': '1', 'x-hub-signature': signatureFor(secret, event.body) },
      readBody: async () => Buffer.from(event.body),
    });
    return { answer, comment: made };
  }

  /** Replies Stackhook wrote under a comment, once the fire-and-forget post has landed. */
  async function repliesTo(commentId: number, atLeast = 1): Promise<string[]> {
    for (let i = 0; i < 100; i++) {
      const replies = bitbucket.pullRequests.get(REPO, 12).comments.filter((candidate) => (candidate.parentId ?? null) === commentId);
      if (replies.length >= atLeast) return replies.map((reply) => reply.raw);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return [];
  }

  it('R24: the first line is the command; Stackhook\'s own comments never are', () => {
    assert.deepEqual(parseCommand('/stackhook plan prod dev\nplease'), { verb: 'plan', stacks: ['prod', 'dev'] });
    assert.deepEqual(parseCommand('/stackhook'), { verb: 'help', stacks: [] });
    assert.equal(parseCommand('please /stackhook plan'), null);
    assert.equal(parseCommand('/stackhookplan'), null);
    assert.equal(isStackhookComment('**Stackhook** · stack **prod** · proposed run: **finished**\n/stackhook plan'), true);
  });

  it('R24: a comment by an unlinked account is refused once, in a reply that says how to link it', async () => {
    const { answer, comment: made } = await comment(carol, '/stackhook plan');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.response.runIds, []);
    assert.match(answer.response.reason, /refused: the account 557058:\S+ is linked to no Stackhook user/);
    const replies = await repliesTo(made.id);
    assert.equal(replies.length, 1);
    assert.match(replies[0] ?? '', /^\*\*Stackhook\*\* · .*not linked to a Stackhook user.*users link NAME 557058:/s);
  });

  it('R24 and R16: a linked writer plans every stack the pull request reaches; a retried delivery acts once', async () => {
    await spaces.grantAccess(ana(), { user: 'bo', spaceId: 'platform', role: 'write' });
    const linked = await linkBitbucket(as('bo'), { username: 'bo@example.com', secret: BO_TOKEN }, scope);
    assert.equal(linked.accountId, bo.accountId, 'linked by proving the account with its own token (GET /user)');
    const pipeline = new DeliveryPipeline(ana());
    const { answer, comment: made } = await comment(bo, '/stackhook plan', { pipeline, requestUuid: '{plan-once}' });
    assert.equal(answer.status, 202);
    assert.deepEqual([...answer.response.stackIds].sort(), ['dev', 'prod'], 'a command ignores trigger paths: dev changed nothing but was asked for');
    assert.match(answer.response.reason, /^\/stackhook plan on pull request #12 by bo: proposed run on prod/);
    const event = pullRequestEvent(bitbucket, 'pullrequest:comment_created', { repository: REPO, id: 12, actor: bo, commentId: made.id });
    const retry = await pipeline.handle({
      integrationId: 'acme-main',
      headers: { 'x-event-key': event.eventKey, 'x-request-uuid': '{plan-once}', 'x-attempt-number': '2', 'x-hub-signature': signatureFor(secret, event.body) },
      readBody: async () => Buffer.from(event.body),
    });
    assert.equal(retry.response.duplicate, true);
    assert.deepEqual(retry.response.runIds, answer.response.runIds);
  });

  it('R24: named stacks only; a linked user without write is refused, naming the stack', async () => {
    await linkBitbucket(ana(), { user: 'bo', accountId: bo.accountId }, scope);
    const refused = await comment(bo, '/stackhook plan prod');
    assert.match(refused.answer.response.reason, /refused: bo may not plan prod \(needs write on the stack's space\)/);
    assert.match((await repliesTo(refused.comment.id))[0] ?? '', /bo may not plan prod/);
    await spaces.grantAccess(ana(), { user: 'bo', spaceId: 'platform', role: 'write' });
    const planned = await comment(bo, '/stackhook plan PROD');
    assert.deepEqual(planned.answer.response.stackIds, ['prod']);
    const unknown = await comment(bo, '/stackhook plan nope');
    assert.match(unknown.answer.response.reason, /refused: no stack nope on acme\/infra/);
  });

  it('R24: an edited comment does nothing, and neither does a refused command\'s retry', async () => {
    await linkBitbucket(ana(), { user: 'ana', accountId: integrationUser.accountId }, scope);
    const edited = await comment(integrationUser, '/stackhook plan', { key: 'pullrequest:comment_updated' });
    assert.equal(edited.answer.response.verdict, 'ignored');
    assert.deepEqual(edited.answer.response.runIds, []);
    assert.match(edited.answer.response.reason, /an edited comment is never a command/);
    const pipeline = new DeliveryPipeline(ana());
    const first = await comment(carol, '/stackhook plan', { pipeline, requestUuid: '{refused-once}' });
    const event = pullRequestEvent(bitbucket, 'pullrequest:comment_created', { repository: REPO, id: 12, actor: carol, commentId: first.comment.id });
    await pipeline.handle({
      integrationId: 'acme-main',
      headers: { 'x-event-key': event.eventKey, 'x-request-uuid': '{refused-once}', 'x-attempt-number': '2', 'x-hub-signature': signatureFor(secret, event.body) },
      readBody: async () => Buffer.from(event.body),
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await repliesTo(first.comment.id)).length, 1, 'answered once');
  });

  it('R24: in one-person use the integration\'s own account commands as the server\'s user; on a team server it must be linked', async () => {
    const own = await comment(integrationUser, '/stackhook plan dev');
    assert.deepEqual(own.answer.response.stackIds, ['dev']);
    assert.match(own.answer.response.reason, /by ana:/);
    const team = await comment(integrationUser, '/stackhook plan dev', { team: true });
    assert.deepEqual(team.answer.response.runIds, []);
    assert.match(team.answer.response.reason, /linked to no Stackhook user/);
  });

  it('R24: Stackhook\'s own comments, other comments and help', async () => {
    const own = await comment(integrationUser, '**Stackhook** · stack **prod** · proposed run: **finished**\n\n/stackhook plan');
    assert.match(own.answer.response.reason, /one of Stackhook's own/);
    const chat = await comment(bo, 'looks good to me');
    assert.match(chat.answer.response.reason, /not a \/stackhook command/);
    const help = await comment(carol, '/stackhook help');
    assert.match((await repliesTo(help.comment.id))[0] ?? '', /\/stackhook plan \[stack…\]/);
  });

  it('R24: linking another user\'s account needs admin of the root space, and a bad account id is refused', async () => {
    await spaces.grantAccess(ana(), { user: 'bo', spaceId: 'platform', role: 'admin' });
    assert.equal(await kindOf(() => linkBitbucket(as('bo'), { user: 'carol', accountId: carol.accountId }, scope)), 'Forbidden');
    assert.equal(await kindOf(() => linkBitbucket(ana(), { user: 'carol', accountId: 'carol' }, scope)), 'Invalid');
    assert.equal(await kindOf(() => linkBitbucket(as('bo'), { username: 'bo@example.com', secret: 'ATATT3xFfGF0-wrong' }, scope)), 'Bitbucket');
    assert.equal((await world.as('ana').store.read()).accountLinks, undefined, 'nothing was linked');
  });
});
