import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyMaintenance } from './idempotency.maintenance';
import { IdempotencyStore } from './idempotency.store';

/** `Idempotency-Key` for every route marked `@Idempotent()` (SPEC §15): the interceptor, its table and its sweep. */
@Module({
  providers: [IdempotencyStore, IdempotencyMaintenance, { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor }],
})
export class IdempotencyModule {}
