import { Module } from '@nestjs/common';
import { AccessRepository } from './access.repository';

/**
 * Access as a building block under agents: the grants repository. The policy (domain/) and the guard
 * (access.guard.ts) are plain functions that agents call inside its transactions. Ownership transfer,
 * which works on agents, is OwnershipTransfersModule, above agents.
 */
@Module({ providers: [AccessRepository], exports: [AccessRepository] })
export class AccessModule {}
