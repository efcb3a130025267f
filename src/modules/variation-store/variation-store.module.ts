import { Module } from '@nestjs/common';
import { EnvironmentsRepository } from './environments.repository';
import { VariationsRepository } from './variations.repository';

/**
 * The variations table, as a building block under agents: an agent's create, read and PATCH store and
 * show its variations. Its folder also holds what a variation's content must satisfy (domain/: trigger,
 * schedule ticks, workflow graph, sub-agent cycles, runnability, hashing), which agents, schedules and
 * compat check too. The environments table (named pointers at published versions) lives here too, since
 * runs resolve their target through it. The variation routes and use cases (VariationsModule) sit above agents.
 */
@Module({ providers: [VariationsRepository, EnvironmentsRepository], exports: [VariationsRepository, EnvironmentsRepository] })
export class VariationStoreModule {}
