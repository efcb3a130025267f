import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ApiKeyRow } from '../api-keys.repository';
import { API_KEY_ROLES, ApiKeyRole } from '../domain/api-key-role';

@ApiSchema({ name: 'ApiKey' })
export class ApiKeyResponseDto {
  @ApiProperty({ format: 'uuid', example: '1b4e28ba-2fa1-41d2-883f-0016d3cca427' }) id!: string;
  @ApiProperty({ example: 'CI pipeline' }) name!: string;
  @ApiProperty({ enum: API_KEY_ROLES, example: 'member' }) role!: ApiKeyRole;
  @ApiProperty({ example: 'pk_live_Xy3kQ9aB2cDe', description: 'The first characters of the key, to tell keys apart.' })
  prefix!: string;
  @ApiProperty({ format: 'date-time', example: '2026-05-11T10:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', example: null, description: 'Updated at most once a minute.' }) lastUsedAt!: string | null;
}

@ApiSchema({ name: 'CreatedApiKey', description: 'An API key with its secret, shown this once.' })
export class CreatedApiKeyResponseDto extends ApiKeyResponseDto {
  @ApiProperty({
    required: false,
    description: 'The secret; shown in this response only, never again. Absent when the answer is an `Idempotency-Key` replay (`Idempotent-Replayed: true`): the secret is never stored.',
    example: 'pk_live_Xy3kQ9aB2cDeF4gH5iJ6kL7mN8oP9qR0sT1uV2wX3yZ',
  })
  key?: string;
}

@ApiSchema({ name: 'ApiKeyList' })
export class ApiKeyListResponseDto {
  @ApiProperty({ type: [ApiKeyResponseDto] }) apiKeys!: ApiKeyResponseDto[];
}

export function toApiKeyResponse(row: ApiKeyRow): ApiKeyResponseDto {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}
