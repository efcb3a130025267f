import { Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isDatabaseUnavailable } from '../../common/errors/database-unavailable';
import { AppConfig } from '../../infrastructure/config/app-config';
import { EventAnnouncer } from '../../infrastructure/database/event-announcer';
import { Work } from '../../infrastructure/database/unit-of-work';
import { Metrics } from '../../infrastructure/metrics/metrics';
import { ApiKeyRevocations } from '../auth/api-key-revocations';
import { actorOf, apiKeySubject, hasLapsed, Principal } from '../auth/domain/principal';
import { toVariationDetail } from '../variation-store/variation-response.mapper';
import { runEventChange } from './domain/run-events';
import { ClaimedRunDto, ClaimRunDto } from './dto/run.dto';
import { RunQueueSignal } from './run-queue.signal';
import { toRunResponse } from './run-response.mapper';
import { runErrors } from './runs.errors';
import { ClaimAttempt, Claimant, ClaimFilter, RunsRepository } from './runs.repository';

/** A waiting claim retries at least this often even without a wake-up (a lost notification costs at most this). */
const RETRY_MS = 1000;

/** The runtime's side of the queue: long-polling claims, and what a revoked key's claims become. */
@Injectable()
export class RuntimeService implements OnModuleInit {
  constructor(
    private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly runs: RunsRepository,
    private readonly signal: RunQueueSignal,
    private readonly revocations: ApiKeyRevocations,
    private readonly metrics: Metrics,
    private readonly announcer: EventAnnouncer,
  ) {}

  onModuleInit(): void {
    this.revocations.register((work, key) => this.releaseClaimsOf(work, key));
  }

  /**
   * Hands the oldest claimable run of the caller's org to this caller, waiting up to `waitSeconds`
   * for one. Each try is one short statement; between tries the claim waits on the queue signal and
   * holds no database connection. `gone` aborts when the caller disconnects.
   *
   * The caller was authenticated once, when the request came; a wait outlives that, so each try checks
   * again: a JWT against the instant it lapses (here), an API key against its row (in the claim
   * statement, under a lock the revocation conflicts with). Either lapsed: 401, as the guard answers.
   */
  async claim(principal: Principal, request: ClaimRunDto, gone?: AbortSignal): Promise<ClaimedRunDto | null> {
    if (!principal.isRuntime && !principal.isOrgAdmin) throw runErrors.claimForbidden();
    const deadline = Date.now() + (request.waitSeconds ?? 0) * 1000;
    const filter = { orgId: principal.orgId, agentIds: request.agentIds, types: request.types };
    const claimant = { actor: actorOf(principal), apiKeyId: principal.apiKeyId ?? null };
    for (;;) {
      // A caller that hung up must not get a run: nobody would start it until its lease lapsed.
      if (gone?.aborted) return null;
      if (hasLapsed(principal, Date.now())) throw runErrors.claimantLapsed('The token expired (or passed the maximum token age) while the claim waited.');
      const attempt = await this.tryClaim(filter, claimant, deadline);
      if (attempt === 'unavailable') {
        await this.signal.wait(principal.orgId, RETRY_MS);
        continue;
      }
      if (attempt.revoked) throw runErrors.claimantLapsed('The API key was revoked while the claim waited.');
      if (attempt.claimed) {
        const { run, agent, variation } = attempt.claimed;
        // The claim's statement committed its run.claimed event: the streams hear of it now.
        this.announcer.announce([run.orgId]);
        if (!run.leaseExpiresAt) throw new Error(`claimed run ${run.id} has no lease`);
        // Queued since it was created only on its first attempt and unless back from an approval (then its wait began later, unrecorded).
        if (run.attempt === 1 && run.approval === null && run.claimedAt) this.metrics.runClaimed(run.createdAt, run.claimedAt);
        return {
          traceparent: run.traceparent,
          run: toRunResponse(run),
          agent: { id: agent.id, uid: agent.uid, name: agent.name, type: agent.type },
          variation: toVariationDetail(variation),
          lease: { expiresAt: new Date(run.leaseExpiresAt).toISOString() },
        };
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.signal.stopping) return null;
      // Woken when the token lapses too, so the claim ends then rather than at its next try.
      const untilLapse = (principal.expiresAt ?? Infinity) - Date.now();
      await this.signal.wait(principal.orgId, Math.max(0, Math.min(remaining, RETRY_MS, untilLapse)));
    }
  }

  /**
   * One try. While the database is away (a restart, a failover) a waiting claim keeps waiting rather
   * than failing: it resumes when the database is back, as long as its deadline has not passed; a try
   * that fails at or after the deadline answers 503 with Retry-After, as any request would.
   */
  private async tryClaim(filter: ClaimFilter, claimant: Claimant, deadline: number): Promise<ClaimAttempt | 'unavailable'> {
    try {
      return await this.runs.claimNext(this.db.manager, filter, claimant, this.config.RUN_LEASE_SECONDS);
    } catch (error) {
      if (isDatabaseUnavailable(error) && Date.now() + RETRY_MS < deadline && !this.signal.stopping) return 'unavailable';
      throw error;
    }
  }

  /**
   * In the revocation's transaction: the runs the key claimed but never started go back to the queue,
   * since it can no longer report `started` (they would sit until their lease lapsed, costing an
   * attempt). The NOTIFY wakes the org's waiting claims on every instance: other runtimes take the
   * runs, and the revoked key's own waiting claims try again, find the key revoked and end.
   */
  private async releaseClaimsOf(work: Work, key: { id: string; orgId: string }): Promise<void> {
    const released = await this.runs.releaseClaimsOf(work.db, apiKeySubject(key.id));
    await this.runs.wakeClaimants(work.db, key.orgId);
    work.record(released.map((event) => runEventChange(event)));
  }
}
