import { DomainError, validationFailed } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';

/** The webhooks module's refusals, each once. */
export const webhookErrors = {
  notAdmin: () => new DomainError(ErrorCode.FORBIDDEN, 'Only organization admins can manage webhook endpoints.'),
  endpointNotFound: (id: string) => new DomainError(ErrorCode.NOT_FOUND, `No webhook endpoint ${id} in this organization.`),
  deliveryNotFound: (id: string) => new DomainError(ErrorCode.NOT_FOUND, `No delivery ${id} of this webhook endpoint.`),
  endpointDisabled: (id: string) => new DomainError(ErrorCode.CONFLICT, `The webhook endpoint ${id} is disabled; enable it (PATCH enabled: true) first.`),
  tooManyEndpoints: (max: number) => new DomainError(ErrorCode.CONFLICT, `An organization may have at most ${max} webhook endpoints; delete one first.`),
  urlRefused: (problem: string) => validationFailed([{ field: 'url', message: `url ${problem}` }]),
};
