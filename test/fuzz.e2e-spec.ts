import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { AGENTS, createAgent, deployed, freshOrg, patched, scheduleTrigger } from './support/agents';
import { api } from './support/http';
import { Auth, createApiKey, user } from './support/principals';
import { claim, queuedRun, report } from './support/runs';

/**
 * Issue #14: generated bodies, query strings, path segments and headers, hostile ones included, sent
 * to every operation of the OpenAPI document as thirteen kinds of caller. Whatever is sent: never a 5xx,
 * every error in the route's error format, and no caller ever sees another organisation's data.
 *
 * The seed is fixed so CI is repeatable and printed so a failure can be replayed:
 * `FUZZ_SEED=<seed> FUZZ_RUNS=<n> npx jest test/fuzz.e2e-spec.ts` (after `npm run build`); FUZZ_VERBOSE=1 also
 * prints how many answers each operation gave per status, to see how deep the generated requests reach.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 14_2026);

type Org = 'A' | 'B';

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}
interface Operation {
  operationId: string;
  parameters?: { name: string; in: 'path' | 'query' | 'header'; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}
interface Schema {
  $ref?: string;
  /** OpenAPI 3.1: a nullable field's type lists 'null' too. */
  type?: string | string[];
  example?: unknown;
  default?: unknown;
  enum?: unknown[];
  format?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
}

const DOCUMENT = JSON.parse(readFileSync(resolve(__dirname, '../openapi.json'), 'utf8')) as OpenApiDocument;
const OPERATIONS = Object.entries(DOCUMENT.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
);
/** About 20 requests per operation, so each keeps its share of the runs as the document grows. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 20 * OPERATIONS.length);

/**
 * A plausible value for a schema, so generated requests also get past validation: its example, default
 * or first enum value; objects keep their required properties and those with an example of their own.
 */
function sample(schema: Schema | undefined, depth = 0): unknown {
  if (!schema || depth > 8) return undefined;
  if (schema.$ref) return sample(DOCUMENT.components.schemas[schema.$ref.split('/').pop()!], depth + 1);
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((part) => sample(part, depth + 1)));
  const alternative = schema.oneOf?.[0] ?? schema.anyOf?.[0];
  if (alternative) return sample(alternative, depth + 1);
  switch (Array.isArray(schema.type) ? schema.type.find((type) => type !== 'null') : schema.type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {})
          .filter(([key, property]) => schema.required?.includes(key) || property.example !== undefined)
          .map(([key, property]) => [key, sample(property, depth + 1)]),
      );
    case 'array':
      return [sample(schema.items, depth + 1)];
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    default:
      return schema.format === 'uuid' ? '00000000-0000-4000-8000-000000000001' : 'x';
  }
}

/** The top-level property names of a (referenced) object schema: the fields a mutation replaces. */
function propertyNames(schema: Schema | undefined): string[] {
  const resolved = schema?.$ref ? DOCUMENT.components.schemas[schema.$ref.split('/').pop()!] : schema;
  return [...Object.keys(resolved?.properties ?? {}), ...(resolved?.allOf ?? []).flatMap((part) => propertyNames(part))];
}

/** Strings from the report's classes: NUL, lone surrogates, huge and odd numbers, long, path-ish and quoting characters. */
const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc
    .array(fc.constantFrom('\u0000', '\ud800', '\udc00', '\ufffd', '\u{1f680}', '\u202e', '%', '/', '..', "'", '"', '\\', ' ', '\n', '<script>', 'é', 'user:', 'group:'), {
      maxLength: 8,
    })
    .map((parts) => parts.join('')),
  fc.constantFrom('0', '-1', '2147483647', '2147483648', '9999999999999999999', '1e20', 'NaN', 'Infinity', '0x10', '', ' ', 'null', 'true', '[]', '{}'),
  fc.integer({ min: 90, max: 3000 }).map((length) => 'a'.repeat(length)),
);

const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    fc.integer(),
    fc.constantFrom(2147483648, -2147483649, 1e20, 9007199254740993, 0.5, -0),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Percent-encodes a string for a URL, a lone surrogate as the (invalid) UTF-8 its code unit would be. */
