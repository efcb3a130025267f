import { ErrorCode } from './error-code';
import { FieldError } from './field-error';

/** A failure the client caused or must know about; the exception filter turns it into problem+json. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors?: FieldError[],
    /** Sent as Retry-After; a detail that names a wait must be written from this same number. */
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
    this.name = 'DomainError';
  }
}

export const validationFailed = (errors: FieldError[], detail = 'The request has invalid fields.') =>
  new DomainError(ErrorCode.VALIDATION_FAILED, detail, errors);

/** A refusal that names its wait: the detail is written from the number the Retry-After header carries. */
export const retryAfter = (code: ErrorCode, seconds: number, detail: (seconds: number) => string) =>
  new DomainError(code, detail(seconds), undefined, seconds);
