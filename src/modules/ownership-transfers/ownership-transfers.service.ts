import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../infrastructure/config/app-config';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { actorOf, Principal } from '../auth/domain/principal';
import { accessOf, AgentRow } from '../agents/agent.row';
import { AgentGate } from '../agents/agent-gate';
import { AgentPresenter } from '../agents/agent-presenter';
import { agentErrors } from '../agents/agents.errors';
import { AgentsRepository } from '../agents/agents.repository';
import { agentChange } from '../agents/domain/agent-events';
import { AgentRef } from '../agents/domain/agent-ref';
import { AgentResponseDto } from '../agents/dto/agent-response.dto';
import { AccessRepository } from '../access/access.repository';
import { evaluateAccess } from '../access/domain/access.policy';
import { accessAfterTransfer, isRecipient, mayCancelTransfer, mayRequestTransfer } from './domain/ownership-transfer';
import { OwnershipTransferListDto, toOwnershipTransfer } from './dto/ownership-transfer.dto';
import { transferErrors } from './ownership-transfers.errors';
import { expiredChange } from './ownership-transfers.maintenance';
import { OwnershipTransfersRepository, TransferRow } from './ownership-transfers.repository';

/** Giving an agent to another user: requested by the owner or an admin, answered by the recipient. */
@Injectable()
export class OwnershipTransfersService {
  constructor(
    private readonly db: DataSource,
    private readonly tx: UnitOfWork,
    private readonly config: AppConfig,
    private readonly gate: AgentGate,
    private readonly agents: AgentsRepository,
    private readonly access: AccessRepository,
    private readonly transfers: OwnershipTransfersRepository,
    private readonly presenter: AgentPresenter,
  ) {}

  async request(principal: Principal, ref: AgentRef, to: string): Promise<AgentResponseDto> {
    return this.tx.run(actorOf(principal), async (work) => {
      const { db } = work;
      const { agent, rights } = await this.gate.lock(db, principal, ref, { level: 'use' });
      if (!mayRequestTransfer(principal, agent.owner)) {
        throw transferErrors.transferForbidden();
      }
      if (to === agent.owner) throw transferErrors.alreadyOwner(to);
      work.record((await this.transfers.expireLapsed(db, agent.id)).map(expiredChange));
      if (await this.transfers.findPending(db, agent.id)) {
        throw transferErrors.transferPending();
      }
      const transfer = { id: randomUUID(), from: agent.owner, to };
      await this.transfers.insert(db, { ...transfer, agentId: agent.id, orgId: agent.orgId, requestedBy: principal.subject, ttlHours: this.config.OWNERSHIP_TRANSFER_TTL_HOURS });
      work.record(agentChange(agent, 'agent.ownership_transfer.requested', { transferId: transfer.id, from: transfer.from, to }));
      return this.presenter.present(db, await this.agents.update(db, agent.id, {}), rights);
    });
  }

  async accept(principal: Principal, ref: AgentRef): Promise<AgentResponseDto> {
    return this.answer(principal, ref, 'accepted', async (db, agent, transfer) => {
      const next = accessAfterTransfer(accessOf(agent).accessConfig, transfer.to);
      await this.access.replaceGrants(db, agent.id, next.grants);
      return this.agents.update(db, agent.id, { owner: next.owner });
    });
  }

  async decline(principal: Principal, ref: AgentRef): Promise<AgentResponseDto> {
    return this.answer(principal, ref, 'declined', (db, agent) => this.agents.update(db, agent.id, {}));
  }

  async cancel(principal: Principal, ref: AgentRef): Promise<AgentResponseDto> {
    return this.tx.run(actorOf(principal), async (work) => {
      const { db } = work;
      const { agent, rights } = await this.gate.lock(db, principal, ref, { level: 'use' });
      const transfer = await this.transfers.findPending(db, agent.id);
      if (!transfer) throw transferErrors.noPendingTransfer();
      if (!mayCancelTransfer(principal, agent.owner, transfer)) {
        throw transferErrors.cancelForbidden();
      }
      await this.transfers.resolve(db, transfer.id, 'cancelled');
      work.record(agentChange(agent, 'agent.ownership_transfer.cancelled', { transferId: transfer.id, from: transfer.from, to: transfer.to }));
      return this.presenter.present(db, await this.agents.update(db, agent.id, {}), rights);
    });
  }

  async list(principal: Principal, direction: 'incoming' | 'outgoing'): Promise<OwnershipTransferListDto> {
    const rows = await this.transfers.listPending(this.db.manager, principal.orgId, principal.subject, direction);
    return { transfers: rows.map(toOwnershipTransfer) };
  }

  /**
   * The recipient answers without needing any other access to the agent; to everyone else a
   * transfer they are not party to does not exist (404), like an agent they cannot see.
   */
  private answer(principal: Principal, ref: AgentRef, answer: 'accepted' | 'declined', apply: (db: EntityManager, agent: AgentRow, transfer: TransferRow) => Promise<AgentRow>): Promise<AgentResponseDto> {
    return this.tx.run(actorOf(principal), async (work) => {
      const { db } = work;
      const agent = await this.agents.findForUpdate(db, principal.orgId, ref);
      const transfer = agent ? await this.transfers.findPending(db, agent.id) : undefined;
      if (!agent || !transfer || !isRecipient(principal, transfer)) throw transferErrors.noTransferForYou();
      if (agent.status === 'deleted') throw agentErrors.deleted('The agent is deleted.');
      await this.transfers.resolve(db, transfer.id, answer);
      const fresh = await apply(db, agent, transfer);
      work.record(agentChange(agent, `agent.ownership_transfer.${answer}`, { transferId: transfer.id, from: transfer.from, to: transfer.to }));
      return this.presenter.present(db, fresh, evaluateAccess(principal, accessOf(fresh)));
    });
  }
}
