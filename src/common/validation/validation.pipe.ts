import { ValidationError, ValidationPipe } from '@nestjs/common';
import { validationFailed } from '../errors/domain-error';
import { FieldError } from '../errors/field-error';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const segment = /^\d+$/.test(error.property) ? `[${error.property}]` : error.property;
    const path = parent === '' ? segment : segment.startsWith('[') ? `${parent}${segment}` : `${parent}.${segment}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field: path, message }));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/** The one global pipe: whitelisting, unknown fields rejected, every offending field reported at once. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationFailed(flatten(errors)),
  });
}
