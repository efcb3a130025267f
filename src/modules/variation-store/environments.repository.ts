import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../../infrastructure/database/query-rows';
import { CanarySplit, EnvironmentState } from './domain/environments';

/** An environment as stored, with the versions it points at and the primary's content hash. */
export interface EnvironmentRow extends EnvironmentState {
  agentId: number;
  /** The primary version's content hash: deploying the same content again publishes nothing. */
  contentHash: string;
  createdAt: Date;
  updatedAt: Date;
}

const SELECT = `SELECT e.agent_id AS "agentId", e.name, e.variation_id AS "variationId", v.version, v.content_hash AS "contentHash",
    CASE WHEN e.canary_variation_id IS NULL THEN NULL
      ELSE json_build_object('variationId', e.canary_variation_id, 'version', cv.version, 'percent', e.canary_percent) END AS canary,
    e.revision, e.created_at AS "createdAt", e.updated_at AS "updatedAt"
  FROM environments e JOIN variations v ON v.id = e.variation_id LEFT JOIN variations cv ON cv.id = e.canary_variation_id`;

/**
 * The environments table. Every write to it runs under the agent's row lock (the agents' gate), so
 * writes of one agent's environments are serialised and each applies to what it finds.
 */
@Injectable()
export class EnvironmentsRepository {
  list(db: EntityManager, agentId: number): Promise<EnvironmentRow[]> {
    return queryRows<EnvironmentRow>(db, `${SELECT} WHERE e.agent_id = $1 ORDER BY e.name = 'production' DESC, e.name`, [agentId]);
  }

  async find(db: EntityManager, agentId: number, name: string): Promise<EnvironmentRow | undefined> {
    return (await queryRows<EnvironmentRow>(db, `${SELECT} WHERE e.agent_id = $1 AND e.name = $2`, [agentId, name]))[0];
  }

  async count(db: EntityManager, agentId: number): Promise<number> {
    const [row] = await queryRows<{ n: number }>(db, `SELECT count(*)::int AS n FROM environments WHERE agent_id = $1`, [agentId]);
    return row.n;
  }

  /** Creates the environment or moves it (its revision, the ETag, goes up); returns it as it now stands. */
  async save(db: EntityManager, agentId: number, name: string, variationId: string, canary: CanarySplit | null): Promise<EnvironmentRow> {
    await db.query(
      `INSERT INTO environments (agent_id, name, variation_id, canary_variation_id, canary_percent) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (agent_id, name) DO UPDATE SET variation_id = EXCLUDED.variation_id, canary_variation_id = EXCLUDED.canary_variation_id,
         canary_percent = EXCLUDED.canary_percent, revision = environments.revision + 1, updated_at = now()`,
      [agentId, name, variationId, canary?.variationId ?? null, canary?.percent ?? null],
    );
    await this.syncStates(db, agentId);
    const saved = await this.find(db, agentId, name);
    if (!saved) throw new Error(`environment ${name} of agent ${agentId} vanished inside its own transaction`);
    return saved;
  }

  async delete(db: EntityManager, agentId: number, name: string): Promise<void> {
    await db.query(`DELETE FROM environments WHERE agent_id = $1 AND name = $2`, [agentId, name]);
    await this.syncStates(db, agentId);
  }

  /**
   * A version is `published` while an environment runs it (as primary or canary) and `superseded`
   * otherwise; drafts are untouched. Called after every move, in the move's transaction.
   */
  private async syncStates(db: EntityManager, agentId: number): Promise<void> {
    await db.query(
      `WITH live AS (
         SELECT variation_id AS id FROM environments WHERE agent_id = $1
         UNION SELECT canary_variation_id FROM environments WHERE agent_id = $1 AND canary_variation_id IS NOT NULL),
       wanted AS (
         SELECT v.id, CASE WHEN v.id IN (SELECT id FROM live) THEN 'published' ELSE 'superseded' END AS state
         FROM variations v WHERE v.agent_id = $1 AND v.state <> 'draft')
       UPDATE variations v SET state = w.state, updated_at = now() FROM wanted w WHERE v.id = w.id AND v.state <> w.state`,
      [agentId],
    );
  }
}
