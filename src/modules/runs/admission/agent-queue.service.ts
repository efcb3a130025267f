import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isoOrNull } from '../../../common/http/iso-date';
import { queryRows } from '../../../infrastructure/database/query-rows';
import { AgentGate } from '../../agents/agent-gate';
import { AgentRef } from '../../agents/domain/agent-ref';
import { Principal } from '../../auth/domain/principal';
import { VariationsRepository } from '../../variation-store/variations.repository';
import { AgentQueueDto } from './agent-queue.dto';

/** `GET /agents/{id}/queue`: counts of the agent's unfinished runs by where they stand. */
@Injectable()
export class AgentQueueService {
  constructor(
    private readonly db: DataSource,
    private readonly gate: AgentGate,
    private readonly variations: VariationsRepository,
  ) {}

  async show(principal: Principal, ref: AgentRef): Promise<AgentQueueDto> {
    const db = this.db.manager;
    const { agent } = await this.gate.read(db, principal, ref, 'use');
    // Unfinished runs only, through runs_agent_status_seq_idx (agent, status): the history is never read.
    const [counts] = await queryRows<Omit<AgentQueueDto, 'limit' | 'oldestQueuedAt'> & { oldestQueuedAt: Date | null }>(
      db,
      `SELECT count(*) FILTER (WHERE status = 'queued' AND claimed_by IS NULL)::int AS queued,
         count(*) FILTER (WHERE status = 'queued' AND claimed_by IS NOT NULL)::int AS claimed,
         count(*) FILTER (WHERE status = 'running')::int AS running,
         count(*) FILTER (WHERE status = 'awaiting_approval')::int AS "awaitingApproval",
         min(created_at) FILTER (WHERE status = 'queued' AND claimed_by IS NULL) AS "oldestQueuedAt"
       FROM runs WHERE agent_id = $1 AND status IN ('queued', 'running', 'awaiting_approval')`,
      [agent.id],
    );
    const active = agent.activeVariationId ? await this.variations.find(db, agent.id, agent.activeVariationId) : undefined;
    return { ...counts, limit: active?.content.concurrency?.limit ?? null, oldestQueuedAt: isoOrNull(counts.oldestQueuedAt) };
  }
}
