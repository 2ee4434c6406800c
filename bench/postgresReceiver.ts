// Receiver throughput on PostgreSQL against its floor in the same run: a bare Node http server that
// inserts each body in one statement (a durable accept on this database, nothing more) and a team
// server keeping its store in the same cluster, taking signed repo:push deliveries for an integration
// with 10 stacks (each delivery claimed, recorded with its 10 runs and announced by NOTIFY before the
// answer). A private cluster on loopback, started and removed by the benchmark itself.
import autocannon, { type Result } from 'autocannon';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as Protocol from '../server/protocol';
import { startPostgres } from '../test/support/postgres';
import { tempStore } from '../test/support/serverProcess';
import { connectEditor, startTeamServer, userWithToken } from '../test/support/teamServer';
import { loadFixture, repositoryOf } from '../test/unit/webhooks/fixtures';
import { branchOf, pushHeaders } from './receiverThroughput';
import { atLeast, type BenchmarkResult } from './support/result';
import { startDiffstatBitbucket } from './support/diffstatBitbucket';
import { median } from './support/stats';

const STACKS = 10;
const CONNECTIONS = 10;
const SECONDS = 3;
const ROUNDS = 2;

const FLOOR_SERVER = `
const http = require('node:http');
const { Pool } = require(${JSON.stringify(path.resolve(__dirname, '../node_modules/pg'))});
const pool = new Pool({ connectionString: process.env.FLOOR_DATABASE_URL, max: 10 });
pool.query('CREATE TABLE IF NOT EXISTS floor_bodies (id bigserial PRIMARY KEY, body jsonb NOT NULL)').then(() => {
  http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      pool.query('INSERT INTO floor_bodies (body) VALUES ($1)', [Buffer.concat(chunks).toString('utf8')]).then(
        () => { response.writeHead(202, { 'Content-Type': 'application/json' }); response.end('{"ok":true}'); },
        () => { response.writeHead(503); response.end(); },
      );
    });
  }).listen(0, '127.0.0.1', function () { console.log('port ' + this.address().port); });
});
`;

function load(url: string, pathName: string, headers: Record<string, string>, body: Buffer): Promise<Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    timeout: 10,
    requests: [{ method: 'POST', path: pathName, body, setupRequest: (request) => ({ ...request, headers: { ...headers, 'X-Request-UUID': randomUUID() } }) }],
  });
}

const successPerSecond = (result: Result) => result['2xx'] / result.duration;

export async function postgresReceiver(): Promise<BenchmarkResult> {
  const push = loadFixture('jenkins-bitbucket-branch-source/BitbucketCloudPushEventTest-updatePayload.json');
  const repository = repositoryOf(push);
  const cluster = await startPostgres();
  const stops: Array<() => Promise<void>> = [() => cluster.stop()];
  try {
    const floorUrl = await cluster.createDatabase('floor');
    const floor = spawn(process.execPath, ['-e', FLOOR_SERVER], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FLOOR_DATABASE_URL: floorUrl } });
    stops.push(async () => void floor.kill('SIGTERM'));
    const floorPort = await new Promise<string>((resolve, reject) => {
      let text = '';
      floor.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const match = /port (\d+)/.exec(text);
        if (match) resolve(match[1] as string);
      });
      floor.once('exit', (code) => reject(new Error(`the floor server exited with ${code}`)));
    });

    // Trigger paths (R23): the stacks are at the repository's root (`**`), so the one changed file runs them all.
    const bitbucket = await startDiffstatBitbucket(['main.tf']);
    stops.push(() => bitbucket.stop());
    const server = await startTeamServer({
      store: tempStore('stackhook-bench-pg-'),
      databaseUrl: await cluster.createDatabase('team'),
      args: ['--bitbucket-api', bitbucket.apiUrl],
      env: { STACKHOOK_BITBUCKET_RATE_LIMIT: '0' },
    });
    stops.push(() => server.stop());
    const editor = await connectEditor(server.url, await userWithToken(server, 'ana', true));
    await editor.request(Protocol.IntegrationsCreate, { name: 'Acme Main', type: 'default', username: 'ana@example.com', secret: 'ATATT-bench-0123456789', verify: false });
    const branch = branchOf(push.json);
    for (let i = 1; i <= STACKS; i++) {
      await editor.request(Protocol.StacksCreate, { name: `stack-${i}`, spaceId: 'root', integrationId: 'acme-main', repository, branch, verify: false });
    }
    const secret = (await editor.request(Protocol.IntegrationsWebhookSecret, { id: 'acme-main' })).secret as string;
    await editor.close();
    const headers = pushHeaders(secret, push.body);
    const targets = [
      { name: 'bare Node http, one INSERT per body (floor)', url: `http://127.0.0.1:${floorPort}` },
      { name: `Stackhook team server on PostgreSQL (${STACKS} stacks)`, url: server.url },
    ];
    for (const target of targets) await load(target.url, '/webhooks/bitbucket-cloud/acme-main', headers, push.body); // warm-up
    const results: Result[][] = targets.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, target] of targets.entries()) results[i]?.push(await load(target.url, '/webhooks/bitbucket-cloud/acme-main', headers, push.body));
    }
    const perSecond = results.map((runs) => median(runs.map(successPerSecond)));
    const failures = results.flat().reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0);
    const ratio = (perSecond[1] ?? NaN) / (perSecond[0] ?? NaN);
    return {
      title: 'Receiver throughput on PostgreSQL',
      rows: [
        ['target', 'req/s (saturated, median)', 'p99 ms (last round)'],
        ...targets.map((target, i) => [target.name, (perSecond[i] ?? NaN).toFixed(0), String(results[i]?.at(-1)?.latency.p99 ?? '')]),
        ['ratio (Stackhook ÷ floor)', ratio.toFixed(2), ''],
      ],
      goals: [
        atLeast('team server req/s on PostgreSQL ÷ one-INSERT floor', ratio, 0.5, '', 2,
          'each delivery is HMAC-checked, parsed with zod and routed to its 10 runs, which this process then owns and starts; appends waiting together go out as one statement and one commit (the log\'s advisory lock, which orders appends across replicas, the delivery keys, the records, the NOTIFY), against one INSERT per body for the floor; both commit to the same cluster, and the server, PostgreSQL and the load generator share 2 cores'),
      ],
      notes: [
        `autocannon ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s per target after a warm-up; each request a fresh X-Request-UUID. Requests not answered 2xx: ${failures}.`,
        'PostgreSQL 15 on a private cluster in a temporary folder (default durability: fsync and synchronous_commit on).',
        'Bitbucket is a loopback server that answers diffstats at once and leaves every other request unanswered, so the runs the deliveries queue stay in flight (one per stack), as they do while pipelines run. Every delivery carries the same push, so its diffstat is read once and kept (a diff of two commits never changes); the file-store receiver benchmark gives each delivery a commit of its own.',
      ],
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}
