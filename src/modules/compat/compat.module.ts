import { Module, OnModuleInit } from '@nestjs/common';
import { ErrorFormats } from '../../common/errors/error-formats';
import { AgentsModule } from '../agents/agents.module';
import { VariationStoreModule } from '../variation-store/variation-store.module';
import { VariationsModule } from '../variations/variations.module';
import { ApiAgentsController } from './api-agents.controller';
import { ChatAgentsController } from './chat-agents.controller';
import { API_AGENTS_PATH, toErrorEnvelope } from './error-envelope';
import { LiveAgentsService } from './live-agents.service';

/** The seeds' own API shapes (SPEC §12), on top of agents and variations: translations, not new rules. */
@Module({
  imports: [AgentsModule, VariationsModule, VariationStoreModule],
  controllers: [ChatAgentsController, ApiAgentsController],
  providers: [LiveAgentsService],
})
export class CompatModule implements OnModuleInit {
  constructor(private readonly errorFormats: ErrorFormats) {}

  /** Every answer under seed 002's prefix is its envelope, errors raised before its controller too (SPEC §12). */
  onModuleInit(): void {
    this.errorFormats.register(`/${API_AGENTS_PATH}`, toErrorEnvelope);
  }
}
