import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsIn, IsString, Matches } from 'class-validator';
import { TRANSFER_RECIPIENT } from '../domain/ownership-transfer';
import { TransferRow } from '../ownership-transfers.repository';

@ApiSchema({ name: 'OwnershipTransferRequest' })
export class RequestOwnershipTransferDto {
  @ApiProperty({ example: 'user:user_2', description: 'The user who should become owner.' })
  @IsString()
  @Matches(TRANSFER_RECIPIENT, { message: 'to must name a user, as user:<id>' })
  to!: string;
}

export class OwnershipTransfersQueryDto {
  @ApiProperty({ enum: ['incoming', 'outgoing'] })
  @IsIn(['incoming', 'outgoing'])
  direction!: 'incoming' | 'outgoing';
}

@ApiSchema({ name: 'OwnershipTransfer' })
export class OwnershipTransferDto {
  @ApiProperty({ format: 'uuid', example: '7d9f2b1e-3c4a-4f5e-8a6b-9c0d1e2f3a4b' }) id!: string;
  @ApiProperty({ type: 'integer', example: 42 }) agentId!: number;
  @ApiProperty({ example: 'daily-sales-report-a3f' }) agentSlug!: string;
  @ApiProperty({ example: 'Daily Sales Report v2' }) agentName!: string;
  @ApiProperty({ example: 'user:user_1' }) from!: string;
  @ApiProperty({ example: 'user:user_2' }) to!: string;
  @ApiProperty({ example: 'user:user_1' }) requestedBy!: string;
  @ApiProperty({ format: 'date-time', example: '2026-05-11T10:00:00.000Z' }) requestedAt!: string;
  @ApiProperty({ format: 'date-time', example: '2026-05-18T10:00:00.000Z' }) expiresAt!: string;
}

@ApiSchema({ name: 'OwnershipTransferList' })
export class OwnershipTransferListDto {
  @ApiProperty({ type: [OwnershipTransferDto] }) transfers!: OwnershipTransferDto[];
}

export function toOwnershipTransfer(row: TransferRow): OwnershipTransferDto {
  return { ...row, requestedAt: new Date(row.requestedAt).toISOString(), expiresAt: new Date(row.expiresAt).toISOString() };
}
