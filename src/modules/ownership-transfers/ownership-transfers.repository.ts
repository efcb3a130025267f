import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../../infrastructure/database/query-rows';

export interface TransferRow {
  id: string;
  agentId: number;
  agentSlug: string;
  agentName: string;
  from: string;
  to: string;
  requestedBy: string;
  requestedAt: Date;
  expiresAt: Date;
}

const COLUMNS = `t.id, t.agent_id AS "agentId", a.slug AS "agentSlug", a.name AS "agentName", t.from_principal AS "from",
  t.to_principal AS "to", t.requested_by AS "requestedBy", t.requested_at AS "requestedAt", t.expires_at AS "expiresAt"`;

export interface ExpiredTransfer {
  id: string;
  agentId: number;
  orgId: string;
  from: string;
  to: string;
}

export type TransferResolution = 'accepted' | 'declined' | 'cancelled';

@Injectable()
export class OwnershipTransfersRepository {
  async findPending(db: EntityManager, agentId: number): Promise<TransferRow | undefined> {
    const rows = await queryRows<TransferRow>(
      db,
      `SELECT ${COLUMNS} FROM ownership_transfers t JOIN agents a ON a.id = t.agent_id
       WHERE t.agent_id = $1 AND t.state = 'pending' AND t.expires_at > now()`,
      [agentId],
    );
    return rows[0];
  }

  /**
   * Closes lapsed pending transfers (of one agent, or all of them), so the one-pending-per-agent index
   * admits a new one; returns those it closed, each once however many sweeps and requests race (the
   * UPDATE re-checks `pending` on the row it locks). One text per shape of filter, holding only the
   * conditions it needs, as the run claim's: the agent ($1) only when one is given.
   */
  expireLapsed(db: EntityManager, agentId: number | null): Promise<ExpiredTransfer[]> {
    const agent = agentId !== null;
    return queryRows<ExpiredTransfer>(
      db,
      `UPDATE ownership_transfers SET state = 'expired', resolved_at = expires_at
       WHERE state = 'pending' AND expires_at <= now() ${agent ? 'AND agent_id = $1::int' : ''}
       RETURNING id, agent_id AS "agentId", org_id AS "orgId", from_principal AS "from", to_principal AS "to"`,
      agent ? [agentId] : [],
    );
  }

  async insert(db: EntityManager, row: { id: string; agentId: number; orgId: string; from: string; to: string; requestedBy: string; ttlHours: number }): Promise<void> {
    await db.query(
      `INSERT INTO ownership_transfers (id, agent_id, org_id, from_principal, to_principal, requested_by, state, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', now() + make_interval(hours => $7))`,
      [row.id, row.agentId, row.orgId, row.from, row.to, row.requestedBy, row.ttlHours],
    );
  }

  async resolve(db: EntityManager, id: string, state: TransferResolution): Promise<void> {
    await db.query(`UPDATE ownership_transfers SET state = $2, resolved_at = now() WHERE id = $1 AND state = 'pending'`, [id, state]);
  }

  /** Pending transfers addressed to the caller (incoming) or given away by them (outgoing), newest first. */
  listPending(db: EntityManager, orgId: string, subject: string, direction: 'incoming' | 'outgoing'): Promise<TransferRow[]> {
    const party = direction === 'incoming' ? 't.to_principal = $2' : '(t.from_principal = $2 OR t.requested_by = $2)';
    return queryRows<TransferRow>(
      db,
      `SELECT ${COLUMNS} FROM ownership_transfers t JOIN agents a ON a.id = t.agent_id
       WHERE t.org_id = $1 AND ${party} AND t.state = 'pending' AND t.expires_at > now() AND a.status <> 'deleted'
       ORDER BY t.requested_at DESC LIMIT 200`,
      [orgId, subject],
    );
  }
}
