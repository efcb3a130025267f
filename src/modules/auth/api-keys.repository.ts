import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '../../infrastructure/database/query-rows';
import { ApiKeyRole } from './domain/api-key-role';

export interface ApiKeyRow {
  id: string;
  orgId: string;
  name: string;
  role: ApiKeyRole;
  prefix: string;
  secretHash: Buffer;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const COLUMNS = `id, org_id AS "orgId", name, role, prefix, secret_hash AS "secretHash", created_by AS "createdBy",
  created_at AS "createdAt", last_used_at AS "lastUsedAt"`;

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly db: DataSource) {}

  async insert(db: EntityManager, row: Omit<ApiKeyRow, 'createdAt' | 'lastUsedAt'>): Promise<ApiKeyRow> {
    const [inserted] = await queryRows<ApiKeyRow>(db,
      `INSERT INTO api_keys (id, org_id, name, role, prefix, secret_hash, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [row.id, row.orgId, row.name, row.role, row.prefix, row.secretHash, row.createdBy],
    );
    if (!inserted) throw new Error('INSERT ... RETURNING returned no row');
    return inserted;
  }

  async findActiveByPrefix(prefix: string): Promise<ApiKeyRow | undefined> {
    const rows = await queryRows<ApiKeyRow>(this.db.manager, `SELECT ${COLUMNS} FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL`, [prefix]);
    return rows[0];
  }

  listActive(orgId: string): Promise<ApiKeyRow[]> {
    return queryRows<ApiKeyRow>(this.db.manager, `SELECT ${COLUMNS} FROM api_keys WHERE org_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id`, [orgId]);
  }

  /**
   * Returns false when no active key of that org has the id. The UPDATE waits for claims that hold the
   * row FOR SHARE, and makes every later claim with the key take nothing.
   */
  async revoke(db: EntityManager, orgId: string, id: string): Promise<boolean> {
    const rows = await queryRows(
      db,
      `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND org_id = $2 AND revoked_at IS NULL RETURNING id`,
      [id, orgId],
    );
    return rows.length > 0;
  }

  /** At most one write a minute per key, so authenticating stays a read on the hot path. */
  async touchLastUsed(id: string): Promise<void> {
    await this.db.query(
      `UPDATE api_keys SET last_used_at = now()
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}
