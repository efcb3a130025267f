import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../../infrastructure/config/app-config';
import { BucketPolicy, BucketState, MemoryBucket } from './domain/policy';

/** Bounds the memory a flood from many addresses can take; full buckets are dropped first. */
const MAX_ADDRESSES = 100_000;

/**
 * Failed authentications per client address, kept in this instance's memory: it must answer before any
 * token or key is looked at, so it cannot cost a database round trip, and an attacker's addresses are
 * spread over instances anyway. A request takes a token before authenticating and gives it back when it
 * authenticates, so a flood of concurrent bad requests is cut as surely as a sequential one.
 */
@Injectable()
export class AddressLimiter implements OnModuleDestroy {
  readonly policy?: BucketPolicy;
  private readonly buckets = new Map<string, MemoryBucket>();
  private readonly sweeper?: NodeJS.Timeout;

  constructor(config: AppConfig) {
    if (!config.RATE_LIMITS_ENABLED || config.RATE_LIMIT_AUTH_FAILURES_PER_ADDRESS === 0) return;
    this.policy = { name: 'auth-failures-address', capacity: config.RATE_LIMIT_AUTH_FAILURES_PER_ADDRESS, windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS };
    this.sweeper = setInterval(() => this.dropFull(Date.now()), config.RATE_LIMIT_WINDOW_SECONDS * 1000).unref();
  }

  /** Spends a token for an attempt from `address`; the state says whether one was left. Undefined when unlimited. */
  take(address: string, now = Date.now()): BucketState | undefined {
    if (!this.policy) return undefined;
    let bucket = this.buckets.get(address);
    if (!bucket) {
      if (this.buckets.size >= MAX_ADDRESSES) this.makeRoom(now);
      bucket = MemoryBucket.full(this.policy, now);
      this.buckets.set(address, bucket);
    }
    return bucket.take(this.policy, now);
  }

  /** The attempt authenticated: it does not count against the address. */
  succeeded(address: string, now = Date.now()): void {
    if (this.policy) this.buckets.get(address)?.giveBack(this.policy, now);
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private dropFull(now: number): void {
    for (const [address, bucket] of this.buckets) if (this.policy && bucket.isFull(this.policy, now)) this.buckets.delete(address);
  }

  private makeRoom(now: number): void {
    this.dropFull(now);
    // Still full of draining buckets: the oldest entries go (a flood from that many addresses is not held back here).
    for (const address of this.buckets.keys()) {
      if (this.buckets.size < MAX_ADDRESSES) break;
      this.buckets.delete(address);
    }
  }
}
