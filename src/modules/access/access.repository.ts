import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Grant } from './domain/access-config';

/**
 * The grants table's SQL. Agents' queries embed these fragments so an agent comes back with its
 * grants, and a list page is filtered to what the caller can use, in one round trip.
 */
export const grantsSql = {
  /** The agent's grants as a JSON array, in the order they were given. */
  jsonOf: (agentAlias: string) =>
    `COALESCE((SELECT json_agg(json_build_object('principal', g.principal, 'access', g.access) ORDER BY g.position)
              FROM agent_grants g WHERE g.agent_id = ${agentAlias}.id), '[]')`,
  /** Whether one of `principalsParam` (a text[] parameter) holds a grant on the agent. */
  grantedToAny: (agentAlias: string, principalsParam: string) =>
    `EXISTS (SELECT 1 FROM agent_grants g WHERE g.agent_id = ${agentAlias}.id AND g.principal = ANY(${principalsParam}::text[]))`,
};

@Injectable()
export class AccessRepository {
  /** Grants are replaced whole (SPEC: lists are never merged), keeping their order. */
  async replaceGrants(db: EntityManager, agentId: number, grants: Grant[]): Promise<void> {
    await db.query(`DELETE FROM agent_grants WHERE agent_id = $1`, [agentId]);
    if (grants.length === 0) return;
    await db.query(
      `INSERT INTO agent_grants (agent_id, position, principal, access)
       SELECT $1, g.position, g.principal, g.access
       FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS g(principal, access, position)`,
      [agentId, grants.map((g) => g.principal), grants.map((g) => g.access)],
    );
  }
}
