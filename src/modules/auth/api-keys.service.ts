import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { Change } from '../../infrastructure/database/change';
import { UnitOfWork } from '../../infrastructure/database/unit-of-work';
import { ApiKeyRevocations } from './api-key-revocations';
import { ApiKeysRepository } from './api-keys.repository';
import { apiKeyMatches, generateApiKey, looksLikeApiKey, lookupPrefix } from './domain/api-key-secret';
import { actorOf, apiKeySubject, Principal } from './domain/principal';
import { ApiKeyResponseDto, CreatedApiKeyResponseDto, toApiKeyResponse } from './dto/api-key-response.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { unauthenticated } from './jwt-verifier';

/** The repository writes lastUsedAt at most once a minute per key. */
const LAST_USED_RESOLUTION_MS = 60_000;

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(
    private readonly tx: UnitOfWork,
    private readonly apiKeys: ApiKeysRepository,
    private readonly revocations: ApiKeyRevocations,
  ) {}

  async create(principal: Principal, dto: CreateApiKeyDto): Promise<CreatedApiKeyResponseDto> {
    requireOrgAdmin(principal);
    const generated = generateApiKey();
    const row = await this.tx.run(actorOf(principal), async (work) => {
      const inserted = await this.apiKeys.insert(work.db, {
        id: randomUUID(),
        orgId: principal.orgId,
        name: dto.name,
        role: dto.role,
        prefix: generated.prefix,
        secretHash: generated.hash,
        createdBy: principal.subject,
      });
      work.record(apiKeyChange('api_key.created', inserted, { name: inserted.name, role: inserted.role }));
      return inserted;
    });
    return { ...toApiKeyResponse(row), key: generated.key };
  }

  async list(principal: Principal): Promise<ApiKeyResponseDto[]> {
    requireOrgAdmin(principal);
    return (await this.apiKeys.listActive(principal.orgId)).map(toApiKeyResponse);
  }

  /**
   * Revokes the key and, in the same transaction, does what the other modules registered for a
   * revocation (runs: the key's claims go back to the queue). Their statements follow the key's UPDATE,
   * so they see what committed while it waited for the key row's lock.
   */
  async revoke(principal: Principal, id: string): Promise<void> {
    requireOrgAdmin(principal);
    await this.tx.run(actorOf(principal), async (work) => {
      if (!(await this.apiKeys.revoke(work.db, principal.orgId, id))) {
        throw new DomainError(ErrorCode.NOT_FOUND, `No API key ${id} in this organization.`);
      }
      work.record(apiKeyChange('api_key.revoked', { id, orgId: principal.orgId }));
      await this.revocations.revoked(work, { id, orgId: principal.orgId });
    });
  }

  async authenticate(key: string): Promise<Principal> {
    if (!looksLikeApiKey(key)) throw unauthenticated('The API key is malformed.');
    const row = await this.apiKeys.findActiveByPrefix(lookupPrefix(key));
    if (!row || !apiKeyMatches(key, row.secretHash)) throw unauthenticated('The API key is unknown or revoked.');
    // Awaited, so a listing right after a use shows it; but only when the stored time is stale, so
    // authenticating stays one read on the hot path.
    if (row.lastUsedAt === null || Date.now() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      await this.apiKeys.touchLastUsed(row.id).catch((error: unknown) => this.logger.warn({ err: error }, 'could not record API key use'));
    }
    return {
      orgId: row.orgId,
      subject: apiKeySubject(row.id),
      groups: [],
      isOrgAdmin: row.role === 'admin',
      isRuntime: row.role === 'runtime',
      apiKeyId: row.id,
    };
  }
}

/** A change of an API key; the secret (or its hash) is never part of it. */
function apiKeyChange(type: 'api_key.created' | 'api_key.revoked', key: { id: string; orgId: string }, data: Record<string, unknown> = {}): Change {
  return { type, orgId: key.orgId, data: { apiKeyId: key.id, ...data } };
}

function requireOrgAdmin(principal: Principal): void {
  if (!principal.isOrgAdmin) throw new DomainError(ErrorCode.FORBIDDEN, 'Only organization admins can manage API keys.');
}
