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

/** The field names of per-field errors: a 400's problem, or a domain rule's `{ errors }`; none when it has none. */
export const errorFields = (result: object): string[] => ((result as { errors?: { field: string }[] }).errors ?? []).map((e) => e.field);
