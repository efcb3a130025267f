import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../infrastructure/config/app-config';
import { Change, SYSTEM_ACTOR } from '../../infrastructure/database/change';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { Jobs } from '../../infrastructure/jobs/jobs.service';
import { agentChange } from '../agents/domain/agent-events';
import { ExpiredTransfer, OwnershipTransfersRepository } from './ownership-transfers.repository';

/** The change an expiry records, whether the sweep or a new request found the transfer lapsed. */
export const expiredChange = (transfer: ExpiredTransfer): Change =>
  agentChange({ id: transfer.agentId, orgId: transfer.orgId }, 'agent.ownership_transfer.expired', { transferId: transfer.id, from: transfer.from, to: transfer.to });

/**
 * Transfers expire by time: reads treat a lapsed one as gone at once, and this sweep closes them, so
 * each expiry is recorded (by the service itself) soon after it happens rather than when someone next
 * requests a transfer of the agent.
 */
@Injectable()
export class OwnershipTransfersMaintenance implements OnModuleInit {
  constructor(
    private readonly tx: UnitOfWork,
    private readonly config: AppConfig,
    private readonly transfers: OwnershipTransfersRepository,
    private readonly jobs: Jobs,
  ) {}

  onModuleInit(): void {
    this.jobs.every('ownership-transfers-expire', this.config.JOBS_SWEEP_INTERVAL_MS, () => this.expireLapsed());
  }

  async expireLapsed(): Promise<void> {
    await this.tx.run(SYSTEM_ACTOR, async (work) => work.record((await this.transfers.expireLapsed(work.db, null)).map(expiredChange)));
  }
}
