import type { OpenAPIObject } from '@nestjs/swagger';
import { ErrorCode } from '../errors/error-code';
import { mapErrorCode, PROBLEM_CONTENT_TYPE } from '../errors/problem';
import { exampleProblem, ProblemDto } from './api-problems.decorator';
import { toNullable31 } from './nullable';

/** Marks an operation a `runtime` API key may call (see RuntimeAccess); every other secured one answers such a key 403. */
export const RUNTIME_ACCESS_EXTENSION = 'x-runtime-access';

type Schema = Record<string, any>;
type Operation = Record<string, any>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const HEADERS = {
  'X-Request-Id': {
    description: "The request's id: the caller's own `X-Request-Id` when it is a sane token (`[A-Za-z0-9._:-]{1,128}`), else a fresh UUID. Also `requestId` in every error and event.",
    required: true,
    schema: { type: 'string', minLength: 1, maxLength: 128, example: '5b0e7e43-4a43-4c6e-9b8e-2f1d5a9c0e11' },
  },
  ETag: {
    description: 'A strong entity tag, the same as the body\'s `etag`: send it back as `If-Match` on a write to make it conditional.',
    required: true,
    schema: { type: 'string', example: '"17"' },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again: on every 503, on a 429 `RATE_LIMITED` or `AGENT_AT_CAPACITY`, and on a 409 `IDEMPOTENCY_KEY_IN_USE` while the first request is still in flight.',
    schema: { type: 'integer', minimum: 0, example: 1 },
  },
  'RateLimit-Policy': {
    description: 'The rate limits the request was counted against (draft-ietf-httpapi-ratelimit-headers): per limit its name, quota `q` and window `w` in seconds.',
    schema: { type: 'string', example: '"writes-caller";q=60000;w=60' },
  },
  RateLimit: {
    description: 'What is left of each limit: `r` requests, and `t` seconds until it is full again.',
    schema: { type: 'string', example: '"writes-caller";r=59999;t=1' },
  },
};

/** The codes whose answers name their wait in Retry-After (DomainError.retryAfterSeconds); every 503 does too (ProblemFilter). */
const NAMES_ITS_WAIT: readonly string[] = [ErrorCode.RATE_LIMITED, ErrorCode.AGENT_AT_CAPACITY, ErrorCode.IDEMPOTENCY_KEY_IN_USE];

/** What the service answers on any operation of a kind, whatever the controller documents. */
const COMMON_PROBLEMS: { applies: (operation: Operation) => boolean; code: ErrorCode; description: string; example: string; detail: string }[] = [
  {
    applies: (operation) => operation.requestBody !== undefined,
    code: ErrorCode.PAYLOAD_TOO_LARGE,
    description: 'Body over 1 MiB.',
    example: ErrorCode.PAYLOAD_TOO_LARGE,
    detail: 'Request body is too large',
  },
  {
    applies: (operation) => operation.requestBody !== undefined,
    code: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    description: 'The body is not `application/json`.',
    example: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    detail: "Unsupported Media Type: application/xml",
  },
  {
    applies: hasPathParameters,
    code: ErrorCode.URI_TOO_LONG,
    description: 'A path segment is longer than any route parameter can be.',
    example: ErrorCode.URI_TOO_LONG,
    detail: 'A path segment is longer than 2048 characters.',
  },
  {
    applies: hasPathParameters,
    code: ErrorCode.MALFORMED_REQUEST,
    description: 'Invalid input: the path is not valid percent-encoding, or the body not valid JSON.',
    example: 'MALFORMED_PATH',
    detail: 'The path is not valid percent-encoded UTF-8.',
  },
  {
    applies: (operation) => operation[RUNTIME_ACCESS_EXTENSION] !== true,
    code: ErrorCode.FORBIDDEN,
    description: 'Not allowed for this caller (a `runtime` API key may only claim runs and report on them).',
    example: 'RUNTIME_KEY',
    detail: 'A runtime API key may only claim runs and report their events and heartbeats.',
  },
];

/**
 * The last step of building the OpenAPI document, applied to every operation and schema so that a new
 * route gets it without doing anything:
 *
 * - OpenAPI 3.1 with nullability as JSON Schema states it (`toNullable31`, see nullable.ts);
 * - `X-Request-Id` documented on every response, `ETag` on every success whose body has an `etag`,
 *   `Retry-After` on every 503 and on the responses whose codes name a wait, `RateLimit-Policy` and `RateLimit`
 *   on the successes and 429s of every rate-limited operation;
 * - the answers the service gives before a controller runs: 413 and 415 on every operation with a body,
 *   414 and 400 (a path segment too long, bad percent-encoding) on every operation with path parameters,
 *   403 for a `runtime` API key on every secured operation it may not call. They come in the
 *   operation's own error format; an operation whose errors are not problem+json (the seed-002 envelope)
 *   must document them itself, or building the document fails naming it.
 */
