import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { AccessModule } from '../access/access.module';
import { OwnershipTransfersController } from './ownership-transfers.controller';
import { OwnershipTransfersMaintenance } from './ownership-transfers.maintenance';
import { OwnershipTransfersRepository } from './ownership-transfers.repository';
import { OwnershipTransfersService } from './ownership-transfers.service';

/** Handing an agent to another user: on top of agents (their row lock and presentation) and access (grants). */
@Module({
  imports: [AgentsModule, AccessModule],
  controllers: [OwnershipTransfersController],
  providers: [OwnershipTransfersRepository, OwnershipTransfersService, OwnershipTransfersMaintenance],
})
export class OwnershipTransfersModule {}
