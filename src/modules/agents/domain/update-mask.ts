import { FieldError } from '../../../common/errors/field-error';

/**
 * Which fields a PATCH writes (AIP-134): `present` when no mask was sent, `all` for `*`,
 * otherwise the listed top-level paths.
 */
export type UpdateMask = { kind: 'present' } | { kind: 'all' } | { kind: 'paths'; paths: string[] };

export function parseUpdateMask(raw: string | undefined, updatable: readonly string[]): { mask: UpdateMask } | { errors: FieldError[] } {
  if (raw === undefined || raw.trim() === '') return { mask: { kind: 'present' } };
  const paths = [...new Set(raw.split(',').map((path) => path.trim()))];
  const errors = paths.flatMap((path) => pathErrors(path, paths, updatable));
  if (errors.length > 0) return { errors };
  return { mask: paths.includes('*') ? { kind: 'all' } : { kind: 'paths', paths } };
}

function pathErrors(path: string, paths: string[], updatable: readonly string[]): FieldError[] {
  const problem = (message: string): FieldError[] => [{ field: 'updateMask', message }];
  if (path === '') return problem('contains an empty path; separate field names with single commas');
  if (path === '*') return paths.length > 1 ? problem('"*" cannot be combined with other paths') : [];
  if (path.includes('.')) return problem(`"${path}" is a nested path; only top-level paths are supported`);
  if (!updatable.includes(path)) return problem(`unknown field path "${path}"`);
  return [];
}

/**
 * Decides which value each updatable field gets; validating those values is the caller's job.
 * Updatable fields are those with a default plus the required ones (which have none); other body
 * keys are never written, so the caller must have rejected unknown fields already.
 * A body key holding `undefined` counts as absent: DTO instances carry their unsent fields that way.
 */
export function applyUpdateMask<T extends Record<string, unknown>>(
  current: T,
  body: Partial<Record<keyof T, unknown>>,
  mask: UpdateMask,
  defaults: { [K in keyof T]?: T[K] },
  required: readonly (keyof T)[],
): { next: T; written: (keyof T)[] } | { errors: FieldError[] } {
  const updatable = [...new Set([...(Object.keys(defaults) as (keyof T)[]), ...required])];
  const inBody = (field: keyof T): boolean => Object.hasOwn(body, field) && body[field] !== undefined;
  const hasDefault = (field: keyof T): boolean => Object.hasOwn(defaults, field) && !required.includes(field);

  const next: Record<keyof T, unknown> = { ...current };
  if (mask.kind === 'present') {
    const written = updatable.filter(inBody);
    for (const field of written) next[field] = body[field];
    return { next: next as T, written };
  }

  const masked = mask.kind === 'all' ? updatable : (mask.paths as (keyof T)[]);
  const errors: FieldError[] = [];
  for (const field of masked) {
    if (!updatable.includes(field)) errors.push({ field: 'updateMask', message: `unknown field path "${String(field)}"` });
    else if (inBody(field)) next[field] = body[field];
    // Defaults are often shared constants: a copy keeps a later change to `next` from corrupting them.
    else if (hasDefault(field)) next[field] = structuredClone(defaults[field]);
    else errors.push({ field: String(field), message: `${String(field)} is in updateMask but absent from the body and has no default` });
  }
  return errors.length > 0 ? { errors } : { next: next as T, written: [...masked] };
}
