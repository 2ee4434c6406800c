// Benchmark: Bitbucket calls a delivery costs for trigger paths (R23). One repository with twenty
// stacks (each with its project root's trigger paths, two also listing modules/**), the fake
// Bitbucket's real git diffstat, and the delivery pipeline in process with the real Bitbucket client.
// Deliveries: a push of 12 files, a push of 1,200 files (three pages of 500), a README-only push, a
// pull request of 40 files, and a retry of the first. The fewest calls each needs is one diffstat page
// per 500 changed files (none for a retry, whose diff was read already); the goal is exactly that.
//   node --import tsx bench/triggerPathsEconomy.ts
import { createBitbucketGateway } from '../server/bitbucket/restGateway';
import { settingsFromEnv } from '../server/bitbucket/settings';
import { Logger } from '../server/log';
import * as integrations from '../server/operations/integrations';
import * as stacks from '../server/operations/stacks';
import { signatureFor } from '../server/webhooks/signature';
import { ALL_SCOPES, startFakeBitbucket } from '../test/support/fakeBitbucket';
import { DeliveryPipeline } from '../test/support/fileEngine';
import { pullRequestEvent } from '../test/support/pullRequestEvents';
import { pushEvent } from '../test/support/pushEvents';
import { testWorld } from '../test/support/testContext';
import { atMost, type BenchmarkResult } from './support/result';

const TOKEN = 'ATATT3xFfGF0-bench-trigger-paths';
const REPO = 'acme/monorepo';
const STACKS = 20;
const PAGE = 500;
const DIFFSTAT = '/repositories/{workspace}/{repo_slug}/diffstat/{spec}';
const scope = { signal: new AbortController().signal };

export async function triggerPathsEconomy(): Promise<BenchmarkResult> {
  const bitbucket = await startFakeBitbucket();
  const world = await testWorld('ana');
  try {
    bitbucket.world.addUser({ email: 'ana@example.com', token: TOKEN, scopes: ALL_SCOPES, workspaces: { acme: 'admin' } });
    const seed: Record<string, string> = { 'README.md': 'hello\n', 'modules/vpc/main.tf': 'v\n' };
    for (let i = 1; i <= STACKS; i++) seed[`envs/s${i}/main.tf`] = 'a\n';
    const base = bitbucket.pushCommit(REPO, 'main', seed);
    const context = { ...world.as('ana'), bitbucket: createBitbucketGateway(bitbucket.url, new Logger(() => undefined), { ...settingsFromEnv({}), concurrency: 2 }) };
    await integrations.createIntegration(context, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: TOKEN, verify: false }, scope);
    const secret = (await integrations.webhookSecret(context, { id: 'acme-main' })).secret;
    for (let i = 1; i <= STACKS; i++) {
      const triggerPaths = i <= 2 ? [`envs/s${i}/**`, 'modules/**'] : undefined;
      await stacks.createStack(context, { name: `s${i}`, spaceId: 'root', integrationId: 'acme-main', repository: REPO, branch: 'main', projectRoot: `envs/s${i}`, verify: false, ...(triggerPaths ? { triggerPaths } : {}) }, scope);
    }
    const pipeline = new DeliveryPipeline(context);
    const deliver = (event: { eventKey: string; body: string }, requestUuid: string) =>
      pipeline.handle({
        integrationId: 'acme-main',
        headers: { 'x-event-key': event.eventKey, 'x-request-uuid': requestUuid, 'x-attempt-number': '1', 'x-hub-signature': signatureFor(secret, event.body) },
        readBody: async () => Buffer.from(event.body),
      });

    const files = (count: number, prefix: (i: number) => string) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix(i)}/f${i}.tf`, `${i}\n`]));
    const rows: string[][] = [['delivery', 'changed files', 'stacks run', 'diffstat calls', 'fewest calls']];
    let calls = 0;
    let fewest = 0;
    async function measure(name: string, changed: number, minimum: number, send: () => Promise<{ response: { stackIds: string[] } }>) {
      const mark = bitbucket.mark();
      const answer = await send();
      const made = bitbucket.countSince(mark, 'GET', DIFFSTAT);
      calls += made;
      fewest += minimum;
      rows.push([name, String(changed), String(answer.response.stackIds.length), String(made), String(minimum)]);
    }

    let head = base;
    const push = (name: string, changed: Record<string, string>) => {
      const old = head;
      head = bitbucket.pushCommit(REPO, 'main', changed);
      return pushEvent(bitbucket, REPO, [{ branch: 'main', commit: head, old }]);
    };
    const small = push('small', files(12, (i) => `envs/s${(i % 5) + 1}`));
    await measure('push, 12 files under 5 stacks', 12, 1, () => deliver(small, '{small}'));
    const large = push('large', files(1_200, (i) => (i % 2 === 0 ? `envs/s${(i % STACKS) + 1}` : 'modules/vpc')));
    await measure('push, 1,200 files (3 pages)', 1_200, Math.ceil(1_200 / PAGE), () => deliver(large, '{large}'));
    const readme = push('readme', { 'README.md': 'hello again\n' });
    await measure('push, README only', 1, 1, () => deliver(readme, '{readme}'));
    bitbucket.pushCommit(REPO, 'feature/x', files(40, (i) => `envs/s${(i % 3) + 1}`));
    bitbucket.pullRequests.create(REPO, { id: 7, source: 'feature/x' });
    const created = pullRequestEvent(bitbucket, 'pullrequest:created', { repository: REPO, id: 7 });
    await measure('pull request created, 40 files', 40, 1, () => deliver(created, '{pr}'));
    await measure('retry of the first push', 12, 0, () => deliver(small, '{small}'));

    const ratio = calls / fewest;
    rows.push(['all', '', '', String(calls), String(fewest)]);
    return {
      title: 'Trigger paths: Bitbucket calls per delivery',
      rows,
      goals: [atMost('diffstat calls ÷ fewest possible (1 per 500 changed files), 20 stacks on one repository', ratio, 1, '', 2)],
      notes: [
        `${STACKS} stacks on ${REPO}, each with its project root's trigger paths (s1 and s2 also modules/**); the fake Bitbucket computes diffstats from its git repository, 500 entries a page.`,
        'Counted at the fake: every GET of a diffstat page the delivery made, whatever the number of stacks. A retry (the same X-Request-UUID) finds its diff already read and reads nothing.',
      ],
    };
  } finally {
    world.close();
    await bitbucket.stop();
  }
}

if (require.main === module) {
  void triggerPathsEconomy().then((result) => {
    console.log(JSON.stringify(result, null, 2));
  });
}
