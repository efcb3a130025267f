import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../../infrastructure/database/query-rows';
import { VariationContent } from './domain/variation-content';
import { VariationRow } from './variation.row';

const COLUMNS = `id, agent_id AS "agentId", seq::text AS seq, state, version, content, content_hash AS "contentHash",
  created_by AS "createdBy", created_at AS "createdAt", updated_at AS "updatedAt", published_at AS "publishedAt",
  label, notes, base_version AS "baseVersion"`;

/** The variations an agent points at: either may be absent. */
export interface VariationPair {
  active?: VariationRow;
  draft?: VariationRow;
}

/** A variation row as `json_build_object`, for queries that return it beside other rows. */
const rowJson = (alias: string) =>
  `json_build_object('id', ${alias}.id, 'agentId', ${alias}.agent_id, 'seq', ${alias}.seq::text, 'state', ${alias}.state, 'version', ${alias}.version,
     'content', ${alias}.content, 'contentHash', ${alias}.content_hash, 'createdBy', ${alias}.created_by, 'createdAt', ${alias}.created_at,
     'updatedAt', ${alias}.updated_at, 'publishedAt', ${alias}.published_at, 'label', ${alias}.label, 'notes', ${alias}.notes,
     'baseVersion', ${alias}.base_version)`;

/**
 * The variations table's SQL for other tables' queries: an agent read comes back with the variations
 * it points at, and a claimed run with its pinned variation, in the same round trip.
 */
export const variationsSql = {
  /** The variation `alias` as JSON (timestamps as ISO strings); read it with `variationFrom`. */
  rowOf: rowJson,
  /**
   * Writes an agent's draft, creating it when `id` is new, as a data-modifying CTE an agent write
   * runs in its own UPDATE (one round trip for both). `$n` names the parameters: id, agent id,
   * content (JSON text), content hash, author, and the version production runs (kept by a new draft
   * as its base). A variation that is no longer a draft is left alone.
   */
  saveDraft: (id: string, agentId: string, content: string, contentHash: string, createdBy: string, baseVersion: string) =>
    `INSERT INTO variations (id, agent_id, state, content, content_hash, created_by, base_version)
     VALUES (${id}, ${agentId}, 'draft', ${content}, ${contentHash}, ${createdBy}, ${baseVersion}::int)
     ON CONFLICT (id) DO UPDATE SET content = EXCLUDED.content, content_hash = EXCLUDED.content_hash, updated_at = now() WHERE variations.state = 'draft'`,
  /** The agent's active and draft variations as a JSON array; read it with `variationPairFrom`. */
  pairOf: (agentAlias: string) =>
    `(SELECT json_agg(${rowJson('v')}) FROM variations v WHERE v.id IN (${agentAlias}.active_variation_id, ${agentAlias}.draft_variation_id))`,
};

/** Draft content to write with the agent's own columns (`variationsSql.saveDraft`). */
export interface DraftWrite {
  id: string;
  content: VariationContent;
  contentHash: string;
  createdBy: string;
  /** Production's version when a new draft begins from it (null before the first deploy). */
  baseVersion: number | null;
}

/** A version's label and notes; absent leaves one as it is, null clears it. */
export interface VersionNote {
  label?: string | null;
  notes?: string | null;
}

/** A version published directly (a live write, or a deploy to an environment other than production). */
export interface NewPublished {
  id: string;
  agentId: number;
  content: VariationContent;
  contentHash: string;
  version: number;
  createdBy: string;
  label?: string | null;
  notes?: string | null;
  baseVersion?: number | null;
}

export type VariationJson = Omit<VariationRow, 'createdAt' | 'updatedAt' | 'publishedAt'> & { createdAt: string; updatedAt: string; publishedAt: string | null };

/** A variation read through JSON, as the repository's own queries give it. */
export function variationFrom(v: VariationJson): VariationRow {
  return { ...v, createdAt: new Date(v.createdAt), updatedAt: new Date(v.updatedAt), publishedAt: v.publishedAt === null ? null : new Date(v.publishedAt) };
}

const pairOf = (rows: VariationRow[], activeId: string | null, draftId: string | null): VariationPair => ({
  active: rows.find((r) => r.id === activeId),
  draft: rows.find((r) => r.id === draftId),
});

/** Reads what `variationsSql.pairOf` returned. */
export function variationPairFrom(json: VariationJson[] | null, activeId: string | null, draftId: string | null): VariationPair {
  return pairOf((json ?? []).map(variationFrom), activeId, draftId);
}

@Injectable()
export class VariationsRepository {
  async find(db: EntityManager, agentId: number, id: string): Promise<VariationRow | undefined> {
    return (await queryRows<VariationRow>(db, `SELECT ${COLUMNS} FROM variations WHERE agent_id = $1 AND id = $2`, [agentId, id]))[0];
  }

