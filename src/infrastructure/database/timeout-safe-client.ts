import { Client, QueryConfig, QueryResult } from 'pg';
import { QUERY_READ_TIMEOUT } from '../../common/errors/database-unavailable';

const START = 'START TRANSACTION';
const COMMIT = 'COMMIT';

/**
 * PostgreSQL answers the COMMIT of a transaction in which a statement failed with ROLLBACK, and no
 * error. A statement whose answer nobody awaited before the COMMIT (sendRows) may have failed: the
 * COMMIT then fails too, so that no caller takes a rolled-back write for a committed one.
 */
function committed(result: QueryResult): QueryResult {
  if (result.command === 'ROLLBACK') throw new Error('COMMIT was answered with ROLLBACK: a statement of the transaction had failed');
  return result;
}

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

  /** Whether statements handed to pg wait, unwritten, for the next one (the socket is corked). */
  private holding = false;
  /** A START TRANSACTION held and not yet answered: the next statement's answer carries its outcome. */
  private begun: Promise<unknown> | undefined;

  override query(...args: unknown[]): any {
    if (this.pipeline && args[0] === START && args[1] === undefined && args[2] === undefined) return this.startTransaction();
    const sent = this.send(args);
    this.writeHeld();
    const result = args[0] === COMMIT && sent instanceof Promise ? sent.then(committed) : sent;
    const begun = this.begun;
    if (!begun || !(result instanceof Promise)) return result;
    this.begun = undefined;
    // The BEGIN's answer comes first: if it failed, this statement reports its error.
    return Promise.all([begun, result]).then(([, answer]) => answer);
  }

  /**
   * Hands a statement to pg and holds its write back until the next statement's, for one whose
   * answer nobody waits for before sending another (the transaction's BEGIN, an event append that
   * goes out with the COMMIT). Each write to the socket is a trip through the kernel's TCP path and
   * a wake-up of the PostgreSQL backend: a PATCH went from six writes to three, and its CPU with them
   * (docs/decisions.md, "fewer writes per transaction"). Only for a pipelining client inside a
   * transaction, which always sends another statement (at least its COMMIT or ROLLBACK).
   */
  sendWithNext(config: QueryConfig): Promise<QueryResult> {
    if (!this.holding) {
      this.stream().cork();
      this.holding = true;
      // A next statement comes in the same turn of the event loop (TypeORM's COMMIT follows the use
      // case's last await at once); should none come, say because the holder awaits this answer
      // first, it is written alone rather than never.
      setImmediate(() => this.writeHeld());
    }
    return this.send([config]) as Promise<QueryResult>;
  }

  /** Writes what `send` hands to pg (pipelined, so submitted at once) and anything held, in one write. */
  sendTogether<T>(send: () => T): T {
    const stream = this.stream();
    stream.cork();
    try {
      return send();
    } finally {
      stream.uncork();
      this.writeHeld();
    }
  }

  private writeHeld(): void {
    if (!this.holding) return;
    this.holding = false;
    this.stream().uncork();
  }

  private send(args: unknown[]): unknown {
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        if (error instanceof Error && error.message === QUERY_READ_TIMEOUT) this.closeConnection();
      });
    }
    return result;
  }

  /**
   * TypeORM opens every transaction with START TRANSACTION and waits for its answer before the first
   * statement: a round trip that carries nothing, and a write of its own. With the pool pipelining it
   * is answered at once and held (sendWithNext): it goes out in one write with the next statement and
   * its real answer travels back with that statement's. PostgreSQL runs the two in order, so that
   * statement is inside the transaction. A BEGIN fails only with its connection (or in a transaction
   * already aborted), and then the statement behind it fails as well.
   */
  private startTransaction(): Promise<QueryResult> {
    const begun = this.sendWithNext({ text: START });
    begun.catch(() => undefined);
    this.begun = begun;
    return Promise.resolve({ command: 'START', rowCount: null, oid: 0, rows: [], fields: [] });
  }

  private stream(): { cork(): void; uncork(): void; destroy(): void } {
    return (this as unknown as { connection: { stream: { cork(): void; uncork(): void; destroy(): void } } }).connection.stream;
  }

  private closeConnection(): void {
    this.stream().destroy();
  }
}
