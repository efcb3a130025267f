import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { keysetPage, pageCursor } from '../../common/pagination/keyset-page';
import { exclusiveBound } from '../../common/validation/date-time';
import { AppConfig } from '../../infrastructure/config/app-config';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { FinishedRunStatus, Metrics } from '../../infrastructure/metrics/metrics';
import { tracing } from '../../infrastructure/tracing/trace-hooks';
import { AccessRights } from '../access/domain/access.policy';
import { AccessLevel } from '../access/domain/access-config';
import { AgentGate } from '../agents/agent-gate';
import { AgentRef } from '../agents/domain/agent-ref';
import { actorOf, Principal } from '../auth/domain/principal';
import { VariationsRepository } from '../variation-store/variations.repository';
import { runEventChange, runQueuedChange } from './domain/run-events';
import { routeRun, RunTarget } from './domain/run-target';
import { EnvironmentsRepository } from '../variation-store/environments.repository';
import { PRODUCTION } from '../variation-store/domain/environments';
import { RunAdmission } from './admission/run-admission';
import { RunRetries } from './admission/run-retries';
import { addUsage, Usage } from './domain/run-usage';
import { RunUsage } from './usage/run-usage';
import { acceptsHeartbeat, isFinal, nextRunStatus, RunMove } from './domain/run-status';
import { ListRunsQueryDto, RunDecisionDto, RunEventDto, RunListResponseDto, RunResponseDto, StartRunDto } from './dto/run.dto';
import { DB_NOW, RunChanges, RunRow } from './run.row';
import { toRunResponse } from './run-response.mapper';
import { runErrors } from './runs.errors';
import { RunsRepository } from './runs.repository';

/** Runs as their callers see them: start, follow, decide on approvals, cancel, and the runtime's reports. */
@Injectable()
export class RunsService {
  constructor(
    private readonly db: DataSource,
    private readonly tx: UnitOfWork,
    private readonly config: AppConfig,
    private readonly gate: AgentGate,
    private readonly variations: VariationsRepository,
    private readonly runs: RunsRepository,
    private readonly metrics: Metrics,
    private readonly environments: EnvironmentsRepository,
    private readonly admission: RunAdmission,
    private readonly retries: RunRetries,
    private readonly usage: RunUsage,
  ) {}

  /**
   * Queues a run pinned to what an environment runs (production by default, a canary split routing
   * its share), or to the published `version` asked for (a replay names the run it repeats:
   * RunReplays), once admission let it in (capacity, input schema). The agent
   * row is locked, so a pause or delete committed at the same moment is seen, and the count stays exact.
   */
  async start(principal: Principal, ref: AgentRef, request: StartRunDto, replayOf?: string): Promise<RunResponseDto> {
    if (request.version !== undefined && request.environment !== undefined) throw runErrors.versionOrEnvironment();
    return this.tx.run(actorOf(principal), async (work) => {
      const { db } = work;
      const { agent } = await this.gate.lock(db, principal, ref, { level: 'use', allowDeleted: true });
      if (agent.status === 'deleted') throw runErrors.agentDeleted();
      if (!agent.activeVariationId) throw runErrors.neverDeployed();
      if (agent.status === 'paused') throw runErrors.agentPaused();
      const target = await this.target(db, agent.id, request);
      await this.admission.admit(db, agent.id, { id: target.variationId, version: target.version }, request.input);
      const run = await this.runs.insert(db, {
        id: randomUUID(),
        orgId: agent.orgId,
        agentId: agent.id,
        variationId: target.variationId,
        variationVersion: target.version,
        environment: target.environment,
        routedTo: target.routedTo,
        trigger: 'manual',
        scheduledFor: null,
        input: request.input ?? null,
        createdBy: principal.subject,
        replayOf,
      });
      // The runtime continues this request's trace: the claim hands it the traceparent (tracing on only).
      const traceparent = tracing.traceparent();
      if (traceparent) await this.runs.attachTrace(db, run.id, traceparent);
      work.record(runQueuedChange(run));
      return toRunResponse(run);
    });
  }

