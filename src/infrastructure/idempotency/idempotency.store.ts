import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { queryRows } from '../database/query-rows';

/** How long a try holds its key before another may decide its instance is gone and take it over. */
export const IDEMPOTENCY_HOLD_SECONDS = 60;
/** Keys are kept this long (SPEC §15), then swept. */
export const IDEMPOTENCY_RETENTION_HOURS = 24;

export interface StoredAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export interface IdempotencyKeyRow {
  id: string;
  fingerprint: string;
  state: 'in_flight' | 'committed' | 'completed';
  token: string;
  held: boolean;
  expired: boolean;
  responseStatus: number | null;
  responseBody: unknown;
  responseHeaders: Record<string, string> | null;
}

/** What the database decided for a request with a key: act (holding the key), or what to answer instead. */
export type KeyDecision = { act: { id: string; token: string } } | { existing: IdempotencyKeyRow };

const ROW = `id::text, fingerprint, state, token, locked_until > now() AS held,
  created_at < now() - make_interval(hours => ${IDEMPOTENCY_RETENTION_HOURS}) AS expired,
  response_status AS "responseStatus", response_body AS "responseBody", response_headers AS "responseHeaders"`;

/** The idempotency keys' SQL; every statement stands alone (autocommit), so other instances see it at once. */
@Injectable()
export class IdempotencyStore {
  constructor(private readonly db: DataSource) {}

  /**
   * Insert first: the unique key (org, caller, key) lets exactly one request of any number, on any
   * instance, act. The others get the row as it stands. A row past retention that the sweep has not
   * removed yet is removed here and the insert tried again; so is a row whose holder looks dead and
   * never committed (taken over with a new token, so its late write, if any, rolls back).
   */
  async decide(orgId: string, caller: string, key: string, fingerprint: string): Promise<KeyDecision> {
    for (let tries = 0; ; tries++) {
      if (tries === 5) throw new DomainError(ErrorCode.IDEMPOTENCY_KEY_IN_USE, 'Requests with this Idempotency-Key keep racing; retry shortly.', undefined, 1);
      const token = randomUUID();
      const [inserted] = await queryRows<{ id: string }>(
        this.db.manager,
        `INSERT INTO idempotency_keys (org_id, caller, key, fingerprint, state, token, locked_until)
         VALUES ($1, $2, $3, $4, 'in_flight', $5, now() + make_interval(secs => ${IDEMPOTENCY_HOLD_SECONDS}))
         ON CONFLICT ON CONSTRAINT idempotency_keys_caller_key DO NOTHING RETURNING id::text`,
        [orgId, caller, key, fingerprint, token],
      );
      if (inserted) return { act: { id: inserted.id, token } };
      const [existing] = await queryRows<IdempotencyKeyRow>(this.db.manager, `SELECT ${ROW} FROM idempotency_keys WHERE org_id = $1 AND caller = $2 AND key = $3`, [orgId, caller, key]);
      if (!existing) continue; // removed meanwhile (its request failed before writing): insert again
      if (existing.expired) {
        await this.db.query(`DELETE FROM idempotency_keys WHERE id = $1 AND token = $2`, [existing.id, existing.token]);
        continue;
      }
      if (existing.state === 'in_flight' && !existing.held && existing.fingerprint === fingerprint) {
        const [taken] = await queryRows<{ id: string }>(
          this.db.manager,
          `UPDATE idempotency_keys SET token = $3, locked_until = now() + make_interval(secs => ${IDEMPOTENCY_HOLD_SECONDS})
           WHERE id = $1 AND token = $2 AND state = 'in_flight' AND locked_until <= now() RETURNING id::text`,
          [existing.id, existing.token, token],
        );
        if (taken) return { act: { id: taken.id, token } };
        continue;
      }
      return { existing };
    }
  }

  /** The answer as sent, for replays. Only while this try holds the key (it may have been taken over). */
  async complete(id: string, token: string, answer: StoredAnswer): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_keys SET state = 'completed', response_status = $3, response_body = $4, response_headers = $5
       WHERE id = $1 AND token = $2`,
      [id, token, answer.status, JSON.stringify(answer.body ?? null), JSON.stringify(answer.headers)],
    );
  }

  /** A request that failed before writing anything gives its key back: the same request may be sent again. */
  async release(id: string, token: string): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_keys WHERE id = $1 AND token = $2 AND state = 'in_flight'`, [id, token]);
  }

  /** Up to `batchSize` keys past retention, oldest first (an index range on created_at). */
  async purgeExpired(batchSize: number): Promise<number> {
    const rows = await queryRows<{ n: string }>(
      this.db.manager,
      `WITH doomed AS (
         SELECT id FROM idempotency_keys WHERE created_at < now() - make_interval(hours => ${IDEMPOTENCY_RETENTION_HOURS})
         ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED),
       deleted AS (DELETE FROM idempotency_keys k USING doomed d WHERE k.id = d.id RETURNING 1)
       SELECT count(*)::text AS n FROM deleted`,
      [batchSize],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
