import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { OwnershipTransfersController } from './ownership-transfers.controller';
import { OwnershipTransfersRepository } from './ownership-transfers.repository';
import { OwnershipTransfersService } from './ownership-transfers.service';

/** Sharing rules live in domain/ (policy, lock-out, guard); this module adds ownership transfer on top of agents. */
@Module({
  imports: [AgentsModule],
  controllers: [OwnershipTransfersController],
  providers: [OwnershipTransfersRepository, OwnershipTransfersService],
})
export class AccessModule {}
