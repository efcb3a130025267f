import { ValidateBy, ValidationOptions } from 'class-validator';
import { parseDateTime } from './date-time';

/**
 * An RFC 3339 date-time (zone required) that exclusiveBound can read. IsISO8601 also let through
 * forms JavaScript cannot parse (`2024-W01-1`, `T10`), which reached SQL as an invalid date: a 500.
 */
export const IsDateTime = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'isDateTime',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseDateTime(value) !== null,
        defaultMessage: (args) => `${args?.property ?? 'value'} must be an RFC 3339 date-time with a zone, such as 2026-05-01T12:00:00.000Z`,
      },
    },
    options,
  );
