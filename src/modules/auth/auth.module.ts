import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyRevocations } from './api-key-revocations';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { AuthGuard } from './auth.guard';
import { JwtVerifier } from './jwt-verifier';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';

@Module({
  imports: [RateLimitsModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysRepository, ApiKeyRevocations, ApiKeysService, JwtVerifier, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiKeyRevocations],
})
export class AuthModule {}
