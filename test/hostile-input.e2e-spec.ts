import { AGENTS, createAgent, freshOrg } from './support/agents';
import { errorFields } from './support/errors';
import { api, expectProblem } from './support/http';
import { auth, user } from './support/principals';
import { tokenFor } from './support/tokens';

/** The strings PostgreSQL cannot store: text and jsonb refuse NUL, and UTF-8 has no encoding for a lone surrogate. */
const UNSTORABLE = { nul: 'a\u0000b', loneSurrogate: 'a\ud800b', loneLowSurrogate: '\udc00' };

describe('hostile input is a 400 problem, never a 500', () => {
  const org = freshOrg();
  const owner = user(org, 'hostile-owner', { admin: true });

  describe.each(Object.entries(UNSTORABLE))('text PostgreSQL cannot store (%s)', (_kind, bad) => {
    it.each([
      ['name', { name: bad }],
      ['description', { description: bad }],
      ['instructions', { instructions: bad }],
      ['a value inside agentSelection', { agentSelection: { mode: bad } }],
      ['a key inside agentSelection', { agentSelection: { [bad]: 1 } }],
      ['a key inside a custom trigger', { trigger: { type: 'webhook', [bad]: 'x' } }],
      ['a tool config', { tools: [{ toolId: '8f0e2c4a-1b3d-4e5f-9a7b-6c5d4e3f2a1b', config: { url: bad } }] }],
      ['a grant principal', { accessConfig: { grants: [{ principal: `user:${bad}`, access: 'use' }] } }],
    ])('in %s of a create', async (_field, fields) => {
      const response = await api('POST', AGENTS, { ...owner, body: { name: 'Hostile', type: 'task', ...fields } });
      expectProblem(response, 400, 'VALIDATION_FAILED');
    });

    it('in a workflow node id of a PATCH', async () => {
      const agent = await createAgent(owner);
      const body = { type: 'workflow', workflowStructure: { nodes: [{ id: bad, type: 'http' }], edges: [] } };
      expectProblem(await api('PATCH', `${AGENTS}/${agent.id}`, { ...owner, body }), 400, 'VALIDATION_FAILED');
    });

    it("in a transfer's to, an API key's name and a search", async () => {
      const agent = await createAgent(owner);
      expectProblem(await api('POST', `${AGENTS}/${agent.id}/ownership-transfer`, { ...owner, body: { to: `user:${bad}` } }), 400, 'VALIDATION_FAILED');
      expectProblem(await api('POST', '/api/v1/api-keys', { ...owner, body: { name: bad, role: 'member' } }), 400, 'VALIDATION_FAILED');
    });

    it("in a validly signed token's sub or groups is a 401, on lists and creates alike", async () => {
      for (const token of [tokenFor({ org, sub: bad }), tokenFor({ org, sub: 'ok', groups: ['sales', bad] })]) {
        expectProblem(await api('GET', AGENTS, { token }), 401, 'UNAUTHENTICATED');
        expectProblem(await api('POST', AGENTS, { token, body: { name: 'x' } }), 401, 'UNAUTHENTICATED');
      }
    });
  });

  it('a NUL in a query string or a path segment', async () => {
    expect(errorFields(expectProblem(await api('GET', `${AGENTS}?q=a%00b`, owner), 400, 'VALIDATION_FAILED'))).toEqual(['q']);
    expectProblem(await api('GET', `${AGENTS}/a%00b`, owner), 400, 'VALIDATION_FAILED');
  });

  it('a surrogate encoded in a query string reads as U+FFFD, which is storable', async () => {
    const response = await api('GET', `${AGENTS}?q=%ED%A0%80`, owner);
    expect(response.status).toBe(200);
  });

  it('names the offending field, key included', async () => {
    const response = await api('POST', AGENTS, { ...owner, body: { name: 'Hostile', agentSelection: { outer: { ['k\u0000']: 1 } } } });
    expect(expectProblem(response, 400, 'VALIDATION_FAILED').errors).toEqual([{ field: 'agentSelection.outer', message: expect.stringMatching(/key/) }]);
  });

  it('keeps well-formed text outside the basic plane, and U+FFFD as sent', async () => {
    const name = 'Astral \ud83d\ude80 and \ufffd';
    const created = await createAgent(owner, { name });
    expect(created.name).toBe(name);
  });

  describe('deeply nested JSON', () => {
    const nested = (depth: number, leaf: string) => '['.repeat(depth) + leaf + ']'.repeat(depth);

    it.each([
      ['an unknown field', `{"name":"Deep","zzz":${nested(2500, '1')}}`],
      ['agentSelection', `{"name":"Deep","agentSelection":{"a":${nested(2500, '1')}}}`],
      ['a top-level array', nested(2500, '{}')],
    ])('in %s is a 400', async (_where, rawBody) => {
      expectProblem(await api('POST', AGENTS, { ...owner, rawBody }), 400, 'VALIDATION_FAILED');
    });

    it('up to the documented depth is accepted', async () => {
      const rawBody = `{"name":"Nested","agentSelection":{"a":${nested(60, '1')}}}`;
      expect((await api('POST', AGENTS, { ...owner, rawBody })).status).toBe(201);
    });
  });

  describe('numbers beyond the columns', () => {
    it.each([2147483648, 1e20, -2147483649])('a sub-agent id of %d is a 400 naming the field', async (agentId) => {
      const response = await api('POST', AGENTS, { ...owner, body: { name: 'Subs', subAgents: [{ agentId }] } });
      expect(expectProblem(response, 400, 'VALIDATION_FAILED').errors).toEqual([expect.objectContaining({ field: 'subAgents[0].agentId' })]);
    });

    it.each([2147483648, '9999999999999999999'])('a page token holding %s is a 400', async (after) => {
      const pageToken = Buffer.from(JSON.stringify({ after })).toString('base64url');
      expectProblem(await api('GET', `${AGENTS}?pageToken=${pageToken}`, owner), 400);
    });
  });

  describe("a token's sub", () => {
    it('longer than a principal can be is a 401, not a failed create', async () => {
      const token = tokenFor({ org, sub: 'u'.repeat(400) });
      expectProblem(await api('POST', AGENTS, { token, body: { name: 'Long sub' } }), 401, 'UNAUTHENTICATED');
    });

    it('at the longest a grant can name still creates, and the creator keeps the agent', async () => {
      const longest = user(org, 's'.repeat(195));
      const created = await createAgent(longest);
      expect(created.accessConfig.owner).toBe(`user:${'s'.repeat(195)}`);
      expect((await api('GET', `${AGENTS}/${created.id}`, auth(longest))).status).toBe(200);
    });
  });

  describe("Fastify's own errors are problems too", () => {
    it('a path segment over 100 characters', async () => {
      expectProblem(await api('GET', `${AGENTS}/${'a'.repeat(101)}`, owner), 404, 'NOT_FOUND');
      expectProblem(await api('GET', `/api/v1/runs/${'b'.repeat(500)}`, owner), 400);
    });

    it('a path segment beyond any route, with a request id', async () => {
      const response = await api('GET', `${AGENTS}/${'a'.repeat(5000)}`, owner);
      const problem = expectProblem(response, 414, 'URI_TOO_LONG');
      expect(response.headers.get('x-request-id')).toBe(problem.requestId);
    });

    it('a path that is not valid percent-encoding', async () => {
      const response = await api('GET', `${AGENTS}/%E0%A4%A`, owner);
      expectProblem(response, 400, 'MALFORMED_REQUEST');
      expect(response.headers.get('x-request-id')).toEqual(expect.any(String));
    });
  });
});
