import { Client, QueryResult } from 'pg';
import { QUERY_READ_TIMEOUT } from '../../common/errors/database-unavailable';

const START = 'START TRANSACTION';

/**
 * A pg client that closes its connection when a query times out on the client side (`query_timeout`).
 * pg only stops waiting (it closes the connection itself only when it pipelines, as the pool's
 * connections do; the event announcer's does not): the query stays in flight on the connection, which would go back to the pool
 * and make the next request wait behind it (and, inside a transaction, a ROLLBACK sent later would wait
 * too). Worse, once a partition heals the server could still run the statement in a transaction that a
 * later borrower commits. A closed connection errors, TypeORM releases it with that error, and the pool
 * drops it.
 */
export class TimeoutSafeClient extends Client {
  /**
   * A connection the server ends (a restart's "terminating connection due to administrator command")
   * while no query is on it is an `error` event on the client. Idle in the pool, the pool listens;
   * lent out between two queries, its holder may not, and an `error` event nobody listens to ends the
   * process: a restart killed the service this way (test/database-restart.e2e-spec.ts). This listener
   * keeps the process up; the client is no longer queryable, so its holder's next query fails and
   * the pool drops it when it comes back.
   */
  constructor(...args: ConstructorParameters<typeof Client>) {
    super(...args);
    this.on('error', () => undefined);
  }

  /** A START TRANSACTION sent and not yet answered: the next statement's answer carries its outcome. */
  private begun: Promise<unknown> | undefined;

  override query(...args: unknown[]): any {
    if (this.pipeline && args[0] === START && args[1] === undefined && args[2] === undefined) return this.startTransaction();
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (!(result instanceof Promise)) return result;
    result.catch((error: unknown) => {
      if (error instanceof Error && error.message === QUERY_READ_TIMEOUT) this.closeConnection();
    });
    const begun = this.begun;
    if (!begun) return result;
    this.begun = undefined;
    // The BEGIN's answer comes first: if it failed, this statement reports its error.
    return Promise.all([begun, result]).then(([, answer]) => answer);
  }

  /**
   * TypeORM opens every transaction with START TRANSACTION and waits for its answer before the first
   * statement: a round trip that carries nothing. With the pool pipelining, it is sent at once and
   * answered at once, and its real answer travels back with the next statement's, which goes out right
   * behind it: PostgreSQL runs the two in order, so that statement is inside the transaction. A BEGIN
   * fails only with its connection (or in a transaction already aborted), and then the statement behind
   * it fails as well.
   */
  private startTransaction(): Promise<QueryResult> {
    const begun = (super.query as (text: string) => Promise<QueryResult>)(START);
    this.begun = begun;
    // A BEGIN answered before any statement followed it has nothing left to tell (and a failed one was
    // its connection's end): no later statement is tied to it.
    begun.then(
      () => {
        if (this.begun === begun) this.begun = undefined;
      },
      () => undefined,
    );
    return Promise.resolve({ command: 'START', rowCount: null, oid: 0, rows: [], fields: [] });
  }

  private closeConnection(): void {
    (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  }
}
