import { createHash } from 'node:crypto';
import type { CustomTypesConfig, Pool, PoolClient, QueryConfig } from 'pg';
import { EntityManager } from 'typeorm';
import { TimeoutSafeClient } from './timeout-safe-client';

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

/** One statement for queryPipelined: its SQL, parameters and (as queryRows' `options.types`) type parsers. */
export interface Statement {
  sql: string;
  parameters?: unknown[];
  types?: CustomTypesConfig;
}

function queryConfig({ sql, parameters = [], types }: Statement): QueryConfig {
  return { name: statementName(sql), text: sql, values: parameters, ...(types ? { types } : {}) };
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
  if (connection) return (await connection.query(queryConfig({ sql, parameters, ...options }))).rows as T[];
  // TypeORM's postgres driver answers UPDATE/DELETE ... RETURNING with `[rows, affectedCount]`.
  const result: unknown = await db.query(sql, parameters);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

/**
 * Hands a statement to the caller's transaction without waiting for its answer: it resolves once
 * the statement is handed over, with `rows` still to come. On a pipelining connection it is written
 * together with what the transaction sends next (its COMMIT), and PostgreSQL runs the two in order:
 * should this one fail there, the transaction is aborted, PostgreSQL answers the COMMIT with
 * ROLLBACK and the COMMIT fails (TimeoutSafeClient). A failure on pg's side alone (a value it cannot
 * send, a row it cannot parse) aborts nothing: whoever holds `rows` must await it once the
 * transaction is over, to learn of either. Left unawaited (the transaction failed before its COMMIT
 * anyway) its failure is not an unhandled rejection. Outside a transaction, or on a connection that
 * does not pipeline, it waits for the answer first.
 */
export async function sendRows<T>(db: Queryable, sql: string, parameters: unknown[] = []): Promise<{ rows: Promise<T[]> }> {
  const connection = db.queryRunner?.isTransactionActive ? await pgConnectionOf(db) : undefined;
  if (!(connection instanceof TimeoutSafeClient && connection.pipeline)) {
    const rows = await queryRows<T>(db, sql, parameters);
    return { rows: Promise.resolve(rows) };
  }
  const rows = connection.sendWithNext(queryConfig({ sql, parameters })).then((result) => result.rows as T[]);
  rows.catch(() => undefined);
  return { rows };
}

/**
 * Runs statements in order in the caller's transaction and returns each one's rows. The pool's
 * connections pipeline (pg's `pipeline` mode): all the statements go out at once, in one write, and their answers
 * come back together, one round trip instead of one a statement. PostgreSQL still runs them one after
 * the other, each with a snapshot taken when it starts, so a read sent behind a row lock sees
 * everything committed before the lock was granted, as if it had been sent after the lock's answer.
 * If one fails, the transaction is aborted and those after it fail too: the first error is thrown.
 * Outside a transaction, or on a connection that does not pipeline (the service's pool's do: TimeoutSafeClient), they run one by one.
 */
export async function queryPipelined<T extends unknown[]>(db: Queryable, statements: { [K in keyof T]: Statement }): Promise<{ [K in keyof T]: T[K][] }> {
  const connection = db.queryRunner?.isTransactionActive ? await pgConnectionOf(db) : undefined;
  const results: unknown[][] = [];
  if (connection instanceof TimeoutSafeClient && connection.pipeline) {
    // pg times a query from when it is handed over, so each one's client-side timeout is counted from
    // there: the n-th waits for the n - 1 before it (a lock's wait included) and then for itself.
    const timeout = (connection as unknown as { connectionParameters: { query_timeout?: number } }).connectionParameters.query_timeout;
    const sent = connection.sendTogether(() => statements.map((statement, i) => connection.query({ ...queryConfig(statement), ...(timeout ? { query_timeout: timeout * (i + 1) } : {}) } as QueryConfig)));
    for (const outcome of await Promise.allSettled(sent)) {
      if (outcome.status === 'rejected') throw outcome.reason;
      results.push(outcome.value.rows);
    }
  } else {
    for (const statement of statements) results.push(await queryRows(db, statement.sql, statement.parameters, statement));
  }
  return results as { [K in keyof T]: T[K][] };
}
