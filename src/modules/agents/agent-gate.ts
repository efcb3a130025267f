import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { IfMatchCondition } from '../../common/http/if-match';
import { requireAccess } from '../access/access.guard';
import { AccessRights } from '../access/domain/access.policy';
import { AccessLevel } from '../access/domain/access-config';
import { Principal } from '../auth/domain/principal';
import { VariationPair } from '../variation-store/variations.repository';
import { accessOf, AgentRow } from './agent.row';
import { agentErrors } from './agents.errors';
import { AgentsRepository } from './agents.repository';
import { AgentRef } from './domain/agent-ref';
import { ifMatchSatisfied } from './domain/etag';

export interface GateOptions {
  level: AccessLevel;
  ifMatch?: IfMatchCondition;
  /** Undelete is the one change allowed on a deleted agent. */
  allowDeleted?: boolean;
}

/**
 * Loads an agent for a use case and applies, in order: visibility (404) and permission (403) through
 * the access guard, then deletion (409) and If-Match (412). Whatever is reached through an agent (its
 * runs) is authorized here too, answering its own 404 for an agent the caller may not see.
 */
@Injectable()
export class AgentGate {
  constructor(private readonly agents: AgentsRepository) {}

  /** `hidden`: the 404 for a caller who may not see the agent, when they asked for something of it (a run's). */
  async read(db: EntityManager, principal: Principal, ref: AgentRef, level: AccessLevel, hidden?: () => Error): Promise<{ agent: AgentRow; rights: AccessRights }> {
    const agent = await this.agents.find(db, principal.orgId, ref);
    if (!agent) throw hidden ? hidden() : agentErrors.notFound();
    return { agent, rights: requireAccess(principal, accessOf(agent), level, hidden) };
  }

  /** As `read`, with the agent's variations from the same query (one round trip for a single-agent GET). */
  async readShowing(db: EntityManager, principal: Principal, ref: AgentRef, level: AccessLevel): Promise<{ agent: AgentRow; rights: AccessRights; variations: VariationPair }> {
    const found = await this.agents.findShowing(db, principal.orgId, ref);
    if (!found) throw agentErrors.notFound();
    return { ...found, rights: requireAccess(principal, accessOf(found.agent), level) };
  }

  /** Locks the agent row (FOR UPDATE) for the rest of the transaction, then checks as `read` does. */
  async lock(db: EntityManager, principal: Principal, ref: AgentRef, options: GateOptions): Promise<{ agent: AgentRow; rights: AccessRights }> {
    const agent = await this.agents.findForUpdate(db, principal.orgId, ref);
    if (!agent) throw agentErrors.notFound();
    return { agent, rights: this.check(principal, agent, options) };
  }

  /** As `lock`, with the agent's variations read by the same statement that reads the locked row. */
  async lockShowing(db: EntityManager, principal: Principal, ref: AgentRef, options: GateOptions): Promise<{ agent: AgentRow; rights: AccessRights; variations: VariationPair }> {
    const found = await this.agents.findShowingForUpdate(db, principal.orgId, ref);
    if (!found) throw agentErrors.notFound();
    return { ...found, rights: this.check(principal, found.agent, options) };
  }

  private check(principal: Principal, agent: AgentRow, options: GateOptions): AccessRights {
    const rights = requireAccess(principal, accessOf(agent), options.level);
    if (agent.status === 'deleted' && !options.allowDeleted) throw agentErrors.deleted();
    if (!ifMatchSatisfied(options.ifMatch, agent.version)) throw agentErrors.etagMismatch(agent.version);
    return rights;
  }
}
