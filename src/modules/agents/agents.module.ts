import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { NotificationTransportModule } from '../notification-transport/notification-transport.module';
import { VariationStoreModule } from '../variation-store/variation-store.module';
import { AgentGate } from './agent-gate';
import { AgentPresenter } from './agent-presenter';
import { AgentWriter } from './agent-writer';
import { AgentsController } from './agents.controller';
import { AgentsRepository } from './agents.repository';
import { AgentsService } from './agents.service';
import { SubAgentsChecker } from './sub-agents.checker';

/**
 * Agents: the agent row and its use cases, on top of the building blocks (access grants, variation
 * storage, Slack verification). Exports what the modules above it (variations, ownership transfer)
 * build on: the row lock (gate), the write pipeline, the presenter, and its use cases for the
 * compatibility routes.
 */
@Module({
  imports: [AccessModule, VariationStoreModule, NotificationTransportModule],
  controllers: [AgentsController],
  providers: [AgentsRepository, AgentGate, AgentPresenter, AgentWriter, SubAgentsChecker, AgentsService],
  exports: [AgentsRepository, AgentGate, AgentPresenter, AgentWriter, AgentsService],
})
export class AgentsModule {}
