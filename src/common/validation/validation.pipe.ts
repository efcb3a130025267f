import { ValidationError, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import { validationFailed } from '../errors/domain-error';
import { FieldError } from '../errors/field-error';
import { fieldRuleErrors } from './field-rules';

/**
 * One entry per field. Several failed checks of one field keep the first declared: class-validator
 * lists a field's constraints from its last decorator to its first, and the first (by house style,
 * `@IsString() @Matches() @MaxLength()`) is the type check, beside which the others say nothing more.
 */
function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const segment = /^\d+$/.test(error.property) ? `[${error.property}]` : error.property;
    const path = parent === '' ? segment : segment.startsWith('[') ? `${parent}${segment}` : `${parent}.${segment}`;
    const first = Object.values(error.constraints ?? {}).at(-1);
    return [...(first === undefined ? [] : [{ field: path, message: first }]), ...flatten(error.children ?? [], path)];
  });
}

/** The first fault of each field, in the order found (a field rule may find several in one place). */
function oncePerField(errors: FieldError[]): FieldError[] {
  const byField = new Map<string, FieldError>();
  for (const error of errors) if (!byField.has(error.field)) byField.set(error.field, error);
  return [...byField.values()];
}

/** A field rule's fault as class-validator's error, its whole path as the property, for the exception factory. */
const asValidationError = ({ field, message }: FieldError): ValidationError => ({ property: field, constraints: { fieldRule: message }, children: [] });

/** The validators and the DTO's field rules (common/validation/field-rules.ts) in one pass: every fault in one 400. */
class FieldsValidationPipe extends ValidationPipe {
  protected override async validate(object: object, validatorOptions?: ValidationPipeOptions): Promise<ValidationError[]> {
    const errors = await super.validate(object, validatorOptions);
    const offending = new Set(errors.map((error) => error.property));
    return [...errors, ...fieldRuleErrors(object, offending).map(asValidationError)];
  }
}

/** The one global pipe: whitelisting, unknown fields rejected, every offending field reported once, at once. */
export function createValidationPipe(): ValidationPipe {
  return new FieldsValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationFailed(oncePerField(flatten(errors))),
  });
}
