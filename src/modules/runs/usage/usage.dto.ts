import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { CheckedBy } from '../../../common/validation/field-rules';
import { IsInt32 } from '../../../common/validation/is-int32.decorator';
import { UsageGrouping } from './usage.repository';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A `YYYY-MM-DD` the pattern lets through but the calendar lacks (2026-02-30). */
const realDay = (value: unknown, path: string) =>
  typeof value === 'string' && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value ? [{ field: path, message: `${path} is not a calendar day` }] : [];

export class UsageQueryDto {
  @ApiProperty({ format: 'date', description: 'The first UTC day counted (`YYYY-MM-DD`), e.g. `2026-05-01`.' })
  @Matches(DAY, { message: 'from must be a day as YYYY-MM-DD' })
  @CheckedBy(realDay)
  from!: string;

  @ApiProperty({ format: 'date', description: 'The last UTC day counted, included (`YYYY-MM-DD`), e.g. `2026-05-31`; at most 366 days after `from`.' })
  @Matches(DAY, { message: 'to must be a day as YYYY-MM-DD' })
  @CheckedBy(realDay)
  to!: string;

  @ApiProperty({ enum: ['agent', 'day', 'model'] })
  @IsIn(['agent', 'day', 'model'])
  groupBy!: UsageGrouping;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: "Only this agent's usage (numeric id). Required of callers who are not org admins: an agent they can use." })
  @IsOptional()
  @Type(() => Number)
  @IsInt32(1)
  agentId?: number;
}

@ApiSchema({ name: 'UsageGroup' })
export class UsageGroupDto {
  @ApiProperty({ example: '42', description: "The group: the agent's numeric id (as text), the day (`YYYY-MM-DD`) or the model." }) key!: string;
  @ApiProperty({ type: 'integer', example: 120000 }) inputTokens!: number;
  @ApiProperty({ type: 'integer', example: 35000 }) outputTokens!: number;
  @ApiProperty({ type: 'integer', example: 80000 }) cachedTokens!: number;
  @ApiProperty({ type: 'integer', example: 0 }) reasoningTokens!: number;
  @ApiProperty({ example: 1.23 }) costUsd!: number;
  @ApiProperty({ type: 'integer', example: 100, description: 'How many events reported usage.' }) events!: number;
}

@ApiSchema({ name: 'UsageReport' })
export class UsageReportDto {
  @ApiProperty({ example: '2026-05-01' }) from!: string;
  @ApiProperty({ example: '2026-05-31' }) to!: string;
  @ApiProperty({ enum: ['agent', 'day', 'model'], example: 'agent' }) groupBy!: UsageGrouping;
  @ApiProperty({ type: [UsageGroupDto], description: 'Groups with usage in the range, by key; none when nothing was reported.' }) groups!: UsageGroupDto[];
  @ApiProperty({ type: UsageGroupDto, description: 'Every group summed (`key`: `total`).' }) total!: UsageGroupDto;
}