  /**
   * The version a new run is pinned to: the published `version` asked for, or what the environment
   * (default production) routes it to, its canary split included (domain/run-target.ts).
   */
  private async target(db: EntityManager, agentId: number, request: StartRunDto): Promise<RunTarget> {
    if (request.version !== undefined) {
      const published = await this.variations.findPublished(db, agentId, request.version);
      if (!published || published.version === null) throw runErrors.versionNotPublished(request.version);
      return { variationId: published.id, version: published.version, environment: null, routedTo: null };
    }
    const name = request.environment ?? PRODUCTION;
    const environment = await this.environments.find(db, agentId, name);
    if (!environment) throw runErrors.noSuchEnvironment(name);
    return routeRun(environment, agentId, request.routingKey, Math.random);
  }

  async list(principal: Principal, ref: AgentRef, query: ListRunsQueryDto): Promise<RunListResponseDto> {
    const db = this.db.manager;
    const { agent } = await this.gate.read(db, principal, ref, 'use');
    const pageSize = query.pageSize ?? 50;
    const rows = await this.runs.list(db, {
      agentId: agent.id,
      status: query.status,
      trigger: query.trigger,
      createdAfter: query.createdAfter === undefined ? undefined : exclusiveBound(query.createdAfter, 'after'),
      createdBefore: query.createdBefore === undefined ? undefined : exclusiveBound(query.createdBefore, 'before'),
      beforeSeq: pageCursor(query.pageToken, 'text'),
      limit: pageSize + 1,
    });
    const { items, nextPageToken } = keysetPage(rows, pageSize, (run) => run.seq);
    return { runs: items.map((run) => toRunResponse(run)), nextPageToken };
  }

  async get(principal: Principal, runId: string): Promise<RunResponseDto> {
    const db = this.db.manager;
    const run = await this.runs.find(db, principal.orgId, runId);
    if (!run) throw runErrors.notFound();
    await this.authorize(db, principal, run, 'use');
    return toRunResponse(run, await this.runs.listEvents(db, run.id));
  }

  /** The run's creator, or anyone who manages its agent, may cancel it while it has not finished. */
  async cancel(principal: Principal, runId: string): Promise<RunResponseDto> {
    return this.move(principal, runId, 'cancel', async (db, run) => {
      const { canManage } = await this.authorize(db, principal, run, 'use');
      if (!canManage && run.createdBy !== principal.subject) throw runErrors.cannotCancel();
      return { changes: { status: 'cancelled', finishedAt: DB_NOW }, event: { type: 'cancelled', message: `Cancelled by ${principal.subject}.` } };
    });
  }

  /** Approve or reject what the run asked for; either way it goes back to the queue with the decision on it. */
  async decide(principal: Principal, runId: string, decision: 'approve' | 'reject', body: RunDecisionDto): Promise<RunResponseDto> {
    return this.move(principal, runId, decision, async (db, run) => {
      await this.authorize(db, principal, run, 'manage');
      const state = decision === 'approve' ? 'approved' : 'rejected';
      const approval = {
        state,
        message: run.approval?.message ?? null,
        data: run.approval?.data ?? null,
        decidedBy: principal.subject,
        decidedAt: new Date().toISOString(),
        comment: body.comment ?? null,
      } as const;
      await this.runs.wakeClaimants(db, run.orgId);
      return {
        changes: { status: 'queued', approval, claimedBy: null, claimedAt: null, leaseExpiresAt: null },
        event: { type: state, message: body.comment ?? null, data: { decidedBy: principal.subject } },
      };
    });
  }

  /**
   * A report from the runtime (or a caller who can use the agent): the status machine decides
   * whether it may happen; a runtime key may only report on the run it holds.
   */
  async report(principal: Principal, runId: string, event: RunEventDto): Promise<RunResponseDto> {
    return this.move(principal, runId, event.type, async (db, run) => {
      await this.authorizeReporter(db, principal, run);
      const report = { type: event.type, message: event.message ?? null, data: event.data };
      switch (event.type) {
        case 'started':
          return { changes: { status: 'running', startedAt: run.startedAt ?? DB_NOW, leaseExpiresAt: null, timeoutInSeconds: this.config.RUN_TIMEOUT_SECONDS }, event: report };
        case 'action_taken':
          return { changes: { timeoutInSeconds: this.config.RUN_TIMEOUT_SECONDS }, event: report, usage: event.usage };
        case 'approval_required': {
          const approval = { state: 'pending', message: event.message ?? null, data: event.data ?? null, decidedBy: null, decidedAt: null, comment: null } as const;
          return { changes: { status: 'awaiting_approval', approval }, event: report };
        }
        case 'outcome':
          return { changes: { status: 'succeeded', output: event.output ?? null, finishedAt: DB_NOW }, event: report, usage: event.usage };
        case 'error': {
          const retry = await this.retries.decide(db, run, event.retryable);
          if (retry.retry) {
            const data = { error: event.error ?? null, nextAttempt: run.attempt + 1, nextTry: retry.nextTry, retryInSeconds: retry.delaySeconds };
            return { changes: { status: 'queued', claimedBy: null, claimedAt: null, retryInSeconds: retry.delaySeconds }, event: { type: 'retrying', message: event.error?.message ?? null, data } };
          }
          return { changes: { status: 'failed', error: event.error ?? null, finishedAt: DB_NOW }, event: report };
        }
      }
    });
  }

