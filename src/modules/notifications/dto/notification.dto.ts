import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto';

export const NOTIFICATION_STATUSES = ['pending', 'delivered', 'failed'] as const;
const NOTIFICATION_KINDS = ['action_taken', 'approval_required', 'outcome', 'error', 'digest', 'budget_exceeded'] as const;
const DATE_TIME = { type: String, format: 'date-time' } as const;

export class ListNotificationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: NOTIFICATION_STATUSES, description: 'Only notifications in this delivery status.' })
  @IsOptional()
  @IsIn(NOTIFICATION_STATUSES)
  status?: (typeof NOTIFICATION_STATUSES)[number];
}

@ApiSchema({ name: 'Notification', description: 'One notification and where its delivery stands.' })
export class NotificationDto {
  @ApiProperty({ type: 'integer', format: 'int64', example: 42 }) id!: number;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The run whose event it reports; null for a digest.' }) runId!: string | null;
  @ApiProperty({ enum: NOTIFICATION_KINDS, example: 'outcome' }) event!: string;
  @ApiProperty({ example: 'C0123456789' }) channel!: string;
  @ApiProperty({ enum: NOTIFICATION_STATUSES, example: 'delivered' }) status!: string;
  @ApiProperty({ type: 'integer', description: 'Tries so far.', example: 1 }) attempts!: number;
  @ApiProperty({ type: String, nullable: true, description: "Slack's answer to the last failed try.", example: null }) lastError!: string | null;
  @ApiProperty({ ...DATE_TIME, nullable: true, description: 'When a pending notification is tried next.' }) nextAttemptAt!: string | null;
  @ApiProperty(DATE_TIME) createdAt!: string;
  @ApiProperty({ ...DATE_TIME, nullable: true }) deliveredAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "Slack's timestamp of the message (null from the log transport).", example: '1716998400.000100' })
  slackTs!: string | null;
}

@ApiSchema({ name: 'NotificationList' })
export class NotificationListDto {
  @ApiProperty({ type: [NotificationDto] }) notifications!: NotificationDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as pageToken for the next page; null on the last one.' }) nextPageToken!: string | null;
}

@ApiSchema({ name: 'NotificationTestResult' })
export class NotificationTestResultDto {
  @ApiProperty({ example: true }) delivered!: boolean;
  @ApiProperty({ example: 'C0123456789' }) channel!: string;
  @ApiProperty({ type: String, nullable: true, description: "Slack's timestamp of the message (null from the log transport).", example: '1716998400.000100' })
  slackTs!: string | null;
}
