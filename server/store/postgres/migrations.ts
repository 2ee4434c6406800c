// The PostgreSQL schema, as numbered migrations applied at start-up. Every replica may start at once:
// the migrations run in one transaction under an advisory lock, so exactly one applies them and the
// others then find the schema current. A database migrated by a newer Stackhook is refused.
import type { Pool, PoolClient } from 'pg';

/** Arbitrary, fixed: the key of the advisory lock that serialises migrations across replicas. */
const MIGRATION_LOCK = 0x5374_6b68;

export const MIGRATIONS: readonly string[] = [
  // 1: who may connect, and credentials sealed with the server's key (never in plain text).
  `CREATE TABLE team_users (
     name text PRIMARY KEY,
     created_at timestamptz NOT NULL
   );
   CREATE TABLE team_tokens (
     id text PRIMARY KEY,
     user_name text NOT NULL REFERENCES team_users (name),
     hash text NOT NULL UNIQUE,
     created_at timestamptz NOT NULL,
     expires_at timestamptz NOT NULL,
     revoked_at timestamptz
   );
   CREATE TABLE credentials (
     integration_id text PRIMARY KEY,
     sealed text NOT NULL
   );`,
  // 2: the registry as one JSON document changed in transactions (row lock: no lost update), and the
  // append-only records (runs, deliveries, refusals) with a sequence number every replica reads by.
  `CREATE TABLE registry (
     id integer PRIMARY KEY CHECK (id = 1),
     revision bigint NOT NULL,
     state jsonb NOT NULL
   );
   CREATE TABLE records (
     seq bigserial PRIMARY KEY,
     log text NOT NULL,
     body jsonb NOT NULL
   );
   CREATE INDEX records_log_seq ON records (log, seq);
   CREATE TABLE accepted_deliveries (
     integration_id text NOT NULL,
     request_uuid text NOT NULL,
     holder text NOT NULL,
     claimed_at timestamptz NOT NULL,
     delivery jsonb,
     PRIMARY KEY (integration_id, request_uuid)
   );`,
  // 3: replicas' heartbeats, so a run claimed by a replica that died is taken over by another.
  `CREATE TABLE replica_heartbeats (
     owner text PRIMARY KEY,
     seen_at timestamptz NOT NULL
   );`,
  // 4: one-time invitations, kept apart from personal tokens so that none can authenticate a connection.
  `CREATE TABLE team_invitations (
     id text PRIMARY KEY,
     user_name text NOT NULL REFERENCES team_users (name),
     hash text NOT NULL UNIQUE,
     created_at timestamptz NOT NULL,
     expires_at timestamptz NOT NULL,
     revoked_at timestamptz,
     used_at timestamptz,
     redeemed_token_id text REFERENCES team_tokens (id)
   );`,
];

export class DatabaseTooNewError extends Error {}

export async function migrate(pool: Pool): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS stackhook_schema (version integer NOT NULL)');
    const current = await schemaVersion(client);
    if (current > MIGRATIONS.length) {
      throw new DatabaseTooNewError(
        `The database is at Stackhook schema version ${current}, and this server knows versions up to ${MIGRATIONS.length}: ` +
          'a newer Stackhook has used it. Nothing was changed. Run that newer version (or restore a backup made for this one).',
      );
    }
    for (let version = current + 1; version <= MIGRATIONS.length; version += 1) await client.query(MIGRATIONS[version - 1] as string);
    if (current === 0) await client.query('INSERT INTO stackhook_schema (version) VALUES ($1)', [MIGRATIONS.length]);
    else await client.query('UPDATE stackhook_schema SET version = $1', [MIGRATIONS.length]);
    await client.query('COMMIT');
    return MIGRATIONS.length;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function schemaVersion(client: PoolClient): Promise<number> {
  const { rows } = await client.query<{ version: number }>('SELECT version FROM stackhook_schema');
  return rows[0]?.version ?? 0;
}
