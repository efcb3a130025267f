/** The route families, each with its own budget (SPEC §16): a busy runtime never waits on users' reads and writes. */
export type RateLimitFamily = 'reads' | 'writes' | 'runtime';

/** One token bucket's shape: it holds `capacity` requests and refills `capacity` per `windowSeconds`. */
export interface BucketPolicy {
  /** Named in the RateLimit-Policy and RateLimit headers, e.g. `reads-caller`. */
  name: string;
  capacity: number;
  windowSeconds: number;
}

export const perSecond = (policy: BucketPolicy): number => policy.capacity / policy.windowSeconds;

/** A bucket after one request took (or failed to take) a token from it. */
export interface BucketState {
  policy: BucketPolicy;
  /** Tokens left after this request; fractional while refilling. */
  tokens: number;
  allowed: boolean;
}

/** GET and HEAD read; any other method writes. The runtime's own routes say so (RateLimitedAs). */
export function familyOf(method: string): RateLimitFamily {
  return method === 'GET' || method === 'HEAD' ? 'reads' : 'writes';
}

/** Seconds until the bucket holds one whole token again; at least 1, as Retry-After counts whole seconds. */
export function secondsUntilNextToken(state: BucketState): number {
  return Math.max(1, Math.ceil((1 - state.tokens) / perSecond(state.policy)));
}

/** Seconds until the bucket is full again: the draft's `t` (when the quota is restored). */
export function secondsUntilFull(state: BucketState): number {
  return Math.max(0, Math.ceil((state.policy.capacity - state.tokens) / perSecond(state.policy)));
}

/**
 * The `RateLimit-Policy` and `RateLimit` fields of draft-ietf-httpapi-ratelimit-headers (-09): structured
 * field lists with one item per bucket the request was counted against; `q` is the bucket's capacity, `w`
 * the window over which it refills, `r` what is left and `t` the seconds until it is full again.
 */
export function rateLimitHeaders(states: BucketState[]): { 'RateLimit-Policy': string; RateLimit: string } {
  return {
    'RateLimit-Policy': states.map(({ policy }) => `"${policy.name}";q=${policy.capacity};w=${policy.windowSeconds}`).join(', '),
    RateLimit: states.map((state) => `"${state.policy.name}";r=${Math.max(0, Math.floor(state.tokens))};t=${secondsUntilFull(state)}`).join(', '),
  };
}

/**
 * A token bucket held in memory: `take` spends one token when there is one. The database's buckets
 * compute the same refill in SQL (rate-limit-buckets.repository.ts).
 */
export class MemoryBucket {
  private constructor(
    private tokens: number,
    private at: number,
  ) {}

  static full(policy: BucketPolicy, now: number): MemoryBucket {
    return new MemoryBucket(policy.capacity, now);
  }

  private refill(policy: BucketPolicy, now: number): void {
    this.tokens = Math.min(policy.capacity, this.tokens + (Math.max(0, now - this.at) / 1000) * perSecond(policy));
    this.at = now;
  }

  take(policy: BucketPolicy, now: number): BucketState {
    this.refill(policy, now);
    const allowed = this.tokens >= 1;
    if (allowed) this.tokens -= 1;
    return { policy, tokens: this.tokens, allowed };
  }

  /** Gives back a token taken for a request that turned out not to count (capped at the capacity). */
  giveBack(policy: BucketPolicy, now: number): void {
    this.refill(policy, now);
    this.tokens = Math.min(policy.capacity, this.tokens + 1);
  }

  isFull(policy: BucketPolicy, now: number): boolean {
    this.refill(policy, now);
    return this.tokens >= policy.capacity;
  }
}
