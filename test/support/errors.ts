import type { DomainError } from '../../src/common/errors/domain-error';

/** The code of the error `fn` throws, or null when it returns: a refusal checked in one expect. */
export const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return null;
  } catch (error) {
    return (error as DomainError).code;
  }
};
