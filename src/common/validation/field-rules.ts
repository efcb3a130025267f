import { FieldError } from '../errors/field-error';

/** A rule of a field's content that type decorators cannot say (a cron, a graph, a Slack channel id): every fault, by its path under `path`. */
export type FieldRule = (value: unknown, path: string) => FieldError[];

interface RegisteredRule {
  property: string;
  rule: FieldRule;
  /** Whether the rule also sees an absent value (required fields); others see only a sent, non-null one. */
  absentToo: boolean;
}

const RULES = new WeakMap<object, RegisteredRule[]>();

function register(target: object, property: string | symbol, rule: FieldRule, absentToo: boolean): void {
  const type = target.constructor;
  RULES.set(type, [...(RULES.get(type) ?? []), { property: String(property), rule, absentToo }]);
}

/**
 * Checks a field with the domain's rule in the validation pass, so a 400 lists the rule's faults with
 * every other field's, not after they are fixed. It runs on a sent, non-null value whose own validators
 * passed: a value of the wrong type is reported by them alone, once.
 */
export const CheckedBy =
  (rule: FieldRule): PropertyDecorator =>
  (target, property) =>
    register(target, property, (value, path) => (value === null ? [] : rule(value, path)), false);

/** The field must be sent, where the validators it inherits let it be absent (a create's name on a DTO shared with PATCH). */
export const RequiredField = (): PropertyDecorator => (target, property) =>
  register(target, property, (value, path) => (value === undefined ? [{ field: path, message: `${path} is required` }] : []), true);

/**
 * The faults the field rules of `dto`'s class (and the classes it extends) find, skipping the
 * properties validators already reported (`offending`).
 */
export function fieldRuleErrors(dto: object, offending: ReadonlySet<string>): FieldError[] {
  const errors: FieldError[] = [];
  for (let type: unknown = dto.constructor; typeof type === 'function' && type !== Object; type = Object.getPrototypeOf(type)) {
    for (const { property, rule, absentToo } of RULES.get(type) ?? []) {
      const value = (dto as Record<string, unknown>)[property];
      if (offending.has(property) || (value === undefined && !absentToo)) continue;
      errors.push(...rule(value, property));
    }
  }
  return errors;
}
