import { createHash } from 'node:crypto';
import type { CustomTypesConfig, Pool, PoolClient, QueryConfig } from 'pg';
import { EntityManager } from 'typeorm';

/**
 * At most this many distinct SQL texts are prepared (per connection, by PostgreSQL); any beyond run
 * unprepared. Repositories build a small, fixed set of texts, so the bound only guards against a bug.
 */
const MAX_PREPARED = 500;
const statementNames = new Map<string, string>();

function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < MAX_PREPARED) {
    name = `agentry_${createHash('sha1').update(sql).digest('base64url')}`;
    statementNames.set(sql, name);
  }
  return name;
}

type Queryable = Pick<EntityManager, 'query'> & Partial<Pick<EntityManager, 'queryRunner' | 'connection'>>;

/**
 * The pg connection behind a TypeORM manager: the transaction's own client, or the pool. Undefined for
 * anything else that can only `query` (the benchmark captures SQL that way).
 */
async function pgConnectionOf(db: Queryable): Promise<Pool | PoolClient | undefined> {
  if (db.queryRunner) return (await db.queryRunner.connect()) as PoolClient;
  return (db.connection?.driver as { master?: Pool } | undefined)?.master;
}

/**
 * Runs a repository's SQL and returns its rows. Statements go to pg as named (prepared) statements:
 * the agent queries carry long column lists and subqueries, and profiling showed PostgreSQL spending
 * more time parsing and planning them on every call than executing them (an agent read: 0.56 ms
 * unprepared, 0.21 ms prepared). Each connection prepares a text once; PostgreSQL replans as it sees fit.
 * `options.types` are the read's own type parsers (ISO_TIMESTAMPS).
 */
export async function queryRows<T>(db: Queryable, sql: string, parameters: unknown[] = [], options: { types?: CustomTypesConfig } = {}): Promise<T[]> {
  const connection = await pgConnectionOf(db);
  if (connection) {
    const query: QueryConfig = { name: statementName(sql), text: sql, values: parameters, ...(options.types ? { types: options.types } : {}) };
    return (await connection.query(query)).rows as T[];
  }
  // TypeORM's postgres driver answers UPDATE/DELETE ... RETURNING with `[rows, affectedCount]`.
  const result: unknown = await db.query(sql, parameters);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}
