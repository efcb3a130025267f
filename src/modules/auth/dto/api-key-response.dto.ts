import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiKeyRow } from '../api-keys.repository';

export class ApiKeyResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'CI pipeline' }) name!: string;
  @ApiProperty({ enum: ['admin', 'member'] }) role!: 'admin' | 'member';
  @ApiProperty({ example: 'pk_live_Xy3kQ9aB2cDe', description: 'The first characters of the key, to tell keys apart.' })
  prefix!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) lastUsedAt!: string | null;
}

export class CreatedApiKeyResponseDto extends ApiKeyResponseDto {
  @ApiPropertyOptional({ description: 'The secret; shown in this response only, never again.', example: 'pk_live_…' })
  key!: string;
}

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