function encode(text: string): string {
  return [...text]
    .map((char) => {
      const unit = char.charCodeAt(0);
      if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
        return [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
      }
      return encodeURIComponent(char);
    })
    .join('');
}

const rawSegment = fc.oneof(hostileString.map(encode), fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%ED%A0%80', '..', '.', 'a'.repeat(3000)));

/** A header value fetch can send: Latin-1, no control characters. */
const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((code) => String.fromCharCode(code)), maxLength: 200 }).filter((value) => !/[\x7f]/.test(value));

interface Fixture {
  secrets: Record<Org, string>;
  callers: { name: string; org: Org | null; headers: Record<string, string> }[];
  pathValues: Record<string, string[]>;
}

const authHeaders = (who: Auth): Record<string, string> => ('token' in who ? { authorization: `Bearer ${who.token}` } : { 'x-api-key': who.apiKey });

/** Two organisations, each with agents, versions, runs and events whose text carries that org's secret; and their callers. */
async function buildFixture(): Promise<Fixture> {
  const secrets = { A: `secret-of-org-a-${randomBytes(6).toString('hex')}`, B: `secret-of-org-b-${randomBytes(6).toString('hex')}` };
  const orgs = { A: freshOrg(), B: freshOrg() };
  // Validly signed tokens whose claims cannot make a principal count as no org's callers: they must see nothing.
  const callers: Fixture['callers'] = [
    { name: 'anonymous', org: null, headers: {} },
    { name: 'garbage token', org: null, headers: { authorization: 'Bearer not.a.jwt' } },
    { name: 'NUL in sub', org: null, headers: authHeaders(user(orgs.A, 'fuzz\u0000admin', { admin: true })) },
    { name: 'over-long sub', org: null, headers: authHeaders(user(orgs.A, 's'.repeat(300), { admin: true })) },
    { name: 'lone surrogate in groups', org: null, headers: authHeaders(user(orgs.B, 'fuzz-member-B', { groups: ['fuzzers', '\ud800'] })) },
  ];
  const pathValues: Record<string, string[]> = { agent: [], variation: [], run: [], uid: [], key: [] };
  for (const org of ['A', 'B'] as const) {
    const admin = user(orgs[org], `fuzz-admin-${org}`, { admin: true });
    const member = user(orgs[org], `fuzz-member-${org}`, { groups: ['fuzzers'] });
    const secret = secrets[org];
    const live = await createAgent(admin, {
      // Not in the name: the slug is made from it, and slugs are path values any caller may send.
      name: `Live ${org}`,
      description: secret,
      instructions: `Say ${secret}`,
      trigger: scheduleTrigger('0 9 * * 1-5', 'UTC'),
      accessConfig: { orgAccess: 'use', grants: [{ principal: 'group:fuzzers', access: 'manage' }] },
    });
    await deployed(admin, live.id);
    const draft = await patched(admin, live.id, { instructions: `Draft ${secret}` });
    const other = await createAgent(admin, { name: `Other ${org}`, description: secret, subAgents: [{ agentId: live.id }] });
    const keys = { admin: await createApiKey(orgs[org], 'admin'), member: await createApiKey(orgs[org], 'member'), runtime: await createApiKey(orgs[org], 'runtime') };
    const run = await queuedRun(admin, live.id, { input: { note: secret } });
    const runtime = { apiKey: keys.runtime.apiKey };
    const claimed = await claim(runtime, { waitSeconds: 0 });
    if (claimed.status !== 200) throw new Error(`claim failed: ${claimed.status}`);
    await report(runtime, claimed.body.run.id, { type: 'started' });
    await report(runtime, claimed.body.run.id, { type: 'action_taken', message: `Did ${secret}` });
    const variations = await api('GET', `${AGENTS}/${live.id}/variations`, admin);
    await api('POST', `${AGENTS}/${other.id}/ownership-transfer`, { ...admin, body: { to: `user:fuzz-member-${org}` } });

    pathValues.agent!.push(String(live.id), live.slug, String(other.id));
    pathValues.variation!.push(draft.draftVariationId, ...variations.body.variations.map((v: { id: string }) => v.id));
    pathValues.run!.push(run.id);
    pathValues.uid!.push(live.uid, other.uid);
    pathValues.key!.push(keys.member.id);
    callers.push(
      { name: `admin of ${org}`, org, headers: authHeaders(admin) },
      { name: `member of ${org}`, org, headers: authHeaders(member) },
      { name: `admin key of ${org}`, org, headers: authHeaders({ apiKey: keys.admin.apiKey }) },
      { name: `runtime key of ${org}`, org, headers: authHeaders(runtime) },
    );
  }
  return { secrets, callers, pathValues };
}

