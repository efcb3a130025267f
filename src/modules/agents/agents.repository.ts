import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { grantsSql } from '../access/access.repository';
import { ISO_TIMESTAMPS } from '../../infrastructure/database/iso-timestamps';
import { queryPipelined, queryRows } from '../../infrastructure/database/query-rows';
import { DraftWrite, VariationJson, VariationPair, variationPairFrom, variationsSql } from '../variation-store/variations.repository';
import { AgentChanges, AgentRow } from './agent.row';
import { AgentRef, refColumn } from './domain/agent-ref';
import { AgentStatus } from './domain/agent-status';

/** The first key of the org's sub-agent graph advisory lock (the second is the org id's hash); unique to it in this database. */
const SUB_AGENT_GRAPH_LOCK = 0x5ab_a9e7;

/** Every column of an agent row, with its grants and pending transfer, for SELECT and UPDATE … RETURNING alike. */
const AGENT_COLUMNS = `
    a.id, a.uid, a.org_id AS "orgId", a.slug, a.status, a.name, a.type, a.description, a.owner,
    a.org_access AS "orgAccess", ${grantsSql.jsonOf('a')} AS grants,
    a.notification_config AS "notificationConfig", a.is_schedule_active AS "isScheduleActive",
    a.next_run_at AS "nextRunAt", a.active_variation_id AS "activeVariationId",
    a.draft_variation_id AS "draftVariationId", a.has_unpublished_changes AS "hasUnpublishedChanges",
    a.latest_version AS "latestVersion", a.version, a.runs_count AS "runsCount", a.created_by AS "createdBy",
    a.created_at AS "createdAt", a.updated_at AS "updatedAt", a.deleted_at AS "deletedAt",
    (SELECT json_build_object('id', t.id, 'from', t.from_principal, 'to', t.to_principal,
              'requestedAt', t.requested_at, 'expiresAt', t.expires_at)
     FROM ownership_transfers t WHERE t.agent_id = a.id AND t.state = 'pending' AND t.expires_at > now()) AS "pendingOwnershipTransfer"`;

const SELECT_AGENT = `SELECT ${AGENT_COLUMNS} FROM agents a`;

const selectSql = (column: string) => `${SELECT_AGENT} WHERE a.org_id = $1 AND a.${column} = $2`;

const lockSql = (column: string) => `SELECT id FROM agents WHERE org_id = $1 AND ${column} = $2 FOR UPDATE`;

const findShowingSql = (column: string) => `SELECT ${AGENT_COLUMNS}, ${variationsSql.pairOf('a')} AS "variationPair" FROM agents a WHERE a.org_id = $1 AND a.${column} = $2`;

/**
 * The row read behind a lock by the same reference: the row locked, as each reference is unique in
 * the org and the holder of the lock is the only one who may change it.
 */
function sameRow<T extends { id: number }>(locked: { id: number }, read: T | undefined): T {
  if (read?.id !== locked.id) throw new Error(`agent ${locked.id} was locked but read as ${read?.id ?? 'nothing'}`);
  return read;
}

const COLUMN_OF: Record<keyof AgentChanges, string> = {
  status: 'status',
  name: 'name',
  type: 'type',
  description: 'description',
  owner: 'owner',
  orgAccess: 'org_access',
  notificationConfig: 'notification_config',
  isScheduleActive: 'is_schedule_active',
  nextRunAt: 'next_run_at',
  activeVariationId: 'active_variation_id',
  draftVariationId: 'draft_variation_id',
  hasUnpublishedChanges: 'has_unpublished_changes',
  latestVersion: 'latest_version',
  deletedAt: 'deleted_at',
  digestDueAt: 'digest_due_at',
};

export interface AgentListQuery {
  orgId: string;
  /** null: the caller is an org admin and sees everything. */
  visibleTo: { subject: string; principals: string[] } | null;
  status?: string;
  type?: string;
  q?: string;
  showDeleted: boolean;
  afterId?: number;
  limit: number;
}

export interface NewAgent {
  uid: string;
  orgId: string;
  slug: string;
  name: string;
  type: string;
  description: string | null;
  owner: string;
  orgAccess: string;
  notificationConfig: unknown;
  draftVariationId: string;
  createdBy: string;
  /** Where a new agent's lifecycle starts (NEW_AGENT). */
  status: AgentStatus;
  isScheduleActive: boolean;
  nextRunAt: Date | null;
  digestDueAt: Date | null;
}

