import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** `pageSize` and `pageToken` of a keyset-paged list. */
export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 50 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) pageSize?: number;

  @ApiPropertyOptional({ description: 'The nextPageToken of the previous page.' }) @IsOptional() @IsString() @MaxLength(200) pageToken?: string;
}
