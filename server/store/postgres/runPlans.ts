// PostgreSQL's structured plans: one `run_plans` row per tool run (migration 8), so an editor on
// any replica reads the plan of a run another replica planned. The newest RUN_PLANS_KEPT are kept.
import type { Pool } from 'pg';
import { StructuredPlan } from '../../protocol/plan';
import { RUN_PLANS_KEPT, type RunPlans } from '../storeEngine';

const PRUNE_EVERY = 50;

export class PostgresRunPlans implements RunPlans {
  private written = 0;

  constructor(
    private readonly pool: Pool,
    private readonly kept = RUN_PLANS_KEPT,
  ) {}

  async put(runId: string, plan: StructuredPlan): Promise<void> {
    await this.pool.query('INSERT INTO run_plans (run_id, plan) VALUES ($1, $2) ON CONFLICT (run_id) DO UPDATE SET plan = EXCLUDED.plan, created_at = now()', [runId, JSON.stringify(plan)]);
    if (++this.written % PRUNE_EVERY === 0) {
      await this.pool.query('DELETE FROM run_plans WHERE run_id IN (SELECT run_id FROM run_plans ORDER BY created_at DESC OFFSET $1)', [this.kept]);
    }
  }

  async get(runId: string): Promise<StructuredPlan | null> {
    const { rows } = await this.pool.query<{ plan: unknown }>('SELECT plan FROM run_plans WHERE run_id = $1', [runId]);
    const parsed = StructuredPlan.safeParse(rows[0]?.plan);
    return parsed.success ? parsed.data : null;
  }
}
