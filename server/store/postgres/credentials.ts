// Credentials in PostgreSQL, as the sealed strings EncryptedCredentials hands over (never plain text).
import type { Pool } from 'pg';
import type { CredentialStore } from '../../secrets/credentialStore';

export class PostgresCredentials implements CredentialStore {
  constructor(private readonly pool: Pool) {}

  async get(integrationId: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ sealed: string }>('SELECT sealed FROM credentials WHERE integration_id = $1', [integrationId]);
    return rows[0]?.sealed ?? null;
  }

  async set(integrationId: string, sealed: string | null): Promise<void> {
    if (sealed === null) await this.pool.query('DELETE FROM credentials WHERE integration_id = $1', [integrationId]);
    else await this.pool.query('INSERT INTO credentials (integration_id, sealed) VALUES ($1, $2) ON CONFLICT (integration_id) DO UPDATE SET sealed = EXCLUDED.sealed', [integrationId, sealed]);
  }
}
