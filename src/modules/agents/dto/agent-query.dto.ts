import { ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { OptionalButNotNull } from '../../../common/validation/presence.decorators';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AGENT_STATUSES, AgentStatus } from '../domain/agent-status';
import { ValidateOnlyQueryDto } from '../../../common/http/validate-only.dto';

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class ListAgentsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 50 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) pageSize?: number;

  @ApiPropertyOptional({ description: 'The nextPageToken of the previous page; send the same filters with it.' })
  @IsOptional() @IsString() @MaxLength(200) pageToken?: string;

  @ApiPropertyOptional({ enum: AGENT_STATUSES })
  @IsOptional() @IsIn(AGENT_STATUSES) status?: AgentStatus;

  @ApiPropertyOptional({ enum: ['task', 'workflow'] })
  @IsOptional() @IsIn(['task', 'workflow']) type?: 'task' | 'workflow';

  @ApiPropertyOptional({ description: 'Case-insensitive search in the name.' })
  @IsOptional() @IsString() @MaxLength(200) q?: string;

  @ApiPropertyOptional({ default: false, description: 'Include deleted agents.' })
  @IsOptional() @Transform(toBoolean) @IsBoolean() showDeleted?: boolean;
}

export class GetAgentQueryDto {
  @ApiPropertyOptional({ enum: ['draft', 'active'], default: 'draft' })
  @IsOptional() @IsIn(['draft', 'active']) view?: 'draft' | 'active';
}

export class UpdateAgentQueryDto extends ValidateOnlyQueryDto {
  // No example: Swagger UI pre-fills examples and sends them, and a mask silently resets the fields it lists.
  @ApiPropertyOptional({ description: 'AIP-134: comma-separated top-level fields to write (for example `name,trigger`), or `*` for all. Omit it to write exactly the fields in the body.' })
  @IsOptional() @IsString() @MaxLength(1000) updateMask?: string;
}

@ApiSchema({ name: 'ToggleScheduleRequest' })
export class ToggleAgentDto {
  @ApiPropertyOptional({ description: 'Set the schedule on or off; omit to flip it.', example: true })
  @OptionalButNotNull() @IsBoolean() active?: boolean;
}
