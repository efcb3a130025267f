import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { VariationStoreModule } from '../variation-store/variation-store.module';
import { AgentPublisher } from './agent-publisher';
import { EnvironmentsController } from './environments.controller';
import { EnvironmentsService } from './environments.service';
import { VariationsController } from './variations.controller';
import { VariationsService } from './variations.service';

/**
 * Deploy, diff, history, one variation, restore and environments (SPEC §14), on top of agents (row lock, write pipeline,
 * presentation); exports publishing to the compatibility routes, whose writes go live.
 */
@Module({
  imports: [AgentsModule, VariationStoreModule],
  controllers: [VariationsController, EnvironmentsController],
  providers: [VariationsService, EnvironmentsService, AgentPublisher],
  exports: [AgentPublisher],
})
export class VariationsModule {}
