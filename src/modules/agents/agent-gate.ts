import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { AccessRights } from '../access/domain/access.policy';
import { AccessLevel } from '../access/domain/access-config';
import { requireAccess } from '../access/domain/require-access';
import { Principal } from '../auth/domain/principal';
import { AgentRow } from './agent.row';
import { AgentsRepository } from './agents.repository';
import { parseAgentRef } from './domain/agent-ref';
import { ifMatchSatisfied } from './domain/etag';

export interface GateOptions {
  level: AccessLevel;
  ifMatch?: string;
  /** Undelete is the one change allowed on a deleted agent. */
  allowDeleted?: boolean;
}

export const accessConfigOf = (agent: AgentRow) => ({ owner: agent.owner, orgAccess: agent.orgAccess, grants: agent.grants });

const notFound = () => new DomainError(ErrorCode.NOT_FOUND, 'No such agent.');

/** Loads an agent for a use case and applies, in order: visibility (404), permission (403), deletion (409), If-Match (412). */
@Injectable()
export class AgentGate {
  constructor(private readonly agents: AgentsRepository) {}

  async read(db: EntityManager, principal: Principal, segment: string, level: AccessLevel): Promise<{ agent: AgentRow; rights: AccessRights }> {
    const ref = parseAgentRef(segment);
    const agent = ref ? await this.agents.find(db, principal.orgId, ref) : undefined;
    if (!agent) throw notFound();
    return { agent, rights: requireAccess(principal, { orgId: agent.orgId, accessConfig: accessConfigOf(agent) }, level) };
  }

  /** Locks the agent row (FOR UPDATE) for the rest of the transaction, then checks as `read` does. */
  async lock(db: EntityManager, principal: Principal, segment: string, options: GateOptions): Promise<{ agent: AgentRow; rights: AccessRights }> {
    const ref = parseAgentRef(segment);
    const agent = ref ? await this.agents.findForUpdate(db, principal.orgId, ref) : undefined;
    if (!agent) throw notFound();
    const rights = requireAccess(principal, { orgId: agent.orgId, accessConfig: accessConfigOf(agent) }, options.level);
    if (agent.status === 'deleted' && !options.allowDeleted) {
      throw new DomainError(ErrorCode.AGENT_DELETED, 'The agent is deleted; undelete it before changing it.');
    }
    if (!ifMatchSatisfied(options.ifMatch, agent.version)) {
      throw new DomainError(ErrorCode.PRECONDITION_FAILED, `If-Match does not match the agent's current ETag "${agent.version}"; reload and retry.`);
    }
    return { agent, rights };
  }
}
