import { Client } from 'pg';
import { QUERY_READ_TIMEOUT } from '../../common/errors/database-unavailable';

/**
 * A pg client that closes its connection when a query times out on the client side (`query_timeout`).
 * pg only stops waiting: the query stays in flight on the connection, which would go back to the pool
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

  override query(...args: unknown[]): any {
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        if (error instanceof Error && error.message === QUERY_READ_TIMEOUT) this.closeConnection();
      });
    }
    return result;
  }

  private closeConnection(): void {
    (this as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  }
}
