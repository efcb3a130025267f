import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { VariationStoreModule } from '../variation-store/variation-store.module';
import { VariationsController } from './variations.controller';
import { VariationsService } from './variations.service';

/** Deploy, diff, history, one variation and restore: on top of agents (row lock, write pipeline, presentation). */
@Module({
  imports: [AgentsModule, VariationStoreModule],
  controllers: [VariationsController],
  providers: [VariationsService],
})
export class VariationsModule {}
