import { applyDecorators } from '@nestjs/common';
import { IsInt, Max, Min, ValidationOptions } from 'class-validator';
import { INT32_MAX } from './int32';

/**
 * An integer that fits the `integer` column it is compared with or stored in, checked before any SQL
 * sees it: 2147483648 or 1e20 would otherwise fail the query and answer 500.
 */
export const IsInt32 = (min: number, options?: ValidationOptions) => applyDecorators(IsInt(options), Min(min, options), Max(INT32_MAX, options));
