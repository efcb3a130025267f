import { ValidateBy, ValidationOptions } from 'class-validator';

/** Caps an opaque JSON value by its serialized size; values too deep to serialize are rejected too. */
export function MaxJsonBytes(limit: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxJsonBytes',
      validator: {
        validate: (value: unknown) => {
          try {
            return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') <= limit;
          } catch {
            return false;
          }
        },
        defaultMessage: (args) => `${args?.property} must serialize to at most ${limit} bytes of JSON`,
      },
    },
    options,
  );
}
