import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AGENTS, createAgent, deployed, freshOrg } from './support/agents';
import { api } from './support/http';
import { createApiKey } from './support/principals';
import { tokenFor } from './support/tokens';

type Operation = { operationId: string; parameters?: Parameter[]; responses: Record<string, any>; requestBody?: any; security?: unknown[] };
type Parameter = { name: string; in: string; required?: boolean; example?: unknown; schema?: { default?: unknown; example?: unknown } };

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const committed = JSON.parse(readFileSync(resolve(__dirname, '../openapi.json'), 'utf8'));

function operations(document: any): [string, string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]: [string, any]) =>
    METHODS.filter((method) => item[method]).map((method): [string, string, Operation] => [method, path, item[method]]),
  );
}

const byId = (id: string): Operation => {
  const found = operations(committed).find(([, , operation]) => operation.operationId === id);
  if (!found) throw new Error(`no operation ${id}`);
  return found[2];
};

const bodyExamples = (id: string): [string, any][] =>
  Object.entries(byId(id).requestBody.content['application/json'].examples).map(([name, example]: [string, any]) => [name, example.value]);

describe('the OpenAPI document', () => {
  it('is served as committed, naming the origin it was fetched from as its server', async () => {
    const served = await api('GET', '/docs-json');
    expect(served.status).toBe(200);
    expect(served.body.servers).toEqual([{ url: process.env.E2E_BASE_URL, description: 'This server' }]);
    expect({ ...served.body, servers: committed.servers }).toEqual(committed);
  });

  it('names operations as methods, documents If-Match once and optional, and pre-fills nothing that changes a request', () => {
    for (const [method, path, operation] of operations(committed)) {
      expect(`${method} ${path} ${operation.operationId}`).toMatch(/ [a-z][A-Za-z]+$/);
      const headers = (operation.parameters ?? []).filter((p) => p.in === 'header');
      expect(headers.filter((p) => p.name.toLowerCase() === 'if-match').length).toBeLessThanOrEqual(1);
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'header') expect({ path, parameter: parameter.name, required: parameter.required ?? false }).toEqual({ path, parameter: parameter.name, required: false });
        if (parameter.in === 'query' || parameter.in === 'header') {
          expect({ path, parameter: parameter.name, example: parameter.example ?? parameter.schema?.example }).toEqual({ path, parameter: parameter.name, example: undefined });
        }
      }
    }
    const writes = ['updateAgent', 'deployAgent', 'toggleAgentSchedule', 'restoreAgentVariation', 'undeleteAgent', 'deleteAgent', 'putEnvironment', 'promoteEnvironment', 'deleteEnvironment'];
    for (const id of writes) expect(byId(id).parameters?.find((p) => p.name === 'If-Match')).toMatchObject({ in: 'header', required: false });
  });

  it('documents each error status with examples of that status', () => {
    for (const [, path, operation] of operations(committed)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        // The readiness probe's 503 is Terminus's health report, documented with its own example.
        if (path.startsWith('/health/')) continue;
        // Seed 002's routes answer errors in their own envelope, with the same statuses and codes.
        const envelope = path.startsWith('/api/agents');
        const content = response.content[envelope ? 'application/json' : 'application/problem+json'];
        const examples = Object.values(content.examples) as { value: { status?: number; status_code?: number; code: string } }[];
        expect(examples.length).toBeGreaterThan(0);
        for (const { value } of examples) expect({ path, status: envelope ? value.status_code : value.status }).toEqual({ path, status: Number(status) });
      }
    }
  });

  it('documents Retry-After where the answer names its wait, and the rate-limit fields where the rate limiter answers', async () => {
    const RETRY_AFTER = { $ref: '#/components/headers/Retry-After' };
    const codesOf = (response: any): string[] => Object.values<any>(response?.content ?? {}).flatMap((media) => Object.keys(media.examples ?? {}));
    for (const [method, path, operation] of operations(committed)) {
      const name = `${method} ${path}`;
      const rateLimited = codesOf(operation.responses['429']).includes('RATE_LIMITED');
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        const waits = status === '503' || codesOf(response).some((code) => ['RATE_LIMITED', 'AGENT_AT_CAPACITY', 'IDEMPOTENCY_KEY_IN_USE'].includes(code));
        expect({ name, status, retryAfter: response.headers?.['Retry-After'] }).toEqual({ name, status, retryAfter: waits ? RETRY_AFTER : undefined });
        const limits = rateLimited && (status.startsWith('2') || status === '429');
        expect({ name, status, rateLimit: Object.keys(response.headers ?? {}).filter((header) => header.startsWith('RateLimit')) }).toEqual({ name, status, rateLimit: limits ? ['RateLimit-Policy', 'RateLimit'] : [] });
      }
    }
    expect(byId('startRun').responses['429'].headers['Retry-After']).toEqual(RETRY_AFTER);
    // As documented: a success of a rate-limited operation carries the fields.
    const listed = await api('GET', AGENTS, { token: tokenFor({ org: freshOrg(), sub: 'openapi-headers' }) });
    expect(byId('listAgents').responses['200'].headers).toHaveProperty('RateLimit');
    expect({ policy: listed.headers.get('ratelimit-policy'), left: listed.headers.get('ratelimit') }).toEqual({ policy: expect.stringMatching(/^"reads-/), left: expect.stringMatching(/;r=\d+;t=\d+/) });
  });

  it('declares the health probes public and everything else authenticated', () => {
    for (const [, path, operation] of operations(committed)) {
      expect({ path, public: operation.security?.length === 0 }).toEqual({ path, public: path.startsWith('/health/') });
    }
  });

  it('has create examples that succeed as sent', async () => {
    const token = tokenFor({ org: freshOrg(), sub: 'openapi-create' });
    for (const [name, body] of bodyExamples('createAgent')) {
      const created = await api('POST', AGENTS, { token, body });
      expect({ name, status: created.status }).toEqual({ name, status: 201 });
    }
  });

  it('has PATCH examples that succeed as sent, and the rename changes nothing but the name', async () => {
    const token = tokenFor({ org: freshOrg(), sub: 'openapi-patch' });
    const [, createBody] = bodyExamples('createAgent')[0];
    for (const [name, body] of bodyExamples('updateAgent')) {
      const created = await api('POST', AGENTS, { token, body: createBody });
      const updated = await api('PATCH', `${AGENTS}/${created.body.id}`, { token, body });
      expect({ name, status: updated.status }).toEqual({ name, status: 200 });
      if (name === 'rename') {
        const unchanged = (agent: any) => ({ ...agent, name: undefined, etag: undefined, updatedAt: undefined, hasUnpublishedChanges: undefined });
        expect(updated.body.name).toBe(body.name);
        expect(unchanged(updated.body)).toEqual(unchanged(created.body));
      }
    }
  });

  it('has run, claim and event examples that succeed as sent, in the order a runtime sends them', async () => {
    const org = freshOrg();
    const token = tokenFor({ org, sub: 'openapi-runs', admin: true });
    const runtime = await createApiKey(org, 'runtime');
    const agent = await createAgent(token);
    await deployed(token, agent.id);
    for (const [name, body] of bodyExamples('startRun')) {
      const started = await api('POST', `${AGENTS}/${agent.id}/runs`, { token, body });
      expect({ name, status: started.status }).toEqual({ name, status: 201 });
    }
    const [[, claimBody]] = bodyExamples('claimRun');
    const claimed = await api('POST', '/api/v1/runtime/claim', { apiKey: runtime.apiKey, body: claimBody });
    expect(claimed.status).toBe(200);
    for (const [name, body] of bodyExamples('reportRunEvent')) {
      const reported = await api('POST', `/api/v1/runs/${claimed.body.run.id}/events`, { apiKey: runtime.apiKey, body });
      expect({ name, status: reported.status }).toEqual({ name, status: 200 });
    }
  });

  it('has deploy, environment and version examples that succeed as sent', async () => {
    const token = tokenFor({ org: freshOrg(), sub: 'openapi-environments' });
    for (const [name, body] of bodyExamples('deployAgent')) {
      const agent = await createAgent(token);
      const deployed = await api('POST', `${AGENTS}/${agent.id}/deploy`, { token, body });
      expect({ name, status: deployed.status, version: deployed.body.variation?.version }).toEqual({ name, status: 200, version: 1 });
    }
    const agent = await createAgent(token);
    const live = await deployed(token, agent.id);
    for (const [index, [name, body]] of bodyExamples('putEnvironment').entries()) {
      const put = await api('PUT', `${AGENTS}/${agent.id}/environments/staging`, { token, body });
      // The first creates staging, the next ones move it.
      expect({ name, status: put.status }).toEqual({ name, status: index === 0 ? 201 : 200 });
    }
    for (const [name, body] of bodyExamples('promoteEnvironment')) {
      const promoted = await api('POST', `${AGENTS}/${agent.id}/environments/staging/promote`, { token, body });
      expect({ name, status: promoted.status }).toEqual({ name, status: 200 });
    }
    for (const [name, body] of bodyExamples('updateAgentVariation')) {
      const labelled = await api('PATCH', `${AGENTS}/${agent.id}/variations/${live.activeVariationId}`, { token, body });
      expect({ name, status: labelled.status }).toEqual({ name, status: 200 });
    }
  });

  it('has compatibility-route examples that succeed as sent', async () => {
    const token = tokenFor({ org: freshOrg(), sub: 'openapi-compat' });
    for (const [name, body] of bodyExamples('createChatAgent')) {
      const created = await api('POST', '/v2/chat/agents', { token, body });
      expect({ name, status: created.status }).toEqual({ name, status: 201 });
    }
    const agent = await createAgent(token);
    for (const [name, body] of [...bodyExamples('updateChatAgent'), ...bodyExamples('updateApiAgent')]) {
      const path = name in Object.fromEntries(bodyExamples('updateChatAgent')) ? `/v2/chat/agents/${agent.uid}` : `/api/agents/${agent.uid}`;
      const updated = await api('PATCH', path, { token, body });
      expect({ name, status: updated.status }).toEqual({ name, status: 200 });
    }
  });
});
