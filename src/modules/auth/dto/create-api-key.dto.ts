import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import { API_KEY_ROLES, ApiKeyRole } from '../domain/api-key-role';

@ApiSchema({ name: 'CreateApiKeyRequest' })
export class CreateApiKeyDto {
  @ApiProperty({ example: 'CI pipeline', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ enum: API_KEY_ROLES, example: 'member', description: '`runtime` keys may only claim runs and report their events (POST /api/v1/runtime/claim, /runs/{runId}/events and /heartbeat).' })
  @IsIn(API_KEY_ROLES)
  role!: ApiKeyRole;
}