/** Which real values a path parameter may take, besides generated ones. */
function realValuesFor(fixture: Fixture, path: string, name: string): string[] {
  if (name === 'variationId') return fixture.pathValues.variation!;
  if (name === 'runId') return fixture.pathValues.run!;
  if (name === 'uid' || name === 'agent_uid') return fixture.pathValues.uid!;
  return path.startsWith('/api/v1/api-keys') ? fixture.pathValues.key! : fixture.pathValues.agent!;
}

interface GeneratedRequest {
  method: string;
  path: string;
  url: string;
  caller: Fixture['callers'][number];
  headers: Record<string, string>;
  body?: string;
}

function requestArbitrary(fixture: Fixture): fc.Arbitrary<GeneratedRequest> {
  return fc.constantFrom(...OPERATIONS).chain(({ method, path, operation }) => {
    const parameters = operation.parameters ?? [];
    const pathParameters = parameters.filter((p) => p.in === 'path');
    const queryParameters = parameters.filter((p) => p.in === 'query');
    const segments = fc.tuple(
      ...pathParameters.map((p) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...realValuesFor(fixture, path, p.name)) }, { weight: 2, arbitrary: rawSegment })),
    );
    const query = fc.tuple(
      ...queryParameters.map((p) =>
        fc.option(
          fc.oneof(
            fc.constant(String(sample(p.schema) ?? 'x')),
            hostileString,
            fc.array(hostileString, { minLength: 2, maxLength: 3 }),
          ),
          { nil: undefined },
        ),
      ),
    );
    const extraQuery = fc.option(fc.tuple(hostileString, hostileString), { nil: undefined });
    const jsonSchema = operation.requestBody?.content['application/json']?.schema;
    const base = sample(jsonSchema);
    const baseObject = base && typeof base === 'object' && !Array.isArray(base) ? base : {};
    const fields = propertyNames(jsonSchema);
    const body: fc.Arbitrary<string | undefined> = fc.oneof(
      fc.constant(undefined),
      fc.constant(JSON.stringify(base ?? {})),
      fc
        .tuple(fc.constantFrom(...(fields.length > 0 ? fields : ['x'])), hostileJson)
        .map(([key, value]) => JSON.stringify({ ...baseObject, [key]: value })),
      fc.tuple(hostileString, hostileJson).map(([key, value]) => JSON.stringify({ ...baseObject, [key]: value })),
      hostileJson.map((value) => JSON.stringify(value) ?? 'null'),
      fc.integer({ min: 60, max: 3000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
      fc.integer({ min: 60, max: 3000 }).map((depth) => `{"name":"deep","x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`),
      fc.constantFrom('null', '{', '{"a":1,}', '\u0000', '"\\ud800"', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}'),
    );
    const headers = fc.record(
      {
        'if-match': fc.oneof(fc.constantFrom('*', '"1"', 'W/"1"', '"1", "2"', '"99999999999999999999"', ''), headerValue),
        'x-request-id': headerValue,
        'content-type': fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
          { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x') },
        ),
        accept: fc.constantFrom('application/json', 'text/html', '*/*'),
      },
      { requiredKeys: [] },
    );
    return fc.record({ segments, query, extraQuery, body, headers, caller: fc.constantFrom(...fixture.callers) }).map((generated) => {
      let index = 0;
      const url = path.replace(/\{[^}]+\}/g, () => generated.segments[index++]!);
      const pairs: string[] = [];
      queryParameters.forEach((p, i) => {
        const value = generated.query[i];
        for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) pairs.push(`${encode(p.name)}=${encode(item)}`);
      });
      if (generated.extraQuery) pairs.push(`${encode(generated.extraQuery[0])}=${encode(generated.extraQuery[1])}`);
      const headers: Record<string, string> = { ...generated.headers, ...generated.caller.headers };
      // fetch cannot send a GET with a body.
      const bodyText = generated.body === undefined || method === 'GET' ? undefined : boundLongPoll(path, generated.body);
      if (bodyText === undefined) delete headers['content-type'];
      return { method, path, url: `${url}${pairs.length > 0 ? `?${pairs.join('&')}` : ''}`, caller: generated.caller, headers, body: bodyText };
    });
  });
}