@Injectable()
export class AgentsRepository {
  async find(db: EntityManager, orgId: string, ref: AgentRef): Promise<AgentRow | undefined> {
    return (await this.select(db, orgId, ref))[0];
  }

  /** The agent with the variations it points at, in one round trip. */
  async findShowing(db: EntityManager, orgId: string, ref: AgentRef): Promise<{ agent: AgentRow; variations: VariationPair } | undefined> {
    const [column, value] = refColumn(ref);
    const [row] = await queryRows<AgentRow & { variationPair: VariationJson[] | null }>(db, findShowingSql(column), [orgId, value]);
    if (!row) return undefined;
    const { variationPair, ...agent } = row;
    return { agent, variations: variationPairFrom(variationPair, agent.activeVariationId, agent.draftVariationId) };
  }

  /**
   * Locks the row for the rest of the transaction: every write applies to what it finds here.
   * The lock is taken first and the agent read by a second statement, because a statement that
   * waited for the lock still sees its old snapshot in subqueries (the grants); the next one sees
   * everything the previous holder committed. The two are pipelined (one round trip): PostgreSQL
   * starts the read only once the lock is held.
   */
  async findForUpdate(db: EntityManager, orgId: string, ref: AgentRef): Promise<AgentRow | undefined> {
    const [column, value] = refColumn(ref);
    const [[locked], [agent]] = await queryPipelined<[{ id: number }, AgentRow]>(db, [
      { sql: lockSql(column), parameters: [orgId, value] },
      { sql: selectSql(column), parameters: [orgId, value] },
    ]);
    return locked && sameRow(locked, agent);
  }

  /** As findForUpdate, with the variations the agent points at read by the same second statement. */
  async findShowingForUpdate(db: EntityManager, orgId: string, ref: AgentRef): Promise<{ agent: AgentRow; variations: VariationPair } | undefined> {
    const [column, value] = refColumn(ref);
    const [[locked], [row]] = await queryPipelined<[{ id: number }, AgentRow & { variationPair: VariationJson[] | null }]>(db, [
      { sql: lockSql(column), parameters: [orgId, value] },
      { sql: findShowingSql(column), parameters: [orgId, value] },
    ]);
    if (!locked) return undefined;
    const { variationPair, ...agent } = sameRow(locked, row);
    return { agent, variations: variationPairFrom(variationPair, agent.activeVariationId, agent.draftVariationId) };
  }

  private select(db: EntityManager, orgId: string, ref: AgentRef): Promise<AgentRow[]> {
    const [column, value] = refColumn(ref);
    return queryRows<AgentRow>(db, selectSql(column), [orgId, value]);
  }

  /** Returns null when the slug is taken in the org, so the caller can retry with another suffix. */
  async insert(db: EntityManager, agent: NewAgent): Promise<number | null> {
    const rows = await queryRows<{ id: number }>(
      db,
      `INSERT INTO agents (uid, org_id, slug, name, type, description, owner, org_access, notification_config,
         draft_variation_id, created_by, status, is_schedule_active, next_run_at, digest_due_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT ON CONSTRAINT agents_org_slug_key DO NOTHING RETURNING id`,
      [
        agent.uid,
        agent.orgId,
        agent.slug,
        agent.name,
        agent.type,
        agent.description,
        agent.owner,
        agent.orgAccess,
        agent.notificationConfig === null ? null : JSON.stringify(agent.notificationConfig),
        agent.draftVariationId,
        agent.createdBy,
        agent.status,
        agent.isScheduleActive,
        agent.nextRunAt,
        agent.digestDueAt,
      ],
    );
    return rows[0]?.id ?? null;
  }

  /**
   * Applies the changes and bumps `version` (the ETag), returning the row as it now stands, so a
   * use case answers with what it wrote without reading it again. An empty change only bumps the version.
   * `draft` is written by the same statement, saving a PATCH a round trip.
   */
  async update(db: EntityManager, id: number, changes: AgentChanges, draft?: DraftWrite): Promise<AgentRow> {
    const values: unknown[] = [id];
    const bind = (value: unknown) => `$${values.push(value)}`;
    const assignments = (Object.entries(changes) as [keyof AgentChanges, unknown][])
      .filter(([, value]) => value !== undefined)
      .map(([field, value]) => `${COLUMN_OF[field]} = ${bind(field === 'notificationConfig' && value !== null ? JSON.stringify(value) : value)}`);
    const withDraft = draft
      ? `WITH saved_draft AS (${variationsSql.saveDraft(bind(draft.id), '$1', bind(JSON.stringify(draft.content)), bind(draft.contentHash), bind(draft.createdBy), bind(draft.baseVersion))}) `
      : '';
    const [row] = await queryRows<AgentRow>(
      db,
      `${withDraft}UPDATE agents a SET ${[...assignments, 'version = version + 1', 'updated_at = now()'].join(', ')} WHERE a.id = $1 RETURNING ${AGENT_COLUMNS}`,
      values,
    );
    if (!row) throw new Error(`agent ${id} vanished inside its own transaction`);
    return row;
  }

