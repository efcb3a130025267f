import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'ScheduleTick' })
export class ScheduleTickDto {
  @ApiProperty({ type: String, format: 'date-time', example: '2026-05-11T07:00:00.000Z' }) at!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'The run the tick created; null when it was skipped or missed.' }) runId!: string | null;
}

@ApiSchema({ name: 'Schedule', description: "The agent's schedule as it stands: the deployed cron, whether it runs, and what past ticks became." })
export class ScheduleDto {
  @ApiProperty({ type: String, nullable: true, example: '0 9 * * 1-5' }) cron!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Europe/Berlin' }) timezone!: string | null;
  @ApiProperty({ description: 'The schedule is on, the agent active (not paused or deleted) and its deployed variation has a schedule.' }) active!: boolean;
  @ApiProperty({ type: [String], format: 'date-time', description: 'The next 5 ticks; while active the first is `nextRunAt`.', example: ['2026-05-11T07:00:00.000Z'] })
  nextTicks!: string[];
  @ApiProperty({ type: String, nullable: true, format: 'date-time', example: '2026-05-11T07:00:00.000Z', description: 'The stored next tick (null while inactive).' }) nextRunAt!: string | null;
  @ApiProperty({ type: ScheduleTickDto, nullable: true }) lastTick!: ScheduleTickDto | null;
  @ApiProperty({ type: 'integer', example: 0, description: 'Ticks skipped because the previous scheduled run was still queued or running.' }) skippedTicks!: number;
  @ApiProperty({ type: 'integer', example: 0, description: 'Ticks that passed while no instance ran and were too old to catch up.' }) missedTicks!: number;
}
