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
  // 4: a delivery's key is taken in the statement that records it, so a key never stands without its
  // record (claims left pending by an older server are dropped: their delivery was not recorded). One
  // function appends a batch of records in one statement, hence one round trip and one commit: the
  // log's advisory lock (sequence numbers commit in order), the keys of deliveries (R16: the first
  // attempt of each wins, by the primary key; one routed on a registry revision that is no longer the
  // latest is written not at all but answered stale, to be routed again), the records in batch order,
  // the NOTIFY, the sequence numbers of the records written, and the records of others the caller has
  // not read yet: under the lock every earlier record has committed, so that is gap-free.
  `DELETE FROM accepted_deliveries WHERE delivery IS NULL;
   ALTER TABLE accepted_deliveries ALTER COLUMN delivery SET NOT NULL, DROP COLUMN holder;
   CREATE FUNCTION stackhook_append_records(p_log text, p_after bigint, p_items jsonb, p_channel text, p_notice text) RETURNS jsonb
   LANGUAGE plpgsql AS $$
   DECLARE
     won integer[];
     stale integer[];
     mine bigint[];
     latest bigint;
   BEGIN
     PERFORM pg_advisory_xact_lock(hashtext('stackhook.records.' || p_log));
     SELECT revision INTO latest FROM registry WHERE id = 1;
     SELECT coalesce(array_agg(n::integer), '{}') INTO stale
       FROM jsonb_array_elements(p_items) WITH ORDINALITY AS t(e, n)
       WHERE e ? 'routedOn' AND (e->>'routedOn')::bigint <> latest;
     WITH items AS (
            SELECT n::integer AS n, e->'key'->>0 AS integration_id, e->'key'->>1 AS request_uuid, e->'body' AS body
            FROM jsonb_array_elements(p_items) WITH ORDINALITY AS t(e, n)
            WHERE e ? 'key' AND NOT n::integer = ANY (stale)),
          taken AS (
            INSERT INTO accepted_deliveries (integration_id, request_uuid, claimed_at, delivery)
            SELECT integration_id, request_uuid, now(), body FROM items ORDER BY n
            ON CONFLICT DO NOTHING
            RETURNING integration_id, request_uuid),
          firsts AS (
            SELECT DISTINCT ON (i.integration_id, i.request_uuid) i.n
            FROM items i JOIN taken t USING (integration_id, request_uuid)
            ORDER BY i.integration_id, i.request_uuid, i.n)
     SELECT coalesce(array_agg(n), '{}') INTO won FROM firsts;
     WITH written AS (
            INSERT INTO records (log, body)
            SELECT p_log, e->'body' FROM jsonb_array_elements(p_items) WITH ORDINALITY AS t(e, n)
            WHERE NOT (e ? 'key') OR n::integer = ANY (won)
            ORDER BY n
            RETURNING seq)
     SELECT coalesce(array_agg(seq ORDER BY seq), '{}') INTO mine FROM written;
     IF cardinality(mine) > 0 THEN
       PERFORM pg_notify(p_channel, p_notice);
     END IF;
     RETURN jsonb_build_object(
       'won', to_jsonb(won),
       'stale', to_jsonb(stale),
       'mine', to_jsonb(mine),
       'others', coalesce((SELECT jsonb_agg(jsonb_build_object('seq', seq, 'body', body) ORDER BY seq)
                           FROM records WHERE log = p_log AND seq > p_after AND NOT seq = ANY (mine)), '[]'::jsonb));
   END
   $$;`,
  // 5: run logs shared by the replicas: one row per run holds the size (locked while appending, so the
  // cap holds across replicas), the masked text in chunks at their byte offsets.
  `CREATE TABLE run_logs (
     run_id text PRIMARY KEY,
     size bigint NOT NULL,
     written_at timestamptz NOT NULL
   );
   CREATE TABLE run_log_chunks (
     run_id text NOT NULL REFERENCES run_logs (run_id) ON DELETE CASCADE,
     start_offset bigint NOT NULL,
     body bytea NOT NULL,
     PRIMARY KEY (run_id, start_offset)
   );`,
  // 6: one-time invitations, kept apart from personal tokens so that none can authenticate a connection.
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
  // 7: each stack's fence, counted up by every replica that takes the stack's lock (an advisory lock
  // held on a session for as long as the stack's runs are worked through). Run claims are now decided
  // by the run events themselves (a claim names the next fence), so the replica-wide claim lock goes.
  `CREATE TABLE stack_fences (
     stack_id text PRIMARY KEY,
     fence bigint NOT NULL
   );`,
  // 8: each tool run's structured plan (counts and rows, never a value), so any replica answers
  // `runs/plan` for a run another replica planned. The newest RUN_PLANS_KEPT are kept.
  `CREATE TABLE run_plans (
     run_id text PRIMARY KEY,
     created_at timestamptz NOT NULL DEFAULT now(),
     plan jsonb NOT NULL
   );
   CREATE INDEX run_plans_created ON run_plans (created_at);`,
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