  /** Keyset page, newest first, filtered in SQL to the agents the caller can use; its timestamps are the API's text (they only leave the service). */
  list(db: EntityManager, query: AgentListQuery): Promise<AgentRow[]> {
    const conditions = ['a.org_id = $1'];
    const values: unknown[] = [query.orgId];
    const bind = (value: unknown) => `$${values.push(value)}`;
    if (query.visibleTo) {
      conditions.push(`(a.owner = ${bind(query.visibleTo.subject)} OR a.org_access <> 'none'
        OR ${grantsSql.grantedToAny('a', bind(query.visibleTo.principals))})`);
    }
    if (query.status) conditions.push(`a.status = ${bind(query.status)}`);
    else if (!query.showDeleted) conditions.push(`a.status <> 'deleted'`);
    if (query.type) conditions.push(`a.type = ${bind(query.type)}`);
    if (query.q) conditions.push(`a.name ILIKE ${bind(`%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
    if (query.afterId !== undefined) conditions.push(`a.id < ${bind(query.afterId)}`);
    return queryRows<AgentRow>(db, `${SELECT_AGENT} WHERE ${conditions.join(' AND ')} ORDER BY a.id DESC LIMIT ${bind(query.limit)}`, values, { types: ISO_TIMESTAMPS });
  }

  /** Numeric ids and UUIDs of the org's agents among `uids` or `ids` (the compatibility routes name sub-agents by UUID). */
  idsAndUids(db: EntityManager, orgId: string, by: { uids: string[] } | { ids: number[] }): Promise<{ id: number; uid: string }[]> {
    const [column, values] = 'uids' in by ? ['uid', by.uids] : ['id', by.ids];
    const type = 'uids' in by ? 'uuid' : 'int';
    return queryRows(db, `SELECT id, uid FROM agents WHERE org_id = $1 AND ${column} = ANY($2::${type}[])`, [orgId, values]);
  }

  /** The agents a sub-agent list names, as far as they exist in the org. */
  findMany(db: EntityManager, orgId: string, ids: number[]): Promise<AgentRow[]> {
    return queryRows<AgentRow>(db, `${SELECT_AGENT} WHERE a.org_id = $1 AND a.id = ANY($2::int[])`, [orgId, ids]);
  }

  /**
   * Serialises sub-agent cycle checks within an org until the transaction ends. Two writes that each
   * add one half of a cycle (A → B, B → A) would otherwise both check a graph without the other's
   * edge and both commit. Taken after the agent's row lock and before the edges are read; under READ
   * COMMITTED the read that follows sees every write committed by whoever held the lock before.
   */
  async lockSubAgentGraph(db: EntityManager, orgId: string): Promise<void> {
    await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [SUB_AGENT_GRAPH_LOCK, orgId]);
  }

  /**
   * Every sub-agent edge reachable from `ids` through the draft and published variations of
   * other agents, in one recursive query, so cycle detection needs no query per agent.
   */
  subAgentEdgesFrom(db: EntityManager, orgId: string, ids: number[]): Promise<{ agentId: number; subAgentId: number }[]> {
    return queryRows(
      db,
      `WITH RECURSIVE edges(agent_id, sub_agent_id) AS (
         SELECT v.agent_id, (s->>'agentId')::int
         FROM variations v JOIN agents a ON a.id = v.agent_id AND a.org_id = $1
         CROSS JOIN jsonb_array_elements(v.content->'subAgents') s
         WHERE v.agent_id = ANY($2::int[]) AND v.state IN ('draft', 'published')
         UNION
         SELECT v.agent_id, (s->>'agentId')::int
         FROM edges e JOIN variations v ON v.agent_id = e.sub_agent_id AND v.state IN ('draft', 'published')
         CROSS JOIN jsonb_array_elements(v.content->'subAgents') s
       )
       SELECT agent_id AS "agentId", sub_agent_id AS "subAgentId" FROM edges`,
      [orgId, ids],
    );
  }
}
