import { SetMetadata } from '@nestjs/common';
import { RateLimitFamily } from './domain/policy';

export const RATE_LIMIT_FAMILY = 'agentry:rate-limit-family';

/** Counts a route against `family`'s budget instead of the one its method implies (reads or writes). */
export const RateLimitedAs = (family: RateLimitFamily) => SetMetadata(RATE_LIMIT_FAMILY, family);
