import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsObject, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsInt32 } from '../../../common/validation/is-int32.decorator';
import { OptionalButNotNull, OptionalNullable } from '../../../common/validation/presence.decorators';
import { AgentResponseDto } from '../../agents/dto/agent-response.dto';
import { ENVIRONMENT_NAME } from '../../variation-store/domain/environments';

const DATE_TIME = { type: String, format: 'date-time', example: '2026-05-11T10:00:00.000Z' } as const;
const NAME_RULE = 'a lower-case letter, then up to 30 lower-case letters, digits or hyphens';

/** The canary of a PUT, validated as a nested object (documented inline on the request). */
export class CanarySplitDto {
  @ApiProperty({ type: 'integer', minimum: 1, example: 2, description: 'The published version the canary share runs.' })
  @IsInt32(1)
  version!: number;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 99, example: 10, description: 'The share of new runs, in percent, that go to the canary.' })
  @IsInt()
  @Min(1)
  @Max(99)
  percent!: number;
}

@ApiSchema({ name: 'PutEnvironmentRequest' })
export class PutEnvironmentDto {
  @ApiProperty({ type: 'integer', minimum: 1, example: 1, description: 'The published version the environment runs.' })
  @IsInt32(1)
  version!: number;

  @ApiPropertyOptional({
    // Inline rather than a $ref: OpenAPI 3.0 cannot make a referenced schema nullable.
    type: 'object',
    nullable: true,
    required: ['version', 'percent'],
    properties: {
      version: { type: 'integer', minimum: 1, example: 2, description: 'The published version the canary share runs.' },
      percent: { type: 'integer', minimum: 1, maximum: 99, example: 10, description: 'The share of new runs, in percent, that go to the canary.' },
    },
    example: { version: 2, percent: 10 },
    description: 'A split: this share of new runs goes to another version. Absent keeps the current split (dropped when the environment now runs its version); `null` removes it.',
  })
  @OptionalNullable()
  @IsObject()
  @ValidateNested()
  @Type(() => CanarySplitDto)
  canary?: CanarySplitDto | null;
}

@ApiSchema({ name: 'PromoteEnvironmentRequest' })
export class PromoteEnvironmentDto {
  @ApiProperty({ example: 'production', description: 'The environment whose version this one takes (its primary version; a canary is not copied).' })
  @IsString()
  @Matches(ENVIRONMENT_NAME, { message: `from must be an environment name: ${NAME_RULE}` })
  from!: string;
}

@ApiSchema({ name: 'DeployRequest' })
export class DeployAgentDto {
  @ApiPropertyOptional({ example: 'production', default: 'production', description: 'The environment to point at the new version; created when absent (after the first deploy to production).' })
  @OptionalButNotNull()
  @IsString()
  @Matches(ENVIRONMENT_NAME, { message: `environment must be an environment name: ${NAME_RULE}` })
  environment?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100, example: 'Spring pricing', description: "The new version's label." })
  @OptionalNullable()
  @IsString()
  @MaxLength(100)
  label?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 10000, example: 'Adds the EMEA breakdown.', description: "The new version's release notes." })
  @OptionalNullable()
  @IsString()
  @MaxLength(10_000)
  notes?: string | null;
}

@ApiSchema({ name: 'VersionNoteRequest' })
export class VersionNoteDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100, example: 'Known good', description: 'Absent keeps it; `null` clears it.' })
  @OptionalNullable()
  @IsString()
  @MaxLength(100)
  label?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 10000, example: 'Rolled back to this one after the 2026-05-11 incident.', description: 'Absent keeps them; `null` clears them.' })
  @OptionalNullable()
  @IsString()
  @MaxLength(10_000)
  notes?: string | null;
}

/** A canary split as answered. */
export interface CanarySplitResponseDto {
  version: number;
  variationId: string;
  percent: number;
}

@ApiSchema({ name: 'Environment' })
export class EnvironmentResponseDto {
  @ApiProperty({ example: 'staging', description: NAME_RULE }) name!: string;
  @ApiProperty({ type: 'integer', example: 1, description: 'The published version it runs.' }) version!: number;
  @ApiProperty({ format: 'uuid' }) variationId!: string;
  @ApiProperty({
    type: 'object',
    nullable: true,
    required: ['version', 'variationId', 'percent'],
    properties: { version: { type: 'integer', example: 2 }, variationId: { type: 'string', format: 'uuid' }, percent: { type: 'integer', example: 10 } },
    example: null,
    description: 'The canary split, if any: `percent` of new runs go to `version`.',
  })
  canary!: CanarySplitResponseDto | null;
  @ApiProperty({ example: '"env-1"', description: "The environment's own strong ETag (also the ETag header); send it as If-Match to move or delete it." }) etag!: string;
  @ApiProperty(DATE_TIME) createdAt!: string;
  @ApiProperty(DATE_TIME) updatedAt!: string;
}

@ApiSchema({ name: 'EnvironmentList' })
export class EnvironmentListResponseDto {
  @ApiProperty({ type: [EnvironmentResponseDto], description: 'Production first, then by name.' }) environments!: EnvironmentResponseDto[];
}

@ApiSchema({ name: 'DeployResponse' })
export class DeployResponseDto extends AgentResponseDto {
  @ApiPropertyOptional({
    type: Boolean,
    example: true,
    description: 'Present (true) only when production moved since the draft began from it: the deploy may publish over someone else’s release or rollback.',
  })
  baseMoved?: true;
}
