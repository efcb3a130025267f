import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches } from 'class-validator';
import { TRANSFER_RECIPIENT } from '../domain/ownership-transfer';
import { TransferRow } from '../ownership-transfers.repository';

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

export class OwnershipTransferDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 42 }) agentId!: number;
  @ApiProperty({ example: 'daily-sales-report-a3f' }) agentSlug!: string;
  @ApiProperty({ example: 'Daily Sales Report v2' }) agentName!: string;
  @ApiProperty({ example: 'user:user_1' }) from!: string;
  @ApiProperty({ example: 'user:user_2' }) to!: string;
  @ApiProperty({ example: 'user:user_1' }) requestedBy!: string;
  @ApiProperty() requestedAt!: string;
  @ApiProperty() expiresAt!: string;
}

export class OwnershipTransferListDto {
  @ApiProperty({ type: [OwnershipTransferDto] }) transfers!: OwnershipTransferDto[];
}

export function toOwnershipTransfer(row: TransferRow): OwnershipTransferDto {
  return { ...row, requestedAt: new Date(row.requestedAt).toISOString(), expiresAt: new Date(row.expiresAt).toISOString() };
}
