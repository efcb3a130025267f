import { AsyncLocalStorage } from 'node:async_hooks';
import { EntityManager } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { queryRows } from '../database/query-rows';

/**
 * The idempotency key a request holds while its use case runs. The unit of work asks it to mark the
 * key `committed`, with the use case's result, inside the write's own transaction: so a key is never
 * committed without its write, nor a write without its key, and a crash after COMMIT but before the
 * answer was stored still replays instead of acting twice (docs/decisions.md, "Issue #25").
 */
export class IdempotencyScope {
  private closed = false;

  constructor(
    readonly keyId: string,
    readonly token: string,
    /** The route's success status when the use case's result is its answer; null when it is not (nothing of it is stored then). */
    private readonly status: number | null,
  ) {}

  /**
   * Inside the write's transaction. The row is updated only while this try still holds it: a try
   * that was taken over (its instance looked dead) rolls its write back with 409.
   */
  async committed(db: EntityManager, result: unknown): Promise<void> {
    if (this.closed) return;
    const rows = await queryRows<{ id: string }>(
      db,
      `UPDATE idempotency_keys SET state = 'committed', response_status = $3, response_body = $4
       WHERE id = $1 AND token = $2 AND state <> 'completed' RETURNING id`,
      [this.keyId, this.token, this.status, this.status === null ? null : JSON.stringify(result ?? null)],
    );
    if (rows.length === 0) throw new DomainError(ErrorCode.IDEMPOTENCY_KEY_IN_USE, 'Another request with this Idempotency-Key took over; nothing was written.');
  }

  /** After the answer: units of work the request left running (none should) no longer write the key. */
  close(): void {
    this.closed = true;
  }
}

const scopes = new AsyncLocalStorage<IdempotencyScope>();

/** The key the current request holds, if it sent one to an `@Idempotent()` route. */
export const currentIdempotencyScope = (): IdempotencyScope | undefined => scopes.getStore();

export const runInIdempotencyScope = <T>(scope: IdempotencyScope, work: () => T): T => scopes.run(scope, work);
