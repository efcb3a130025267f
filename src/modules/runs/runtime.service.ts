import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../infrastructure/config/app-config';
import { Principal } from '../auth/domain/principal';
import { toVariationDetail } from '../variations/variation-response.mapper';
import { ClaimedRunDto, ClaimRunDto } from './dto/run.dto';
import { RunQueueSignal } from './run-queue.signal';
import { toRunResponse } from './run-response.mapper';
import { runErrors } from './runs.errors';
import { RunsRepository } from './runs.repository';

/** A waiting claim retries at least this often even without a wake-up (a lost notification costs at most this). */
const RETRY_MS = 1000;

/** The runtime's side of the queue: long-polling claims. */
@Injectable()
export class RuntimeService {
  constructor(
    private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly runs: RunsRepository,
    private readonly signal: RunQueueSignal,
  ) {}

  /**
   * Hands the oldest claimable run of the caller's org to this caller, waiting up to `waitSeconds`
   * for one. Each try is one short statement; between tries the claim waits on the queue signal and
   * holds no database connection. `gone` aborts when the caller disconnects.
   */
  async claim(principal: Principal, request: ClaimRunDto, gone?: AbortSignal): Promise<ClaimedRunDto | null> {
    if (!principal.isRuntime && !principal.isOrgAdmin) throw runErrors.claimForbidden();
    const deadline = Date.now() + (request.waitSeconds ?? 0) * 1000;
    const filter = { orgId: principal.orgId, agentIds: request.agentIds, types: request.types };
    for (;;) {
      // A caller that hung up must not get a run: nobody would start it until its lease lapsed.
      if (gone?.aborted) return null;
      const claimed = await this.runs.claimNext(this.db.manager, filter, principal.subject, this.config.RUN_LEASE_SECONDS);
      if (claimed) {
        const { run, agent, variation } = claimed;
        if (!run.leaseExpiresAt) throw new Error(`claimed run ${run.id} has no lease`);
        return {
          run: toRunResponse(run),
          agent: { id: agent.id, uid: agent.uid, name: agent.name, type: agent.type },
          variation: toVariationDetail(variation),
          lease: { expiresAt: new Date(run.leaseExpiresAt).toISOString() },
        };
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.signal.stopping) return null;
      await this.signal.wait(principal.orgId, Math.min(remaining, RETRY_MS));
    }
  }
}
