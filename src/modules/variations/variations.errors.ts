import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { FieldError } from '../../common/errors/field-error';
import { MAX_ENVIRONMENTS, PRODUCTION } from '../variation-store/domain/environments';

/** The Variations module's errors, one factory each; the problem+json map gives them their status. */
export const variationErrors = {
  notFound: () => new DomainError(ErrorCode.NOT_FOUND, 'This agent has no such variation.'),
  notRunnable: (problems: FieldError[]) => new DomainError(ErrorCode.NOT_RUNNABLE, 'The draft cannot run yet; fix each listed problem and deploy again.', problems),
  notPublished: () => new DomainError(ErrorCode.CONFLICT, 'A draft has no label or notes; they are set on published versions (deploy it first).'),
  versionNotPublished: (version: number) => new DomainError(ErrorCode.VERSION_NOT_PUBLISHED, `This agent has no published version ${version}.`),
  noSuchRef: (ref: string) => new DomainError(ErrorCode.NOT_FOUND, `This agent has no version or environment "${ref}".`),
};

/** Environments' errors (SPEC §14). */
export const environmentErrors = {
  notFound: (name: string) => new DomainError(ErrorCode.NOT_FOUND, `This agent has no environment "${name}".`),
  etagMismatch: (name: string, etag: string | null) =>
    new DomainError(
      ErrorCode.PRECONDITION_FAILED,
      etag === null ? `If-Match was sent but the environment "${name}" does not exist yet; omit If-Match to create it.` : `If-Match does not match the environment's current ETag ${etag}; reload and retry.`,
    ),
  productionKept: () => new DomainError(ErrorCode.CONFLICT, `The ${PRODUCTION} environment cannot be deleted; move it to another version instead.`),
  tooMany: () => new DomainError(ErrorCode.CONFLICT, `An agent has at most ${MAX_ENVIRONMENTS} environments; delete one first.`),
  notDeployed: () => new DomainError(ErrorCode.NOT_DEPLOYED, `The agent has never been deployed; deploy it to ${PRODUCTION} first.`),
  canaryIsPrimary: () =>
    new DomainError(ErrorCode.UNPROCESSABLE, 'The canary runs the version the environment already runs; name another version, or send canary: null.', [
      { field: 'canary.version', message: 'must differ from version' },
    ]),
  badName: () =>
    new DomainError(ErrorCode.VALIDATION_FAILED, 'The environment name is invalid.', [
      { field: 'name', message: 'must match [a-z][a-z0-9-]{0,30}: a lower-case letter, then up to 30 lower-case letters, digits or hyphens' },
    ]),
};
