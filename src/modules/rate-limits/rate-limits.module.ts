import { Module } from '@nestjs/common';
import { AddressLimiter } from './address-limiter';
import { RateLimitBucketsRepository } from './rate-limit-buckets.repository';
import { RateLimits } from './rate-limits.service';

/** Request budgets (SPEC §16): per caller and per org in the database, failed authentications per address in memory. */
@Module({
  providers: [RateLimitBucketsRepository, RateLimits, AddressLimiter],
  exports: [RateLimits, AddressLimiter],
})
export class RateLimitsModule {}