/** A claim may long-poll for up to 30 s; the property is about answers, not waiting, so it never waits. */
function boundLongPoll(path: string, body: string): string {
  if (path !== '/api/v1/runtime/claim') return body;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && typeof (parsed as { waitSeconds?: unknown }).waitSeconds === 'number') {
      return JSON.stringify({ ...parsed, waitSeconds: 0 });
    }
  } catch {
    // not JSON: sent as it is
  }
  return body;
}

/** Every error under seed 002's prefix is its envelope, whatever raised it; everything else is problem+json. */
const ENVELOPE_ROUTES = /^\/api\/agents(\/|$)/;

describe('every route of the OpenAPI document under generated input (fast-check)', () => {
  let fixture: Fixture;

  beforeAll(async () => {
    fixture = await buildFixture();
    process.stdout.write(`fuzz: seed ${SEED}, ${RUNS} runs over ${OPERATIONS.length} operations; replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} npx jest test/fuzz.e2e-spec.ts\n`);
  }, 60_000);

  it('never answers 5xx, always answers errors in the route format, and never shows another org a byte of its data', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(requestArbitrary(fixture), async (request) => {
        const response = await fetch(`${process.env.E2E_BASE_URL}${request.url}`, { method: request.method, headers: request.headers, body: request.body });
        // An event stream that opened would never end by itself: the property is about answers, so it is not read.
        const opened = response.status === 200 && /^text\/event-stream/.test(response.headers.get('content-type') ?? '');
        const text = opened ? await response.body?.cancel().then(() => '') ?? '' : await response.text();
        const key = `${request.method} ${request.path} ${response.status}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        const where = `${request.method} ${request.url.slice(0, 300)} as ${request.caller.name} → ${response.status} ${text.slice(0, 500)}`;

        if (response.status >= 500) throw new Error(`5xx: ${where}`);
        for (const org of ['A', 'B'] as const) {
          if (request.caller.org !== org && text.includes(fixture.secrets[org])) throw new Error(`org ${org}'s data leaked: ${where}`);
        }
        if (response.status >= 400) {
          const contentType = response.headers.get('content-type') ?? '';
          const body = JSON.parse(text) as Record<string, unknown>;
          const requestId = response.headers.get('x-request-id');
          const problem = /^application\/problem\+json/.test(contentType) && body.status === response.status && typeof body.code === 'string' && body.requestId === requestId;
          const envelope = /^application\/json/.test(contentType) && body.status === 'error' && body.status_code === response.status && body.request_id === requestId;
          // By the path sent, which fetch normalises (`/api/agents/..` is `/api/`), not the operation's template.
          if (ENVELOPE_ROUTES.test(new URL(response.url).pathname) ? !envelope : !problem) throw new Error(`not in the route's error format: ${where}`);
          if (/\bat .+\.js:\d+|SELECT |INSERT |UPDATE /.test(text)) throw new Error(`internals leaked: ${where}`);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: false, interruptAfterTimeLimit: 240_000 },
    );
    if (process.env.FUZZ_VERBOSE) process.stdout.write(`${[...seen.entries()].sort().map(([key, count]) => `${key}: ${count}`).join('\n')}\n`);
    // The run must have reached the operations past authentication and validation, or it proves little.
    const successes = [...seen.entries()].filter(([key]) => / 2\d\d$/.test(key)).length;
    expect(successes).toBeGreaterThan(10);
  }, 300_000);
});
