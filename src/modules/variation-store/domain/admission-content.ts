import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import safeRegex from 'safe-regex2';
import { FieldError } from '../../../common/errors/field-error';

/** SPEC §15: at most `limit` runs of the agent claimed or running at once; what a start over it does. */
export interface Concurrency {
  limit: number;
  onLimit: 'queue' | 'reject';
}

export const MAX_CONCURRENCY_LIMIT = 1000;

/** SPEC §15: how a run whose runtime reported a retryable error is tried again. */
export interface RetryPolicy {
  maxAttempts: number;
  backoffSeconds: number;
  maxBackoffSeconds: number;
}

export const RETRY_LIMITS = { maxAttempts: 10, maxBackoffSeconds: 86_400 } as const;

/** The cross-field rule the DTO's per-field checks cannot state. */
export function retryErrors(retry: unknown, path = 'retry'): FieldError[] {
  const policy = retry as Partial<RetryPolicy> | null;
  if (!policy || typeof policy.backoffSeconds !== 'number' || typeof policy.maxBackoffSeconds !== 'number') return [];
  return policy.maxBackoffSeconds < policy.backoffSeconds ? [{ field: `${path}.maxBackoffSeconds`, message: 'maxBackoffSeconds must not be less than backoffSeconds' }] : [];
}

/** SPEC §15: the agent's spend per UTC month over which it is paused (or only notified about), once a month. */
export interface Budget {
  monthlyUsd: number;
  onExceeded: 'pause' | 'notify';
}

export const MAX_MONTHLY_BUDGET_USD = 1_000_000_000;

/** A JSON Schema (2020-12) the input of a run must match; checked when written. */
export type InputSchema = Record<string, unknown>;

/** Limits that keep a schema from making the service slow (docs/decisions.md, "Issue #25"). */
export const INPUT_SCHEMA_LIMITS = {
  /** The schema as JSON. */
  bytes: 32 * 1024,
  /** A `pattern` or `patternProperties` key, in characters. */
  patternLength: 256,
} as const;

/**
 * One compiler for every schema: 2020-12, every violation reported, formats as annotations (the
 * 2020-12 default; no format validators are loaded), no remote `$ref` (nothing is fetched: such a
 * schema does not compile). Unknown keywords are allowed, as JSON Schema allows them.
 */
const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false, loadSchema: undefined });

/** Every regular expression in the schema: `pattern` values and `patternProperties` keys, with their paths. */
function patternsOf(schema: unknown, path: string, found: { path: string; pattern: string }[] = []): { path: string; pattern: string }[] {
  if (Array.isArray(schema)) {
    schema.forEach((item, index) => patternsOf(item, `${path}[${index}]`, found));
  } else if (schema !== null && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
      if (key === 'pattern' && typeof value === 'string') found.push({ path: `${path}.pattern`, pattern: value });
      if (key === 'patternProperties' && value !== null && typeof value === 'object') {
        for (const pattern of Object.keys(value)) found.push({ path: `${path}.patternProperties`, pattern });
      }
      patternsOf(value, `${path}.${key}`, found);
    }
  }
  return found;
}

/**
 * A schema's problems at write time: too large, a `pattern` too long or with nested quantifiers (the
 * catastrophic-backtracking shape, refused by safe-regex2's star-height check), or not a valid 2020-12
 * schema (what Ajv's meta-schema check and compile say). Empty when it is fine.
 */
export function inputSchemaErrors(schema: unknown, path = 'inputSchema'): FieldError[] {
  if (schema === null || schema === undefined) return [];
  if (typeof schema !== 'object' || Array.isArray(schema)) return [{ field: path, message: 'inputSchema must be a JSON Schema object or null' }];
  if (Buffer.byteLength(JSON.stringify(schema)) > INPUT_SCHEMA_LIMITS.bytes) {
    return [{ field: path, message: `inputSchema must be at most ${INPUT_SCHEMA_LIMITS.bytes} bytes as JSON` }];
  }
  const errors: FieldError[] = [];
  for (const { path: at, pattern } of patternsOf(schema, path)) {
    if (pattern.length > INPUT_SCHEMA_LIMITS.patternLength) errors.push({ field: at, message: `a pattern must be at most ${INPUT_SCHEMA_LIMITS.patternLength} characters` });
    else if (!isRegExp(pattern)) errors.push({ field: at, message: `"${pattern}" is not a valid regular expression` });
    else if (!safeRegex(pattern)) errors.push({ field: at, message: `"${pattern}" nests quantifiers (such as (a+)+), which can take exponential time; rewrite it` });
  }
  if (errors.length > 0) return errors;
  try {
    compile(schema);
  } catch (error) {
    return [{ field: path, message: `inputSchema is not a valid JSON Schema (2020-12): ${(error as Error).message}` }];
  }
  return [];
}

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

/**
 * Compiles, then takes the schema out of Ajv's registry (the function stays usable), so that two
 * agents' schemas with the same `$id` never collide in the one shared instance.
 */
function compile(schema: object): ValidateFunction {
  try {
    return ajv.compile(schema);
  } finally {
    ajv.removeSchema(schema);
  }
}

/** Compiled validators by variation id: published variations never change, so one compile each (bounded cache). */
const compiled = new Map<string, ValidateFunction>();
const MAX_CACHED = 500;

function validatorFor(variationId: string, schema: InputSchema): ValidateFunction {
  let validate = compiled.get(variationId);
  if (!validate) {
    validate = compile(schema);
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value as string);
    compiled.set(variationId, validate);
  }
  return validate;
}

/** The JSON pointer a violation is about: the missing or extra property itself, where Ajv names its parent. */
function pointerOf(error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string; unevaluatedProperty?: string };
  const child = params.missingProperty ?? params.additionalProperty ?? params.unevaluatedProperty;
  return child === undefined ? error.instancePath : `${error.instancePath}/${child.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** One entry per violation of the pinned version's schema (SPEC §15); empty when the input matches. */
export function inputViolations(variationId: string, schema: InputSchema, input: unknown): FieldError[] {
  const validate = validatorFor(variationId, schema);
  if (validate(input === undefined ? null : input)) return [];
  return (validate.errors ?? []).map((error) => ({ field: pointerOf(error), message: error.message ?? error.keyword }));
}
