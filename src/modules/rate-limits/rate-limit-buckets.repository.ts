import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryRows } from '../../infrastructure/database/query-rows';
import { BucketPolicy, BucketState, perSecond } from './domain/policy';

/** The tokens a bucket holds now: what it held, plus the refill since it was last touched, at most its capacity. */
const REFILLED = `least(excluded.capacity, b.tokens + greatest(0, extract(epoch FROM now() - b.updated_at)) * excluded.per_second)`;

/**
 * Takes a token from each bucket in one statement: a bucket missing (new, or dropped when full) starts
 * full; an existing one is refilled from its stored time and loses a token if it has a whole one. The
 * row lock of ON CONFLICT DO UPDATE makes this atomic across instances. The rows are locked in the
 * order given (the org's bucket before the caller's, always), so two requests never wait on each other
 * in a cycle. A refused request still spends a token of a bucket that had one: the caller's, when only
 * the org's is empty; that is all it costs, and it keeps this one round trip.
 */
const TAKE = (buckets: number) => `
  INSERT INTO rate_limit_buckets AS b (key, capacity, per_second, tokens, allowed, updated_at)
  VALUES ${Array.from({ length: buckets }, (_, i) => `($${i * 3 + 1}, $${i * 3 + 2}::float8, $${i * 3 + 3}::float8, $${i * 3 + 2}::float8 - 1, true, now())`).join(', ')}
  ON CONFLICT (key) DO UPDATE SET
    capacity = excluded.capacity,
    per_second = excluded.per_second,
    tokens = ${REFILLED} - CASE WHEN ${REFILLED} >= 1 THEN 1 ELSE 0 END,
    allowed = ${REFILLED} >= 1,
    updated_at = now()
  RETURNING key, tokens, allowed`;

@Injectable()
export class RateLimitBucketsRepository {
  constructor(private readonly db: DataSource) {}

  async take(buckets: { key: string; policy: BucketPolicy }[]): Promise<BucketState[]> {
    const parameters = buckets.flatMap(({ key, policy }) => [key, policy.capacity, perSecond(policy)]);
    const rows = await queryRows<{ key: string; tokens: number; allowed: boolean }>(this.db.manager, TAKE(buckets.length), parameters);
    const byKey = new Map(rows.map((row) => [row.key, row]));
    return buckets.map(({ key, policy }) => {
      const row = byKey.get(key);
      if (!row) throw new Error(`rate limit bucket ${key} was not returned`);
      return { policy, tokens: Number(row.tokens), allowed: row.allowed };
    });
  }

  /** A bucket untouched for its whole window is full again: its row says nothing a missing row would not. */
  async removeFull(olderThanSeconds: number): Promise<void> {
    await this.db.query(`DELETE FROM rate_limit_buckets WHERE updated_at < now() - make_interval(secs => $1)`, [olderThanSeconds]);
  }
}
