import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ifMatchAllows, IfMatchCondition } from '../../common/http/if-match';
import { UnitOfWork, Work } from '../../infrastructure/database/unit-of-work';
import { AgentGate } from '../agents/agent-gate';
import { AgentRow } from '../agents/agent.row';
import { AgentRef } from '../agents/domain/agent-ref';
import { actorOf, Principal } from '../auth/domain/principal';
import { CanarySplit, ENVIRONMENT_NAME, environmentEtagValue, environmentSnapshot, formatEnvironmentEtag, PRODUCTION } from '../variation-store/domain/environments';
import { EnvironmentRow, EnvironmentsRepository } from '../variation-store/environments.repository';
import { VariationsRepository } from '../variation-store/variations.repository';
import { AgentPublisher, PointerMove } from './agent-publisher';
import { EnvironmentListResponseDto, EnvironmentResponseDto, PutEnvironmentDto } from './dto/environment.dto';
import { toEnvironmentResponse } from './environment-response.mapper';
import { environmentErrors, variationErrors } from './variations.errors';

/** A write's answer: the environment, and whether the call created it (201) or moved it (200). */
export interface EnvironmentWritten {
  created: boolean;
  environment: EnvironmentResponseDto;
}

/**
 * An agent's environments (SPEC §14): list, create or move one (PUT), promote one from another,
 * delete one. Each write locks the agent row first, so two moves of one agent's environments apply
 * one after the other, each to what the previous left; If-Match compares the environment's own ETag.
 */
@Injectable()
export class EnvironmentsService {
  constructor(
    private readonly db: DataSource,
    private readonly tx: UnitOfWork,
    private readonly gate: AgentGate,
    private readonly environments: EnvironmentsRepository,
    private readonly variations: VariationsRepository,
    private readonly publisher: AgentPublisher,
  ) {}

  async list(principal: Principal, ref: AgentRef): Promise<EnvironmentListResponseDto> {
    const db = this.db.manager;
    const { agent } = await this.gate.read(db, principal, ref, 'use');
    return { environments: (await this.environments.list(db, agent.id)).map(toEnvironmentResponse) };
  }

  async get(principal: Principal, ref: AgentRef, name: string): Promise<EnvironmentResponseDto> {
    const db = this.db.manager;
    const { agent } = await this.gate.read(db, principal, ref, 'use');
    const environment = await this.environments.find(db, agent.id, name);
    if (!environment) throw environmentErrors.notFound(name);
    return toEnvironmentResponse(environment);
  }

  /** Creates the environment or moves it to `version`, with the canary asked for (absent: kept). */
  async put(principal: Principal, ref: AgentRef, name: string, body: PutEnvironmentDto, ifMatch: IfMatchCondition | undefined, validateOnly = false): Promise<EnvironmentWritten> {
    if (!ENVIRONMENT_NAME.test(name)) throw environmentErrors.badName();
    return this.tx.run(
      actorOf(principal),
      async (work) => {
        const { agent, current } = await this.lockEnvironment(work, principal, ref, name, ifMatch);
        const primary = await this.published(work, agent, body.version);
        let canary: CanarySplit | null | undefined = body.canary === null ? null : undefined;
        if (body.canary) {
          if (body.canary.version === body.version) throw environmentErrors.canaryIsPrimary();
          const split = await this.published(work, agent, body.canary.version);
          canary = { variationId: split.id, version: body.canary.version, percent: body.canary.percent };
        }
        return this.move(work, agent, current, { environment: name, primary, canary, cause: 'move' });
      },
      { validateOnly },
    );
  }

  /** Points `name` at the version `from` runs (its primary); the target's canary is kept unless it now runs that version. */
  async promote(principal: Principal, ref: AgentRef, name: string, from: string, ifMatch: IfMatchCondition | undefined, validateOnly = false): Promise<EnvironmentWritten> {
    if (!ENVIRONMENT_NAME.test(name)) throw environmentErrors.notFound(name);
    return this.tx.run(
      actorOf(principal),
      async (work) => {
        const { agent, current } = await this.lockEnvironment(work, principal, ref, name, ifMatch);
        const source = await this.environments.find(work.db, agent.id, from);
        if (!source) throw environmentErrors.notFound(from);
        const primary = await this.published(work, agent, source.version);
        return this.move(work, agent, current, { environment: name, primary, canary: undefined, cause: 'promote', data: { from } });
      },
      { validateOnly },
    );
  }

  /** Removes an environment other than production; runs already started keep the version they were pinned to. */
  async remove(principal: Principal, ref: AgentRef, name: string, ifMatch: IfMatchCondition | undefined): Promise<void> {
    if (name === PRODUCTION) throw environmentErrors.productionKept();
    await this.tx.run(actorOf(principal), async (work) => {
      const { agent, current } = await this.lockEnvironment(work, principal, ref, name, ifMatch);
      if (!current) throw environmentErrors.notFound(name);
      await this.environments.delete(work.db, agent.id, name);
      work.record({
        type: 'environment.updated',
        orgId: agent.orgId,
        agentId: agent.id,
        data: { environment: name, cause: 'delete', before: environmentSnapshot(current), after: null },
      });
    });
  }

  /**
   * The agent locked for a change of its environment `name` (404, 403, 409 for a deleted agent as
   * everywhere), then If-Match against the environment's ETag: a tag for an environment that does
   * not exist yet matches nothing (RFC 9110), so only a request without If-Match creates one.
   */
  private async lockEnvironment(work: Work, principal: Principal, ref: AgentRef, name: string, ifMatch: IfMatchCondition | undefined): Promise<{ agent: AgentRow; current: EnvironmentRow | undefined }> {
    const { agent } = await this.gate.lock(work.db, principal, ref, { level: 'manage' });
    const current = await this.environments.find(work.db, agent.id, name);
    if (ifMatch !== undefined && (!current || !ifMatchAllows(ifMatch, environmentEtagValue(current.revision)))) {
      throw environmentErrors.etagMismatch(name, current ? formatEnvironmentEtag(current.revision) : null);
    }
    return { agent, current };
  }

  private async published(work: Work, agent: AgentRow, version: number) {
    const variation = await this.variations.findPublished(work.db, agent.id, version);
    if (!variation || variation.version === null) throw variationErrors.versionNotPublished(version);
    return { ...variation, version: variation.version };
  }

  private async move(work: Work, agent: AgentRow, current: EnvironmentRow | undefined, move: PointerMove): Promise<EnvironmentWritten> {
    const { environment } = await this.publisher.moveEnvironment(work, agent, current, move);
    return { created: !current, environment: toEnvironmentResponse(environment) };
  }
}
