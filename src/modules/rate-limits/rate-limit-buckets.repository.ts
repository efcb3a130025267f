import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryRows } from '../../infrastructure/database/query-rows';
import { BucketPolicy, perSecond } from './domain/policy';

/** One bucket of a statement: `charge` requests already admitted in memory, and whether to take one more now. */
export interface BucketCharge {
  key: string;
  policy: BucketPolicy;
  charge: number;
  take: boolean;
}

/** A bucket as the statement left it: what it holds, and whether the token asked for was there. */
export interface ChargedBucket {
  tokens: number;
  allowed: boolean;
}

/** The tokens a bucket holds now: what it held, plus the refill since it was last touched, at most its capacity. */
const REFILLED = `least(i.capacity, b.tokens + greatest(0, extract(epoch FROM now() - b.updated_at)) * i.per_second)`;
/** What is left once the requests admitted in memory are charged. */
const AFTER_CHARGE = `(${REFILLED} - i.charge)`;

/**
 * Charges each bucket in one statement: a bucket missing (new, or dropped when full) starts full; an
 * existing one is refilled from its stored time, loses what was admitted in memory (it may go below
 * zero, down to minus its capacity: that debt delays the next tokens), then a token if one was asked
 * for and a whole one is left. The row lock of ON CONFLICT DO UPDATE makes this atomic across
 * instances. Rows are locked in key order, the same in every statement, so two never wait on each
 * other in a cycle. A refused request still spends a token of a bucket that had one (the caller's,
 * when only the org's is empty); that is all it costs, and it keeps this one round trip.
 */
const CHARGE = (buckets: number) => `
  WITH i (key, capacity, per_second, charge, want) AS (
    VALUES ${Array.from({ length: buckets }, (_, n) => `($${n * 5 + 1}, $${n * 5 + 2}::float8, $${n * 5 + 3}::float8, $${n * 5 + 4}::float8, $${n * 5 + 5}::float8)`).join(', ')}
  )
  INSERT INTO rate_limit_buckets AS b (key, capacity, per_second, tokens, allowed, updated_at)
  SELECT key, capacity, per_second, capacity - charge - CASE WHEN capacity - charge >= want THEN want ELSE 0 END, capacity - charge >= want, now()
  FROM i ORDER BY key
  ON CONFLICT (key) DO UPDATE SET
    capacity = excluded.capacity,
    per_second = excluded.per_second,
    tokens = (SELECT greatest(-i.capacity, ${AFTER_CHARGE} - CASE WHEN ${AFTER_CHARGE} >= i.want THEN i.want ELSE 0 END) FROM i WHERE i.key = b.key),
    allowed = (SELECT ${AFTER_CHARGE} >= i.want FROM i WHERE i.key = b.key),
    updated_at = now()
  RETURNING key, tokens, allowed`;

@Injectable()
export class RateLimitBucketsRepository {
  constructor(private readonly db: DataSource) {}

  /** Charges and takes from the buckets in one statement; the answers are in the order asked. */
  async charge(buckets: BucketCharge[]): Promise<ChargedBucket[]> {
    const parameters = buckets.flatMap(({ key, policy, charge, take }) => [key, policy.capacity, perSecond(policy), charge, take ? 1 : 0]);
    const rows = await queryRows<{ key: string; tokens: number; allowed: boolean }>(this.db.manager, CHARGE(buckets.length), parameters);
    const byKey = new Map(rows.map((row) => [row.key, row]));
    return buckets.map(({ key }) => {
      const row = byKey.get(key);
      if (!row) throw new Error(`rate limit bucket ${key} was not returned`);
      return { tokens: Number(row.tokens), allowed: row.allowed };
    });
  }

  /** A bucket untouched for its whole window is full again: its row says nothing a missing row would not. */
  async removeFull(olderThanSeconds: number): Promise<void> {
    await this.db.query(`DELETE FROM rate_limit_buckets WHERE updated_at < now() - make_interval(secs => $1)`, [olderThanSeconds]);
  }
}
