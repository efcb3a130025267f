import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { DomainError, retryAfter } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { AppConfig } from '../../infrastructure/config/app-config';
import { BucketPolicy, BucketState, RateLimitFamily, rateLimitHeaders, secondsUntilNextToken } from './domain/policy';
import { RateLimitBucketsRepository } from './rate-limit-buckets.repository';

/** How often an instance removes the rows of buckets that are full again. */
const SWEEP_MS = 10 * 60_000;

export interface RateLimitVerdict {
  /** RateLimit-Policy and RateLimit, for the answer whatever it is. */
  headers: Record<string, string>;
  /** Set when a bucket was empty: the 429 to answer with. */
  refusal?: DomainError;
}

/** Who a request is counted against: its caller, within its organization. */
export interface RateLimitedCaller {
  orgId: string;
  subject: string;
}

/** The 429 of an empty bucket; the detail names the bucket and the wait Retry-After carries. */
export function rateLimited(state: BucketState): DomainError {
  return retryAfter(ErrorCode.RATE_LIMITED, secondsUntilNextToken(state), (seconds) =>
    `Rate limit "${state.policy.name}" reached (${state.policy.capacity} requests per ${state.policy.windowSeconds} s); retry in ${seconds} s.`,
  );
}

/**
 * Per caller and per organization token buckets, one pair per route family, shared by every instance
 * through the database (one statement per request; see the repository).
 */
@Injectable()
export class RateLimits implements OnModuleDestroy {
  private readonly policies = new Map<RateLimitFamily, { caller?: BucketPolicy; org?: BucketPolicy }>();
  private readonly sweeper?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly buckets: RateLimitBucketsRepository,
  ) {
    if (!config.RATE_LIMITS_ENABLED) return;
    const windowSeconds = config.RATE_LIMIT_WINDOW_SECONDS;
    const policy = (name: string, capacity: number): BucketPolicy | undefined => (capacity > 0 ? { name, capacity, windowSeconds } : undefined);
    this.policies.set('reads', { caller: policy('reads-caller', config.RATE_LIMIT_READS_PER_CALLER), org: policy('reads-org', config.RATE_LIMIT_READS_PER_ORG) });
    this.policies.set('writes', { caller: policy('writes-caller', config.RATE_LIMIT_WRITES_PER_CALLER), org: policy('writes-org', config.RATE_LIMIT_WRITES_PER_ORG) });
    this.policies.set('runtime', { caller: policy('runtime-caller', config.RATE_LIMIT_RUNTIME_PER_CALLER), org: policy('runtime-org', config.RATE_LIMIT_RUNTIME_PER_ORG) });
    this.sweeper = setInterval(() => void this.buckets.removeFull(windowSeconds).catch(() => undefined), SWEEP_MS).unref();
  }

  /** Counts one request of `caller` against `family`'s buckets. */
  async check(caller: RateLimitedCaller, family: RateLimitFamily): Promise<RateLimitVerdict | undefined> {
    const { caller: callerPolicy, org: orgPolicy } = this.policies.get(family) ?? {};
    // The org's bucket first: every statement locks its rows in the same order.
    const wanted = [
      ...(orgPolicy ? [{ key: `${family}:org:${caller.orgId}`, policy: orgPolicy }] : []),
      ...(callerPolicy ? [{ key: `${family}:caller:${caller.orgId}:${caller.subject}`, policy: callerPolicy }] : []),
    ];
    if (wanted.length === 0) return undefined;
    const states = await this.buckets.take(wanted);
    const empty = states.filter((state) => !state.allowed).sort((a, b) => secondsUntilNextToken(b) - secondsUntilNextToken(a))[0];
    return { headers: rateLimitHeaders(states), refusal: empty && rateLimited(empty) };
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }
}
