import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { FieldError } from '../../common/errors/field-error';

/** The Variations module's errors, one factory each; the problem+json map gives them their status. */
export const variationErrors = {
  notFound: () => new DomainError(ErrorCode.NOT_FOUND, 'This agent has no such variation.'),
  notRunnable: (problems: FieldError[]) => new DomainError(ErrorCode.NOT_RUNNABLE, 'The draft cannot run yet; fix each listed problem and deploy again.', problems),
};
