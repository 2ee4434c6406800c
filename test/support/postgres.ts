// A private PostgreSQL cluster for one test file: initdb in a temporary folder, a free loopback port,
// run as the `postgres` user when the tests run as root (PostgreSQL refuses root), stopped and
// removed in `after`. Nothing on the machine is used but Debian's binaries.
import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client, type Pool } from 'pg';
import { ChangeChannel } from '../../server/store/postgres/changeChannel';
import { freePort } from '../../scripts/lib/processes';
import { postgresBinDir } from '../../scripts/lib/postgres';

const exec = promisify(execFile);

export interface PostgresCluster {
  readonly url: string;
  readonly port: number;
  /** A fresh database in this cluster, for one suite that must start empty. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

const SUPERUSER = 'stackhook';

export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL 15+ is not installed: run npm run setup (it installs Debian\'s postgresql).');
  const folder = mkdtempSync(path.join(os.tmpdir(), 'stackhook-pg-'));
  const data = path.join(folder, 'data');
  const asRoot = process.getuid?.() === 0;
  let owner: { uid: number; gid: number } | null = null;
  if (asRoot) {
    const { stdout } = await exec('id', ['-u', 'postgres']).catch(() => {
      throw new Error('Tests run as root and PostgreSQL will not: a `postgres` user is needed (Debian\'s postgresql package creates it).');
    });
    const gid = Number((await exec('id', ['-g', 'postgres'])).stdout.trim());
    owner = { uid: Number(stdout.trim()), gid };
    chownSync(folder, owner.uid, owner.gid);
  }
  const as = (command: string, args: string[]) =>
    asRoot ? exec('setpriv', [`--reuid=${owner?.uid}`, `--regid=${owner?.gid}`, '--init-groups', path.join(bin, command), ...args], { cwd: folder }) : exec(path.join(bin, command), args, { cwd: folder });
  const passwordFile = path.join(folder, 'password');
  writeFileSync(passwordFile, 'stackhook-test\n');
  if (owner) chownSync(passwordFile, owner.uid, owner.gid);
  await as('initdb', ['-D', data, '-U', SUPERUSER, '--auth=scram-sha-256', `--pwfile=${passwordFile}`, '-E', 'UTF8', '--no-instructions']);
  const port = await freePort();
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${folder} -c max_connections=200`;
  await as('pg_ctl', ['-D', data, '-o', options, '-l', path.join(folder, 'server.log'), '-w', '-t', '60', 'start']);
  const urlFor = (database: string) => `postgres://${SUPERUSER}:stackhook-test@127.0.0.1:${port}/${database}`;
  return {
    url: urlFor('postgres'),
    port,
    async createDatabase(name) {
      if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`"${name}" is not a plain database name.`);
      const client = new Client({ connectionString: urlFor('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
    async stop() {
      await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** A replica's change channel on `pool`, listening on a connection of its own as the server's does. */
export function changeChannelOf(pool: Pool, url: string): ChangeChannel {
  return new ChangeChannel(
    pool,
    async () => {
      const client = new Client({ connectionString: url });
      await client.connect();
      return client;
    },
    () => undefined,
  );
}

/**
 * The owners a run has had, in order, as the database says: the process that recorded the delivery
 * that queued it (its owner from the start), or the first to claim it, then whoever took it over.
 */
export async function ownersOfRun(databaseUrl: string, runId: string): Promise<string[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ owner: string }>(
      `SELECT owner FROM (
         SELECT d.seq, d.body->>'recordedBy' AS owner FROM records d, jsonb_array_elements(d.body->'runs') AS r(run)
         WHERE d.log = 'deliveries' AND d.body ? 'recordedBy' AND r.run->>'id' = $1
         UNION ALL
         SELECT seq, body->>'owner' FROM records WHERE log = 'run-events' AND body->>'runId' = $1 AND body ? 'owner'
       ) AS owners ORDER BY seq`,
      [runId],
    );
    // Who queued it and then claimed it is one owner: only a change of hands counts twice.
    return rows.map((row) => row.owner).filter((owner, i, owners) => i === 0 || owner !== owners[i - 1]);
  } finally {
    await client.end();
  }
}

/**
 * A private cluster for the enclosing mocha suite: started before its tests and stopped after them,
 * once everything handed to `closeAtEnd` has closed (the last handed first).
 */
export function clusterForSuite(): { createDatabase(name: string): Promise<string>; closeAtEnd(close: () => Promise<void>): void } {
  let cluster: PostgresCluster | undefined;
  const closers: Array<() => Promise<void>> = [];
  before(async () => {
    cluster = await startPostgres();
  });
  after(async () => {
    for (const close of closers.reverse()) await close();
    await cluster?.stop();
  });
  return {
    createDatabase: (name) => {
      if (!cluster) throw new Error('The suite\'s PostgreSQL cluster has not started.');
      return cluster.createDatabase(name);
    },
    closeAtEnd: (close) => void closers.push(close),
  };
}
