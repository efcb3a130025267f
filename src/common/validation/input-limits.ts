import { FieldError } from '../errors/field-error';

/**
 * How deep a request's JSON may nest. Agent content is a few levels deep and free-form objects
 * (tool config, agentSelection, run data) rarely pass ten; past this, walking the value (validation,
 * serialisation, jsonb) costs stack and time for nothing a client needs.
 */
export const MAX_JSON_DEPTH = 64;

/** Most problems one request reports, so a hostile body cannot make the answer large. */
const MAX_REPORTED = 20;

/**
 * Text PostgreSQL cannot store: `text` and `jsonb` refuse NUL, and a lone UTF-16 surrogate has no
 * UTF-8 encoding (the driver would silently turn it into U+FFFD, so a value would not read back as written).
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const isStorableText = (text: string): boolean => !UNSTORABLE.test(text);

const UNSTORABLE_MESSAGE = 'contains a NUL character or an unpaired UTF-16 surrogate';

/**
 * Every string and object key in a request value is storable text, and the value nests at most
 * MAX_JSON_DEPTH levels. Iterative, so a hostile depth costs no stack; stops at the first few problems.
 * `root` names the value itself (a query or path parameter's name; empty for a body).
 */
export function inputProblems(value: unknown, root: string): FieldError[] {
  const problems: FieldError[] = [];
  const pending: { value: unknown; path: string; depth: number }[] = [{ value, path: root, depth: 0 }];
  while (pending.length > 0 && problems.length < MAX_REPORTED) {
    const { value: current, path, depth } = pending.pop()!;
    const field = path === '' ? 'body' : path;
    if (typeof current === 'string') {
      if (!isStorableText(current)) problems.push({ field, message: `${field} ${UNSTORABLE_MESSAGE}` });
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) {
      problems.push({ field, message: `${field} nests deeper than ${MAX_JSON_DEPTH} levels` });
      continue;
    }
    if (Array.isArray(current)) {
      current.forEach((item, index) => pending.push({ value: item, path: `${path}[${index}]`, depth: depth + 1 }));
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      if (!isStorableText(key)) {
        problems.push({ field, message: `a key of ${field} ${UNSTORABLE_MESSAGE}` });
        continue;
      }
      pending.push({ value: item, path: path === '' ? key : `${path}.${key}`, depth: depth + 1 });
    }
  }
  return problems;
}
