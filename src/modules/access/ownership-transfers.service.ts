import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { AppConfig } from '../../infrastructure/config/app-config';
import { Principal } from '../auth/domain/principal';
import { AgentRow } from '../agents/agent.row';
import { accessConfigOf, AgentGate } from '../agents/agent-gate';
import { AgentPresenter } from '../agents/agent-presenter';
import { AgentsRepository } from '../agents/agents.repository';
import { parseAgentRef } from '../agents/domain/agent-ref';
import { AgentResponseDto } from '../agents/dto/agent-response.dto';
import { evaluateAccess } from './domain/access.policy';
import { accessAfterTransfer, isRecipient, mayCancelTransfer, mayRequestTransfer } from './domain/ownership-transfer';
import { OwnershipTransferListDto, toOwnershipTransfer } from './dto/ownership-transfer.dto';
import { OwnershipTransfersRepository, TransferRow } from './ownership-transfers.repository';

const noTransfer = () => new DomainError(ErrorCode.NOT_FOUND, 'No pending ownership transfer of this agent concerns you.');

/** Giving an agent to another user: requested by the owner or an admin, answered by the recipient. */
@Injectable()
export class OwnershipTransfersService {
  constructor(
    private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly gate: AgentGate,
    private readonly agents: AgentsRepository,
    private readonly transfers: OwnershipTransfersRepository,
    private readonly presenter: AgentPresenter,
  ) {}

  async request(principal: Principal, segment: string, to: string): Promise<AgentResponseDto> {
    return this.db.transaction(async (db) => {
      const { agent, rights } = await this.gate.lock(db, principal, segment, { level: 'use' });
      if (!mayRequestTransfer(principal, agent.owner)) {
        throw new DomainError(ErrorCode.FORBIDDEN, 'Only the owner or an organization admin can transfer ownership.');
      }
      if (to === agent.owner) throw new DomainError(ErrorCode.UNPROCESSABLE, `${to} already owns this agent.`);
      await this.transfers.expireLapsed(db, agent.id);
      if (await this.transfers.findPending(db, agent.id)) {
        throw new DomainError(ErrorCode.TRANSFER_PENDING, 'A transfer of this agent is already pending; cancel it first.');
      }
      await this.transfers.insert(db, {
        id: randomUUID(),
        agentId: agent.id,
        orgId: agent.orgId,
        from: agent.owner,
        to,
        requestedBy: principal.subject,
        ttlHours: this.config.OWNERSHIP_TRANSFER_TTL_HOURS,
      });
      await this.agents.update(db, agent.id, {});
      return this.presenter.presentFresh(db, agent, rights);
    });
  }

  async accept(principal: Principal, segment: string): Promise<AgentResponseDto> {
    return this.answer(principal, segment, async (db, agent, transfer) => {
      const next = accessAfterTransfer(accessConfigOf(agent), transfer.to);
      await this.agents.replaceGrants(db, agent.id, next.grants);
      await this.agents.update(db, agent.id, { owner: next.owner });
      await this.transfers.resolve(db, transfer.id, 'accepted');
    });
  }

  async decline(principal: Principal, segment: string): Promise<AgentResponseDto> {
    return this.answer(principal, segment, async (db, agent, transfer) => {
      await this.transfers.resolve(db, transfer.id, 'declined');
      await this.agents.update(db, agent.id, {});
    });
  }

  async cancel(principal: Principal, segment: string): Promise<AgentResponseDto> {
    return this.db.transaction(async (db) => {
      const { agent, rights } = await this.gate.lock(db, principal, segment, { level: 'use' });
      const transfer = await this.transfers.findPending(db, agent.id);
      if (!transfer) throw new DomainError(ErrorCode.NOT_FOUND, 'No ownership transfer of this agent is pending.');
      if (!mayCancelTransfer(principal, agent.owner, transfer)) {
        throw new DomainError(ErrorCode.FORBIDDEN, 'Only the requester, the owner or an organization admin can cancel this transfer.');
      }
      await this.transfers.resolve(db, transfer.id, 'cancelled');
      await this.agents.update(db, agent.id, {});
      return this.presenter.presentFresh(db, agent, rights);
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
  private answer(
    principal: Principal,
    segment: string,
    apply: (db: EntityManager, agent: AgentRow, transfer: TransferRow) => Promise<void>,
  ): Promise<AgentResponseDto> {
    return this.db.transaction(async (db) => {
      const ref = parseAgentRef(segment);
      const agent = ref ? await this.agents.findForUpdate(db, principal.orgId, ref) : undefined;
      const transfer = agent ? await this.transfers.findPending(db, agent.id) : undefined;
      if (!agent || !transfer || !isRecipient(principal, transfer)) throw noTransfer();
      if (agent.status === 'deleted') throw new DomainError(ErrorCode.AGENT_DELETED, 'The agent is deleted.');
      await apply(db, agent, transfer);
      const fresh = await this.agents.find(db, agent.orgId, { id: agent.id });
      if (!fresh) throw new Error(`agent ${agent.id} vanished inside its own transaction`);
      return this.presenter.present(db, fresh, evaluateAccess(principal, { orgId: fresh.orgId, accessConfig: accessConfigOf(fresh) }));
    });
  }
}
