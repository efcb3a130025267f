/**
 * Nullability in the form OpenAPI 3.1 (JSON Schema 2020-12) states it, which strict validators (Prism,
 * ajv) and generators (openapi-typescript) read alike. Nest writes OpenAPI 3.0's `nullable: true`; in
 * 3.1 that keyword does not exist, and in 3.0 it has no effect beside `allOf: [$ref]` (3.0.3: it only
 * widens a `type` in the same schema), so a `null` where the document said "nullable object" was
 * refused. `toNullable31` is the one rewrite, applied to every schema of the document when it is built
 * (so a DTO keeps writing `nullable: true`, `type: SomeDto` included):
 *
 * - `{type: T, nullable: true}` → `{type: [T, 'null']}`, and an `enum` gains `null` if it lacks it;
 * - `{nullable: true, allOf: [{$ref}]}` (what Nest emits for `type: SomeDto, nullable: true`) →
 *   `{anyOf: [{$ref}, {type: 'null'}]}`, keeping the description.
 */
export const NULL_SCHEMA = { type: 'null' } as const;

type Schema = Record<string, unknown>;

export function toNullable31(schema: Schema): Schema {
  if (schema.nullable !== true) {
    if ('nullable' in schema) {
      const { nullable: _ignored, ...rest } = schema;
      return rest;
    }
    return schema;
  }
  const { nullable: _nullable, ...rest } = schema;
  const single = singleRef(rest);
  if (single) {
    const { allOf: _allOf, oneOf: _oneOf, anyOf: _anyOf, $ref: _ref, type: _type, ...annotations } = rest;
    return { ...annotations, anyOf: [single, NULL_SCHEMA] };
  }
  if (Array.isArray(rest.anyOf) || Array.isArray(rest.oneOf)) {
    const key = Array.isArray(rest.anyOf) ? 'anyOf' : 'oneOf';
    const branches = rest[key] as Schema[];
    const { type: _type, ...others } = rest;
    return branches.some((branch) => branch.type === 'null') ? others : { ...others, [key]: [...branches, NULL_SCHEMA] };
  }
  if (typeof rest.type === 'string') {
    const widened: Schema = { ...rest, type: [rest.type, 'null'] };
    if (Array.isArray(rest.enum) && !rest.enum.includes(null)) widened.enum = [...rest.enum, null];
    return widened;
  }
  if (Array.isArray(rest.type)) return rest.type.includes('null') ? rest : { ...rest, type: [...rest.type, 'null'] };
  // No type at all: any value, null included, already.
  return rest;
}

/** The one `$ref` a schema stands for, written plainly or as a one-item allOf/oneOf/anyOf. */
function singleRef(schema: Schema): Schema | undefined {
  if (typeof schema.$ref === 'string') return { $ref: schema.$ref };
  for (const key of ['allOf', 'oneOf', 'anyOf']) {
    const list = schema[key];
    if (Array.isArray(list) && list.length === 1 && typeof (list[0] as Schema).$ref === 'string') return { $ref: (list[0] as Schema).$ref };
  }
  return undefined;
}
