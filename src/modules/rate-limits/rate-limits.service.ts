import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DomainError, retryAfter } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { AppConfig } from '../../infrastructure/config/app-config';
import { LocalTally } from './domain/local-tally';
import { BucketPolicy, BucketState, RateLimitFamily, rateLimitHeaders, secondsUntilNextToken } from './domain/policy';
import { RateLimitBucketsRepository } from './rate-limit-buckets.repository';

/** How often an instance removes the rows of buckets that are full again. */
const SWEEP_MS = 10 * 60_000;
/** How often the requests admitted in memory are charged to the shared buckets (domain/local-tally.ts). */
const SYNC_MS = 100;
/** Buckets charged per statement (five parameters each, well under PostgreSQL's 65,535). */
const SYNC_BATCH = 1000;

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
 * through the database. A request against small buckets costs one statement; against large ones
 * (the defaults) it is counted in memory while they are far from empty, and the counts are charged
 * every SYNC_MS in one statement for all (see LocalTally for the bound this keeps).
 */
@Injectable()
export class RateLimits implements OnModuleDestroy {
  private readonly logger = new Logger(RateLimits.name);
  private readonly policies = new Map<RateLimitFamily, { caller?: BucketPolicy; org?: BucketPolicy }>();
  private readonly tallies = new Map<string, LocalTally>();
  private readonly timers: NodeJS.Timeout[] = [];
  private syncing: Promise<void> | undefined;

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
    this.timers.push(
      setInterval(() => void this.buckets.removeFull(windowSeconds).catch(() => undefined), SWEEP_MS).unref(),
      setInterval(() => void this.sync(), SYNC_MS).unref(),
    );
  }

  /** Counts one request of `caller` against `family`'s buckets. */
  async check(caller: RateLimitedCaller, family: RateLimitFamily): Promise<RateLimitVerdict | undefined> {
    const { caller: callerPolicy, org: orgPolicy } = this.policies.get(family) ?? {};
    const tallies = [
      ...(orgPolicy ? [this.tally(`${family}:org:${caller.orgId}`, orgPolicy)] : []),
      ...(callerPolicy ? [this.tally(`${family}:caller:${caller.orgId}:${caller.subject}`, callerPolicy)] : []),
    ];
    if (tallies.length === 0) return undefined;
    const now = Date.now();
    const admitted = tallies.map(([, tally]) => tally.peek(now));
    if (admitted.every((state): state is BucketState => state !== undefined)) {
      for (const [, tally] of tallies) tally.count();
      return { headers: rateLimitHeaders(admitted) };
    }
    const states = await this.charge(tallies, true);
    const empty = states.filter((state) => !state.allowed).sort((a, b) => secondsUntilNextToken(b) - secondsUntilNextToken(a))[0];
    return { headers: rateLimitHeaders(states), refusal: empty && rateLimited(empty) };
  }

  async onModuleDestroy(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.syncing;
    await this.sync();
  }

  private tally(key: string, policy: BucketPolicy): [string, LocalTally] {
    let tally = this.tallies.get(key);
    if (!tally || tally.policy !== policy) {
      tally = new LocalTally(policy);
      this.tallies.set(key, tally);
    }
    return [key, tally];
  }

  /** Charges what each tally admitted in memory and, when `take`, takes a token for this request. */
  private async charge(tallies: [string, LocalTally][], take: boolean): Promise<BucketState[]> {
    const charges = tallies.map(([, tally]) => tally.drain());
    try {
      const rows = await this.buckets.charge(tallies.map(([key, tally], i) => ({ key, policy: tally.policy, charge: charges[i], take })));
      const now = Date.now();
      return rows.map((row, i) => {
        const [, tally] = tallies[i];
        tally.synced(row.tokens, now);
        return { policy: tally.policy, tokens: row.tokens, allowed: row.allowed };
      });
    } catch (error) {
      tallies.forEach(([, tally], i) => tally.restore(charges[i]));
      throw error;
    }
  }

  /** Charges every tally's uncharged requests in one statement and drops the tallies gone idle. */
  private sync(): Promise<void> {
    if (this.syncing) return this.syncing;
    const now = Date.now();
    const due: [string, LocalTally][] = [];
    for (const [key, tally] of this.tallies) {
      if (tally.uncharged > 0) due.push([key, tally]);
      else if (tally.idle(now)) this.tallies.delete(key);
    }
    if (due.length === 0) return Promise.resolve();
    this.syncing = (async () => {
      for (let i = 0; i < due.length; i += SYNC_BATCH) await this.charge(due.slice(i, i + SYNC_BATCH), false);
    })()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'rate limits: charging the requests counted in memory failed; trying again'))
      .finally(() => (this.syncing = undefined));
    return this.syncing;
  }
}
