import { BucketPolicy, BucketState, perSecond } from './policy';

/**
 * Buckets at least this large are counted in memory between syncs; smaller ones are taken from in the
 * database on every request. A small bucket is the one a caller can empty, where every token counts.
 */
export const LOCAL_MIN_CAPACITY = 1000;
/** A request is admitted in memory only while the bucket, as last synced, keeps this share of its capacity. */
export const LOCAL_MARGIN = 0.05;
/** A bucket last synced longer ago than this is taken from in the database again (it also syncs it). */
export const LOCAL_STALE_MS = 1000;

/**
 * One instance's view of one large shared bucket: what the database said it held (`known`, at
 * `knownAt`), less the requests admitted here since and not yet charged (`pending`). A request is
 * admitted here while that view stays above the margin; the pending count is charged to the database
 * in one statement for all buckets every sync interval. Other instances spend the same bucket
 * unseen for at most that interval, so the bucket can be overspent only by what they spend in it
 * beyond the margin: with the margin at 5 % and a sync every 100 ms, never for a bucket that is not
 * already being emptied faster than a twentieth of its capacity in a tenth of a second. Near empty,
 * every request is taken from in the database and the answers are exact.
 */
export class LocalTally {
  private known = 0;
  private knownAt = Number.NEGATIVE_INFINITY;
  private pending = 0;

  constructor(readonly policy: BucketPolicy) {}

  /** Whether requests against this bucket may be admitted in memory at all. */
  get local(): boolean {
    return this.policy.capacity >= LOCAL_MIN_CAPACITY;
  }

  /** Requests admitted here and not yet charged to the database. */
  get uncharged(): number {
    return this.pending;
  }

  /** The bucket after one more request admitted here, or undefined when the database must decide. */
  peek(now: number): BucketState | undefined {
    if (!this.local || now - this.knownAt > LOCAL_STALE_MS) return undefined;
    const left = Math.min(this.policy.capacity, this.known + (Math.max(0, now - this.knownAt) / 1000) * perSecond(this.policy)) - this.pending - 1;
    if (left < this.policy.capacity * LOCAL_MARGIN) return undefined;
    return { policy: this.policy, tokens: left, allowed: true };
  }

  /** Counts a request admitted on `peek`'s word. */
  count(): void {
    this.pending += 1;
  }

  /** Hands the uncharged count to a statement that charges it. */
  drain(): number {
    const charged = this.pending;
    this.pending = 0;
    return charged;
  }

  /** A statement that was to charge `charged` failed: it is charged with the next one. */
  restore(charged: number): void {
    this.pending += charged;
  }

  /** The database's word on the bucket after a statement charged what was drained for it. */
  synced(tokens: number, now: number): void {
    this.known = tokens;
    this.knownAt = now;
  }

  /** Nothing to charge and nothing recent known: the tally can be dropped. */
  idle(now: number): boolean {
    return this.pending === 0 && now - this.knownAt > LOCAL_STALE_MS;
  }
}
