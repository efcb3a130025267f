import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module';
import { VariationsModule } from '../variations/variations.module';
import { AgentDraftsService } from './agent-drafts.service';
import { AgentGate } from './agent-gate';
import { AgentPresenter } from './agent-presenter';
import { AgentsController } from './agents.controller';
import { AgentsRepository } from './agents.repository';
import { AgentsService } from './agents.service';
import { SubAgentsChecker } from './sub-agents.checker';

@Module({
  imports: [VariationsModule, NotificationsModule],
  controllers: [AgentsController],
  providers: [AgentsRepository, AgentGate, AgentPresenter, SubAgentsChecker, AgentsService, AgentDraftsService],
  exports: [AgentsRepository, AgentGate, AgentPresenter],
})
export class AgentsModule {}
