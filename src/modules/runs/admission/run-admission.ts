import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../../../infrastructure/database/query-rows';
import { inputViolations } from '../../variation-store/domain/admission-content';
import { VariationsRepository } from '../../variation-store/variations.repository';
import { runErrors } from '../runs.errors';

/** How long a start refused at capacity is told to wait: about one short run, not a promise of a slot. */
export const AT_CAPACITY_RETRY_SECONDS = 5;

/**
 * SPEC §15's checks on a run about to be queued, against the version it is pinned to: its input
 * against the version's `inputSchema`, and `concurrency` with `onLimit: reject`. Called by the start
 * use case with the agent row locked, so two starts at once count each other.
 */
@Injectable()
export class RunAdmission {
  constructor(private readonly variations: VariationsRepository) {}

  async admit(db: EntityManager, agentId: number, pinned: { id: string; version: number }, input: unknown): Promise<void> {
    const variation = await this.variations.find(db, agentId, pinned.id);
    if (!variation) throw new Error(`variation ${pinned.id} of agent ${agentId} vanished under the agent's lock`);
    const { inputSchema, concurrency } = variation.content;
    if (inputSchema) {
      const violations = inputViolations(variation.id, inputSchema, input);
      if (violations.length > 0) throw runErrors.inputInvalid(pinned.version, violations);
    }
    if (concurrency?.onLimit === 'reject') {
      const busy = await this.busyRuns(db, agentId, concurrency.limit);
      if (busy >= concurrency.limit) throw runErrors.atCapacity(busy, concurrency.limit, AT_CAPACITY_RETRY_SECONDS);
    }
  }

  /** Limited runs claimed or running (the agent's counter) plus those queued, counted up to `limit` (an index range). */
  private async busyRuns(db: EntityManager, agentId: number, limit: number): Promise<number> {
    const [row] = await queryRows<{ busy: number }>(
      db,
      `SELECT a.active_runs + (SELECT count(*)::int FROM (
           SELECT 1 FROM runs q WHERE q.org_id = a.org_id AND q.agent_id = a.id AND q.status = 'queued' AND q.lease_expires_at IS NULL AND q.capacity_limited LIMIT $2) w) AS busy
       FROM agents a WHERE a.id = $1`,
      [agentId, limit],
    );
    return row?.busy ?? 0;
  }
}
