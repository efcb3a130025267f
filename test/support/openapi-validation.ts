import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * Every answer the e2e suite receives is checked against the committed openapi.json (SPEC §16, issue
 * #27): its status is documented for the operation, its media type is one the document names, its
 * required headers are there and its JSON body matches the schema. `api()` in http.ts and the SSE
 * helper call it, so every test's traffic is the check, and a route added without documenting what it
 * answers fails the suite with the operation, the status and the JSON pointer of each mismatch.
 *
 * A request to a path no operation matches (an unknown route, a probe of the router) is not checked.
 */

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  params: number;
  operationId: string;
  pointer: string;
  responses: Json;
}

let loaded: { document: Json; operations: Operation[]; ajv: Ajv2020 } | undefined;
const validators = new Map<string, ValidateFunction>();

function load(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  const document = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8')) as Json;
  // strict: false, because the document's schemas carry OpenAPI's own keywords (example, discriminator, x-…).
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema({ ...document, $id: 'openapi.json' });
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries<Json>(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as Json | undefined;
      if (!operation) continue;
      const names: string[] = [];
      const source = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\{([^}]+)\\\}/g, (_match, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      operations.push({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${source}$`),
        params: names.length,
        operationId: String(operation.operationId),
        pointer: `#/paths/${escapePointer(template)}/${method}`,
        responses: operation.responses ?? {},
      });
    }
  }
  // A literal segment wins over a parameter (`/events/stream` before `/events/{id}`).
  operations.sort((a, b) => a.params - b.params);
  loaded = { document, operations, ajv };
  return loaded;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The operation a request reached, if the document has one for its method and path. */
export function findOperation(method: string, url: string): Operation | undefined {
  const path = new URL(url, 'http://x').pathname;
  return load().operations.find((operation) => operation.method === method.toUpperCase() && operation.pattern.test(path));
}

export interface ObservedResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or the text; undefined when not read (a stream). */
  body?: unknown;
  /** Whether a body came (for a stream: assumed yes). */
  hasBody: boolean;
}

/** What in a response the document does not say, one line each; empty when it matches. */
export function openApiMismatches(method: string, url: string, response: ObservedResponse): string[] {
  const operation = findOperation(method, url);
  if (!operation) return [];
  const name = `${operation.method} ${operation.template} (${operation.operationId}) answered ${response.status}`;
  const key = [String(response.status), `${String(response.status)[0]}XX`, 'default'].find((candidate) => candidate in operation.responses);
  if (!key) return [`${name}: status ${response.status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`];
  const documented = operation.responses[key] as Json;
  const problems: string[] = [];
  for (const [header, spec] of Object.entries<Json>(documented.headers ?? {})) {
    const resolved = resolve(spec);
    if (resolved.required && !response.headers.has(header)) problems.push(`${name}: the documented header ${header} is missing`);
  }
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const content = (documented.content ?? {}) as Json;
  if (!response.hasBody) return problems;
  if (!(contentType in content)) {
    problems.push(`${name} with ${contentType || 'no content type'}: the document names ${Object.keys(content).join(', ') || 'no body'} for it`);
    return problems;
  }
  if (!/json/.test(contentType) || response.body === undefined) return problems;
  const pointer = `${operation.pointer}/responses/${key}/content/${escapePointer(contentType)}/schema`;
  const validate = validatorFor(pointer);
  if (!validate(response.body)) {
    for (const error of validate.errors ?? []) problems.push(`${name} ${contentType}: body${error.instancePath || ''} ${describe(error)} (schema ${error.schemaPath})`);
  }
  return problems;
}

/** Fails (throws) when the response is not what the document says, listing every mismatch. */
export function assertDocumented(method: string, url: string, response: ObservedResponse): void {
  const problems = openApiMismatches(method, url, response);
  if (problems.length > 0) {
    throw new Error(`The response is not what openapi.json documents (fix the document or the service):\n  ${problems.join('\n  ')}`);
  }
}

function validatorFor(pointer: string): ValidateFunction {
  let validate = validators.get(pointer);
  if (!validate) {
    // The schema is compiled from the document itself, so its $refs resolve against its components.
    validate = load().ajv.compile({ $ref: `openapi.json${pointer}` });
    validators.set(pointer, validate);
  }
  return validate;
}

function resolve(spec: Json): Json {
  if (typeof spec.$ref !== 'string') return spec;
  return String(spec.$ref)
    .slice(2)
    .split('/')
    .reduce<Json>((node, segment) => node[segment.replace(/~1/g, '/').replace(/~0/g, '~')], load().document);
}

function describe(error: ErrorObject): string {
  const params = error.params as Json;
  if (error.keyword === 'additionalProperties') return `has ${params.additionalProperty}, which the schema does not allow`;
  if (error.keyword === 'enum') return `${error.message}: ${JSON.stringify(params.allowedValues)}`;
  return error.message ?? error.keyword;
}
