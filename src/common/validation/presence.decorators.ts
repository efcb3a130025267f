import { ValidateIf } from 'class-validator';

/**
 * `@IsOptional()` also lets `null` through. These two make the PATCH rule explicit:
 * an absent field is skipped; `null` is accepted only where a field may be cleared.
 */
export const OptionalButNotNull = () => ValidateIf((_object, value) => value !== undefined);
export const OptionalNullable = () => ValidateIf((_object, value) => value !== undefined && value !== null);
