import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { exclusiveBound } from '../../../common/validation/date-time';
import { UnitOfWork } from '../../../infrastructure/database/unit-of-work';
import { AgentGate } from '../../agents/agent-gate';
import { AgentRef } from '../../agents/domain/agent-ref';
import { actorOf, Principal } from '../../auth/domain/principal';
import { runEventChange } from '../domain/run-events';
import { CancelRunsDto, CancelRunsResponseDto, ReplayRunDto, RunResponseDto } from '../dto/run.dto';
import { runErrors } from '../runs.errors';
import { RunsRepository } from '../runs.repository';
import { RunsService } from '../runs.service';

/** SPEC §15: a run started again from another (replay), and many runs of an agent cancelled at once. */
@Injectable()
export class RunReplays {
  constructor(
    private readonly db: DataSource,
    private readonly tx: UnitOfWork,
    private readonly gate: AgentGate,
    private readonly runs: RunsRepository,
    private readonly starts: RunsService,
  ) {}

  /**
   * A new run of the original's agent, with the original's input and version unless the request
   * names others (an input, a version, or an environment whose version then runs), linked by `replayOf`. Everything a start checks applies (access as for starting,
   * the agent's status, the version, the input schema, capacity), through the start use case itself.
   */
  async replay(principal: Principal, runId: string, request: ReplayRunDto): Promise<RunResponseDto> {
    const original = await this.runs.find(this.db.manager, principal.orgId, runId);
    if (!original) throw runErrors.notFound();
    const input = request.input === undefined ? original.input : request.input;
    // An environment asked for replaces the original version; both at once is refused by the start itself.
    const target = request.environment === undefined
      ? { version: request.version ?? original.variationVersion }
      : { version: request.version, environment: request.environment, routingKey: request.routingKey };
    return this.starts.start(principal, { id: original.agentId }, { input, ...target }, original.id);
  }

  /**
   * Cancels the agent's runs in the statuses asked for (and created before `createdBefore`). As for one
   * cancel: a manager of the agent cancels them all, anyone else who can use it only the runs they started.
   */
  async cancelMany(principal: Principal, ref: AgentRef, request: CancelRunsDto): Promise<CancelRunsResponseDto> {
    return this.tx.run(actorOf(principal), async (work) => {
      const { agent, rights } = await this.gate.lock(work.db, principal, ref, { level: 'use', allowDeleted: true });
      const cancelled = await this.runs.cancelMany(
        work.db,
        {
          agentId: agent.id,
          statuses: [...new Set(request.status)],
          createdBefore: request.createdBefore === undefined ? undefined : exclusiveBound(request.createdBefore, 'before'),
          createdBy: rights.canManage ? undefined : principal.subject,
        },
        `Cancelled by ${principal.subject} (bulk).`,
      );
      work.record(cancelled.map((event) => runEventChange(event)));
      return { cancelled: cancelled.length };
    });
  }
}