  /** A published (active or superseded) version of the agent; drafts have no version. */
  async findPublished(db: EntityManager, agentId: number, version: number): Promise<VariationRow | undefined> {
    return (await queryRows<VariationRow>(db, `SELECT ${COLUMNS} FROM variations WHERE agent_id = $1 AND version = $2`, [agentId, version]))[0];
  }

  /** Throws the pending draft away; the agent row stops pointing at it in the same transaction. */
  async deleteDraft(db: EntityManager, id: string): Promise<void> {
    await db.query(`DELETE FROM variations WHERE id = $1 AND state = 'draft'`, [id]);
  }

  /** Variations by id, in one round trip (a page of agents and what each shows). */
  findByIds(db: EntityManager, ids: string[]): Promise<VariationRow[]> {
    return ids.length === 0 ? Promise.resolve([]) : queryRows<VariationRow>(db, `SELECT ${COLUMNS} FROM variations WHERE id = ANY($1::uuid[])`, [ids]);
  }

  /** Both variations an agent points at, in one round trip. */
  async findPair(db: EntityManager, activeId: string | null, draftId: string | null): Promise<VariationPair> {
    const ids = [activeId, draftId].filter((id): id is string => id !== null);
    if (ids.length === 0) return {};
    return pairOf(await queryRows<VariationRow>(db, `SELECT ${COLUMNS} FROM variations WHERE id = ANY($1::uuid[])`, [ids]), activeId, draftId);
  }

  async insertDraft(db: EntityManager, draft: { id: string; agentId: number; content: VariationContent; contentHash: string; createdBy: string }): Promise<void> {
    await db.query(
      `INSERT INTO variations (id, agent_id, state, content, content_hash, created_by) VALUES ($1, $2, 'draft', $3, $4, $5)`,
      [draft.id, draft.agentId, JSON.stringify(draft.content), draft.contentHash, draft.createdBy],
    );
  }

  async updateDraft(db: EntityManager, id: string, content: VariationContent, contentHash: string): Promise<void> {
    await db.query(`UPDATE variations SET content = $2, content_hash = $3, updated_at = now() WHERE id = $1 AND state = 'draft'`, [
      id,
      JSON.stringify(content),
      contentHash,
    ]);
  }

  /**
   * Publishes content directly as `version` (retiring the active variation) while a draft stays
   * pending: a live write from the compatibility routes goes out without taking the draft with it.
   */
  async insertPublished(db: EntityManager, variation: NewPublished, previousActiveId: string | null): Promise<void> {
    if (previousActiveId) await db.query(`UPDATE variations SET state = 'superseded', updated_at = now() WHERE id = $1`, [previousActiveId]);
    await db.query(
      `INSERT INTO variations (id, agent_id, state, version, content, content_hash, created_by, published_at, label, notes, base_version)
       VALUES ($1, $2, 'published', $3, $4, $5, $6, now(), $7, $8, $9)`,
      [
        variation.id,
        variation.agentId,
        variation.version,
        JSON.stringify(variation.content),
        variation.contentHash,
        variation.createdBy,
        variation.label ?? null,
        variation.notes ?? null,
        variation.baseVersion ?? null,
      ],
    );
  }

  /** Sets a version's label and notes (each only when given); its content stays as published. */
  async annotate(db: EntityManager, id: string, note: VersionNote): Promise<VariationRow> {
    const [row] = await queryRows<VariationRow>(
      db,
      `UPDATE variations SET label = CASE WHEN $2 THEN $3 ELSE label END, notes = CASE WHEN $4 THEN $5 ELSE notes END, updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, note.label !== undefined, note.label ?? null, note.notes !== undefined, note.notes ?? null],
    );
    if (!row) throw new Error(`variation ${id} vanished inside its own transaction`);
    return row;
  }

  /** Freezes the draft as `version` (with its label and notes) and retires the previously active variation. */
  async publish(db: EntityManager, draftId: string, version: number, previousActiveId: string | null, note: VersionNote = {}): Promise<void> {
    if (previousActiveId) {
      await db.query(`UPDATE variations SET state = 'superseded', updated_at = now() WHERE id = $1`, [previousActiveId]);
    }
    await db.query(
      `UPDATE variations SET state = 'published', version = $2, published_at = now(), updated_at = now(), label = $3, notes = $4 WHERE id = $1 AND state = 'draft'`,
      [draftId, version, note.label ?? null, note.notes ?? null],
    );
  }

  /**
   * History newest first; `beforeSeq` continues from a page token. The ORDER BY is qualified because a
   * bare `seq` would name the text output column (`seq::text AS seq`) and sort "999" after "1000".
   */
  listHistory(db: EntityManager, agentId: number, limit: number, beforeSeq?: string): Promise<VariationRow[]> {
    const cursor = beforeSeq === undefined ? '' : 'AND variations.seq < $3';
    const values = beforeSeq === undefined ? [agentId, limit] : [agentId, limit, beforeSeq];
    return queryRows<VariationRow>(db, `SELECT ${COLUMNS} FROM variations WHERE agent_id = $1 ${cursor} ORDER BY variations.seq DESC LIMIT $2`, values);
  }
}