export function finishDocument(document: OpenAPIObject): OpenAPIObject {
  const doc = document as unknown as Schema;
  doc.openapi = '3.1.0';
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) doc.components.schemas[name] = rewriteSchema(schema as Schema);
  doc.components.headers = { ...doc.components.headers, ...HEADERS };
  for (const [path, item] of Object.entries<Schema>(doc.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as Operation | undefined;
      if (!operation) continue;
      for (const parameter of operation.parameters ?? []) if (parameter.schema) parameter.schema = rewriteSchema(parameter.schema);
      for (const media of Object.values<Schema>(operation.requestBody?.content ?? {})) if (media.schema) media.schema = rewriteSchema(media.schema);
      const secured = !Array.isArray(operation.security) || operation.security.length > 0;
      if (secured) addCommonProblems(`${method.toUpperCase()} ${path} (${operation.operationId})`, operation);
      const rateLimited = errorCodes(operation, '429').includes(ErrorCode.RATE_LIMITED);
      for (const [status, response] of Object.entries<Schema>(operation.responses ?? {})) {
        for (const media of Object.values<Schema>(response.content ?? {})) if (media.schema) media.schema = rewriteSchema(media.schema);
        response.headers = { ...response.headers, 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };
        if (status.startsWith('2') && hasEtag(doc, response)) response.headers.ETag = { $ref: '#/components/headers/ETag' };
        if (status === '503' || errorCodes(operation, status).some((code) => NAMES_ITS_WAIT.includes(code))) response.headers['Retry-After'] = { $ref: '#/components/headers/Retry-After' };
        // The rate limiter sets these on the answers it lets through and on its own 429.
        if (rateLimited && (status.startsWith('2') || status === '429')) {
          response.headers['RateLimit-Policy'] = { $ref: '#/components/headers/RateLimit-Policy' };
          response.headers.RateLimit = { $ref: '#/components/headers/RateLimit' };
        }
      }
    }
  }
  return document;
}

function addCommonProblems(name: string, operation: Operation): void {
  for (const common of COMMON_PROBLEMS) {
    if (!common.applies(operation)) continue;
    const status = String(mapErrorCode(common.code).status);
    const example = { summary: common.description, value: { ...exampleProblem(common.code), detail: common.detail } };
    const existing = operation.responses[status] as Schema | undefined;
    if (existing) {
      const problem = existing.content?.[PROBLEM_CONTENT_TYPE];
      if (!problem) continue; // another format (the seed-002 envelope) documented it its own way
      problem.examples = { ...problem.examples, [common.example]: example };
      continue;
    }
    if (errorMediaTypes(operation).some((type) => type !== PROBLEM_CONTENT_TYPE)) {
      throw new Error(`${name} answers errors in its own format: document its ${status} (${common.description}) on the operation itself.`);
    }
    operation.responses[status] = {
      description: common.description,
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: `#/components/schemas/${ProblemDto.name.replace(/Dto$/, '')}` }, examples: { [common.example]: example } } },
    };
  }
}

/** The codes a response documents: its examples are keyed by code, whatever the error format. */
function errorCodes(operation: Operation, status: string): string[] {
  return Object.values<Schema>(operation.responses?.[status]?.content ?? {}).flatMap((media) => Object.keys(media.examples ?? {}));
}

function hasPathParameters(operation: Operation): boolean {
  return (operation.parameters ?? []).some((parameter: Schema) => parameter.in === 'path');
}

function errorMediaTypes(operation: Operation): string[] {
  return Object.entries<Schema>(operation.responses ?? {})
    .filter(([status]) => /^[45]/.test(status))
    .flatMap(([, response]) => Object.keys(response.content ?? {}));
}

/** Whether a response's JSON body is an object with an `etag` property, which the ETag interceptor copies into the header. */
function hasEtag(doc: Schema, response: Schema): boolean {
  const schema = response.content?.['application/json']?.schema as Schema | undefined;
  const resolved = schema?.$ref ? doc.components.schemas[String(schema.$ref).split('/').pop()!] : schema;
  return resolved?.properties?.etag !== undefined;
}

/** Applies toNullable31 to a schema and every schema inside it, innermost first. */
function rewriteSchema(schema: Schema): Schema {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out: Schema = { ...schema };
  if (out.properties) out.properties = Object.fromEntries(Object.entries<Schema>(out.properties).map(([key, value]) => [key, rewriteSchema(value)]));
  if (out.items) out.items = rewriteSchema(out.items);
  if (out.additionalProperties && typeof out.additionalProperties === 'object') out.additionalProperties = rewriteSchema(out.additionalProperties);
  for (const key of ['allOf', 'anyOf', 'oneOf']) if (Array.isArray(out[key])) out[key] = out[key].map(rewriteSchema);
  if (out.not) out.not = rewriteSchema(out.not);
  if (out.properties) {
    const required = new Set<string>(out.required ?? []);
    for (const [key, property] of Object.entries<Schema>(out.properties)) if (!required.has(key)) out.properties[key] = defaultInWords(property);
  }
  return toNullable31(out);
}

/**
 * An optional property's `default` said in its description instead: generators (openapi-typescript by
 * default) make a property with a `default` required, so `{}` would not type-check as a claim although
 * the service takes it. The service applies the default; the document says which.
 */
function defaultInWords(property: Schema): Schema {
  if (!('default' in property)) return property;
  const { default: value, ...rest } = property;
  const words = `Default: \`${JSON.stringify(value)}\`.`;
  return { ...rest, description: rest.description ? `${String(rest.description).replace(/\.?$/, '.')} ${words}` : words };
}
