import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { VariationStoreModule } from '../variations/variation-store.module';
import { VariationsModule } from '../variations/variations.module';
import { ApiAgentsController } from './api-agents.controller';
import { ChatAgentsController } from './chat-agents.controller';
import { LiveAgentsService } from './live-agents.service';

/** The seeds' own API shapes (SPEC §12), on top of agents and variations: translations, not new rules. */
@Module({
  imports: [AgentsModule, VariationsModule, VariationStoreModule],
  controllers: [ChatAgentsController, ApiAgentsController],
  providers: [LiveAgentsService],
})
export class CompatModule {}
