import { ValidateBy, ValidateIf } from 'class-validator';

/**
 * `@IsOptional()` also lets `null` through. These two make the PATCH rule explicit:
 * an absent field is skipped; `null` is accepted only where a field may be cleared.
 */
export const OptionalButNotNull = () => ValidateIf((_object, value) => value !== undefined);
export const OptionalNullable = () => ValidateIf((_object, value) => value !== undefined && value !== null);

/**
 * Required when `condition` holds for the object being validated (`null` counts as sent), optional
 * otherwise: a run event's `output` with `outcome`. Put it above the field's other validators, so its
 * message is the one a missing value gets.
 */
export const RequiredWhen =
  <T>(condition: (object: T) => boolean, message: string): PropertyDecorator =>
  (target, property) => {
    ValidateIf((object: T, value) => value !== undefined || condition(object))(target, property);
    ValidateBy({ name: 'requiredWhen', validator: { validate: (value) => value !== undefined, defaultMessage: () => message } })(target, property);
  };
