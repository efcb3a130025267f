import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';

/** `?validateOnly=true` (AIP-163): every check runs and the answer is what the call would return, but nothing is written. */
export class ValidateOnlyQueryDto {
  @ApiPropertyOptional({ default: false, description: 'Run every check and answer what the call would return, without writing anything, emitting an event or queuing a job.' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  validateOnly?: boolean;
}