  /** Keeps a claim (its lease) or a running run (its timeout) alive; a 409 tells the runtime to stop. */
  async heartbeat(principal: Principal, runId: string): Promise<RunResponseDto> {
    // Not a change of state (SPEC §13 has no event for it): it records nothing.
    return this.tx.run(actorOf(principal), async ({ db }) => {
      const run = await this.runs.findForUpdate(db, principal.orgId, runId);
      if (!run) throw runErrors.notFound();
      await this.authorizeReporter(db, principal, run);
      // A queued run with nobody holding it (waiting in the queue, or out its retry backoff) has no claim to keep alive.
      if (!acceptsHeartbeat(run.status) || (run.status === 'queued' && run.claimedBy === null)) throw runErrors.notHeartbeating(run.status);
      const updated =
        run.status === 'queued' ? await this.runs.extendLease(db, run.id, this.config.RUN_LEASE_SECONDS) : await this.runs.update(db, run.id, { timeoutInSeconds: this.config.RUN_TIMEOUT_SECONDS });
      return toRunResponse(updated);
    });
  }

  /**
   * Every change of status goes through here: the run row is locked, the move checked against the
   * status found under the lock (so of two conflicting moves exactly one wins), then applied with its
   * event, which is recorded (and so read by the Slack outbox) in the same transaction.
   */
  private async move(
    principal: Principal,
    runId: string,
    move: RunMove,
    plan: (db: EntityManager, run: RunRow) => Promise<{ changes: RunChanges; event: { type: string; message?: string | null; data?: unknown }; usage?: Usage }>,
  ): Promise<RunResponseDto> {
    let finished: RunRow | undefined;
    const response = await this.tx.run(actorOf(principal), async (work) => {
      const run = await this.runs.findForUpdate(work.db, principal.orgId, runId);
      if (!run) throw runErrors.notFound();
      const { changes, event, usage } = await plan(work.db, run);
      const next = nextRunStatus(run.status, move);
      if (next === null) throw runErrors.stateConflict(run.status, move);
      // A plan may send the run elsewhere than the move's usual status: a retryable error back to the queue.
      const { run: updated, event: written } = await this.runs.updateWithEvent(work.db, run.id, { status: next, ...changes }, event, usage && addUsage(run.usage, usage));
      work.record(runEventChange(written));
      if (usage) await this.usage.record(work, updated, usage);
      if (isFinal(updated.status)) finished = updated;
      return toRunResponse(updated);
    });
    // Counted once committed: a move that rolled back finished nothing.
    if (finished) this.metrics.runFinished(finished.status as FinishedRunStatus, finished.startedAt, finished.finishedAt);
    return response;
  }

  /** A run is visible to whoever can use its agent, through the agents' gate; to anyone else it does not exist. */
  private async authorize(db: EntityManager, principal: Principal, run: RunRow, level: AccessLevel): Promise<AccessRights> {
    return (await this.gate.read(db, principal, { id: run.agentId }, level, runErrors.notFound)).rights;
  }

  /** Runtime keys report on the runs they hold (any agent of their org); people need use of the agent. */
  private async authorizeReporter(db: EntityManager, principal: Principal, run: RunRow): Promise<void> {
    if (!principal.isRuntime) {
      await this.authorize(db, principal, run, 'use');
      return;
    }
    if (run.claimedBy !== principal.subject) throw runErrors.claimedByAnother(run.status);
  }
}
