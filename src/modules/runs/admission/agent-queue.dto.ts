import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'AgentQueue', description: "Where the agent's runs stand now, and its capacity (SPEC §15)." })
export class AgentQueueDto {
  @ApiProperty({ type: 'integer', example: 8, description: 'Queued and not claimed.' }) queued!: number;
  @ApiProperty({ type: 'integer', example: 1, description: 'Claimed by a runtime, not started yet.' }) claimed!: number;
  @ApiProperty({ type: 'integer', example: 1 }) running!: number;
  @ApiProperty({ type: 'integer', example: 0 }) awaitingApproval!: number;
  @ApiProperty({ type: 'integer', nullable: true, example: 2, description: "The active version's `concurrency.limit`; null when it has none (or nothing is deployed)." })
  limit!: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-05-11T09:00:00.000Z', description: 'When the oldest queued run was created.' })
  oldestQueuedAt!: string | null;
}
