import { ErrorCode } from './error-code';
import { FieldError } from './field-error';

/** A failure the client caused or must know about; the exception filter turns it into problem+json. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
    this.name = 'DomainError';
  }
}

export const validationFailed = (errors: FieldError[], detail = 'The request has invalid fields.') =>
  new DomainError(ErrorCode.VALIDATION_FAILED, detail, errors);
