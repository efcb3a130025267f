import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshOrg } from './support/agents';
import { api } from './support/http';
import { createApiKey, user } from './support/principals';
import { deployedAgent } from './support/runs';

/**
 * Issue #27: a pass over every operation of openapi.json for the answers the service gives before a
 * controller runs, which other tests provoke only here and there. `api()` checks each answer against
 * the document (test/support/openapi-validation.ts), so an operation added without documenting them
 * fails here by name. Bodies are never accepted (each request is refused first), so nothing is written.
 */
const document = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'));
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const operations: { method: string; template: string; operation: any }[] = Object.entries<any>(document.paths).flatMap(([template, item]) =>
  METHODS.filter((method) => item[method]).map((method) => ({ method: method.toUpperCase(), template, operation: item[method] })),
);
const secured = operations.filter(({ operation }) => !Array.isArray(operation.security) || operation.security.length > 0);

describe('every operation documents what the service answers before its controller', () => {
  const org = freshOrg();
  const admin = user(org, 'openapi-pass', { admin: true });
  let agentId = 0;
  let runtime = '';

  beforeAll(async () => {
    agentId = (await deployedAgent(admin)).id;
    runtime = (await createApiKey(org, 'runtime')).apiKey;
  });

  /** The path with each parameter filled: an agent's id where an agent is meant, else a well-formed id nobody has. */
  const pathOf = (template: string) =>
    template.replace(/\{([^}]+)\}/g, (_match, name: string) => (name === 'id' && template.startsWith('/api/v1/agents/') ? String(agentId) : '00000000-0000-4000-8000-000000000000'));

  it('answers a runtime key 403 (documented) wherever it may not call, and lets it reach the routes marked x-runtime-access', async () => {
    const refused: string[] = [];
    for (const { method, template, operation } of secured) {
      const response = await api(method, pathOf(template), { apiKey: runtime, ...(operation.requestBody ? { body: {} } : {}) });
      if (operation['x-runtime-access'] !== true && response.status !== 403) refused.push(`${method} ${template}: ${response.status}, expected 403`);
      if (operation['x-runtime-access'] === true && response.status === 403) refused.push(`${method} ${template}: 403 although marked x-runtime-access`);
    }
    expect(refused).toEqual([]);
  });

  it('answers 413 and 415 (documented) on every operation with a body', async () => {
    const big = JSON.stringify({ padding: 'x'.repeat(1024 * 1024 + 1) });
    for (const { method, template } of secured.filter(({ operation }) => operation.requestBody)) {
      const tooLarge = await api(method, pathOf(template), { ...admin, rawBody: big, headers: { 'content-type': 'application/json' } });
      expect({ method, template, status: tooLarge.status }).toEqual({ method, template, status: 413 });
      const plain = await api(method, pathOf(template), { ...admin, rawBody: '<hello/>', headers: { 'content-type': 'application/xml' } });
      expect({ method, template, status: plain.status }).toEqual({ method, template, status: 415 });
    }
  });

  it('answers a path segment past the router limit and bad percent-encoding (documented) on every operation with path parameters', async () => {
    for (const { method, template } of secured.filter(({ template }) => template.includes('{'))) {
      const long = template.replace(/\{[^}]+\}/, 'x'.repeat(2100));
      const tooLong = await api(method, pathOf(long), admin);
      expect({ method, template, status: tooLong.status }).toEqual({ method, template, status: 414 });
      const broken = await api(method, pathOf(template.replace(/\{[^}]+\}/, '%E0%A4%A')), admin);
      expect({ method, template, status: broken.status }).toEqual({ method, template, status: 400 });
    }
  });
});
