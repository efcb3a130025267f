import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { VariationsRepository } from '../../variation-store/variations.repository';
import { retryDecision, RetryDecision } from '../domain/retry-policy';
import { RunRow } from '../run.row';

/** Whether a reported error sends the run round again: the pinned version's `retry` policy decides (SPEC §15). */
@Injectable()
export class RunRetries {
  constructor(private readonly variations: VariationsRepository) {}

  async decide(db: EntityManager, run: RunRow, retryable: boolean | undefined): Promise<RetryDecision> {
    if (!retryable) return { retry: false };
    const variation = await this.variations.find(db, run.agentId, run.variationId);
    return retryDecision(variation?.content.retry, run.retries, true);
  }
}
