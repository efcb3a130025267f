import { randomUUID } from 'node:crypto';
import { AGENTS, createAgent, deployed, freshOrg, getAgent, patched } from './support/agents';
import { api, ApiResponse, expectProblem } from './support/http';
import { auth, Caller, createApiKey, user } from './support/principals';

/**
 * Issue #11: the seeds' own API shapes. Request bodies below are copied from
 * shared/seeds/001_dd0f336db440d662.txt and shared/seeds/002_695b5e17ecd19c15.txt as written; only
 * placeholders (`{id}`, `pk_live_••••`, 'new-tool-uuid') are filled with real values.
 */
const CHAT = '/v2/chat/agents';
const API = '/api/agents';

const chat = (who: Caller, method: string, path = '', body?: unknown) => api(method, `${CHAT}${path}`, { ...auth(who), body });
const apiShape = (who: Caller, method: string, path = '', body?: unknown) => api(method, `${API}${path}`, { ...auth(who), body });

/** Seed 002's error envelope (`data: null`, as every answer has `data`), with the status the problem+json answer would have. */
function expectEnvelopeError(response: ApiResponse, status: number, code?: string): any {
  expect({ status: response.status, body: response.body }).toMatchObject({
    status,
    body: { status: 'error', status_code: status, message: expect.any(String), data: null, ...(code ? { code } : {}) },
  });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.body.request_id).toEqual(expect.any(String));
  expect(response.headers.get('x-request-id')).toBe(response.body.request_id);
  return response.body;
}

describe('seed 001: /v2/chat/agents', () => {
  const org = freshOrg();
  let key: { apiKey: string };

  beforeAll(async () => {
    key = { apiKey: (await createApiKey(org, 'admin')).apiKey };
  });

  it('creates, reads, lists and deletes in its own shape, with an API key', async () => {
    const created = await chat(key, 'POST', '', { fullName: 'Customer Support Bot', description: 'Handles tier-1 customer queries', role: 'You are a helpful support agent for Acme Inc.', language: 'en', systemPrompt: 'Answer briefly.' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      fullName: 'Customer Support Bot',
      description: 'Handles tier-1 customer queries',
      role: 'You are a helpful support agent for Acme Inc.',
      language: 'en',
      systemPrompt: 'Answer briefly.',
      specialInstructions: null,
      voiceEnabled: false,
      voicePipelineMode: null,
      isActive: false,
      isPublic: false,
      orgId: org,
      modelId: null,
      agentTools: [],
      subAgents: [],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect((await chat(key, 'GET', `/${created.body.id}`)).body).toEqual(created.body);
    expect((await chat(key, 'GET')).body.agents.map((a: { id: string }) => a.id)).toContain(created.body.id);
    const deleted = await chat(key, 'DELETE', `/${created.body.id}`);
    expect(deleted.status).toBe(200);
    expect((await chat(key, 'GET', `/${created.body.id}`)).status).toBe(200);
    expect((await chat(key, 'GET')).body.agents.map((a: { id: string }) => a.id)).not.toContain(created.body.id);
    expect((await chat(key, 'GET', `/${randomUUID()}`)).status).toBe(404);
    expect((await chat(key, 'GET', '/not-a-uuid')).status).toBe(404);
  });

  it('runs the curl example as written: rename, new system prompt, live', async () => {
    const agent = await createAgent(key, { name: 'Customer Support Bot', instructions: 'Old prompt.' });
    const response = await api('PATCH', `${CHAT}/${agent.uid}`, {
      ...key,
      rawBody: `
{
  "fullName": "Tier-1 Support — Updated",
  "systemPrompt": "You specialize in billing, returns, and account access. Be brief.",
  "isActive": true
}
`,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: agent.uid, fullName: 'Tier-1 Support — Updated', systemPrompt: 'You specialize in billing, returns, and account access. Be brief.', isActive: true });
    const v1 = await getAgent(key, agent.id, 'active');
    expect(v1.body).toMatchObject({ status: 'active', name: 'Tier-1 Support — Updated', variation: { version: 1, instructions: 'You specialize in billing, returns, and account access. Be brief.' } });

    const again = await chat(key, 'PATCH', `/${agent.uid}`, {
      fullName: 'Tier-1 Support — Updated',
      systemPrompt: 'You specialize in billing, returns, and account access. Be brief and friendly.',
      isActive: true,
    });
    expect(again.body.systemPrompt).toBe('You specialize in billing, returns, and account access. Be brief and friendly.');
    expect((await getAgent(key, agent.id, 'active')).body.variation.version).toBe(2);
  });

  it('runs the "updating tools" snippet as written: fetch, merge agentTools, send the whole list back', async () => {
    const existingTool = randomUUID();
    const agent = await deployed(key, (await createAgent(key, { tools: [{ toolId: existingTool, config: { depth: 2 } }] })).id);
    const id = agent.uid;
    const base = process.env.E2E_BASE_URL;
    const newToolUuid = randomUUID();

    const fetched = await fetch(`${base}/v2/chat/agents/${id}`, {
      headers: { 'x-api-key': key.apiKey },
    }).then((r) => r.json() as Promise<any>);

    const existingToolIds = fetched.agentTools.map(({ tool }: { tool: { id: string } }) => ({ toolId: tool.id }));

    const updated = await fetch(`${base}/v2/chat/agents/${id}`, {
      method: 'PATCH',
      headers: { 'x-api-key': key.apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        tools: [...existingToolIds, { toolId: newToolUuid }],
      }),
    });
    expect(updated.status).toBe(200);
    const body = (await updated.json()) as any;
    expect(body.agentTools).toEqual([
      { tool: { id: existingTool }, config: {} },
      { tool: { id: newToolUuid }, config: {} },
    ]);
    expect((await chat(key, 'PATCH', `/${id}`, { tools: [] })).body.agentTools).toEqual([]);
  });

  it('names sub-agents by UUID, removes them all with [], and refuses an unknown pipeline mode (400)', async () => {
    const helper = await createAgent(key, { name: 'Helper' });
    const lead = await createAgent(key, { name: 'Lead' });
    const withSub = await chat(key, 'PATCH', `/${lead.uid}`, { subAgents: [{ agentId: helper.uid }] });
    expect(withSub.body.subAgents).toEqual([{ agentId: helper.uid }]);
    expect((await getAgent(key, lead.id)).body.variation.subAgents).toEqual([{ agentId: helper.id }]);
    expect((await chat(key, 'PATCH', `/${lead.uid}`, { subAgents: [] })).body.subAgents).toEqual([]);
    const unknown = await chat(key, 'PATCH', `/${lead.uid}`, { subAgents: [{ agentId: randomUUID() }] });
    expect(unknown).toMatchObject({ status: 422, body: { code: 'INVALID_SUB_AGENTS' } });
    const mode = await chat(key, 'PATCH', `/${lead.uid}`, { voicePipelineMode: 'telepathy' });
    expect(mode).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ field: 'voicePipelineMode' })] } });
    expect((await chat(key, 'PATCH', `/${lead.uid}`, { voiceEnabled: true, voicePipelineMode: 'sts' })).body).toMatchObject({ voiceEnabled: true, voicePipelineMode: 'sts' });
    expect((await chat(key, 'PATCH', `/${lead.uid}`, { voiceEnabled: false })).body).toMatchObject({ voiceEnabled: false, voicePipelineMode: 'sts' });
  });

  it('maps isPublic to org access and isActive: false to pause; isPublic: false can lock a caller out (422)', async () => {
    const owner = user(org, 'owner');
    const agent = await deployed(owner, (await createAgent(owner)).id);
    expect((await chat(owner, 'PATCH', `/${agent.uid}`, { isPublic: true })).body.isPublic).toBe(true);
    expect((await getAgent(owner, agent.id)).body.accessConfig.orgAccess).toBe('use');
    const paused = await chat(owner, 'PATCH', `/${agent.uid}`, { isActive: false });
    expect(paused.body.isActive).toBe(false);
    expect((await getAgent(owner, agent.id)).body.status).toBe('paused');

    const shared = await createAgent(owner, { accessConfig: { orgAccess: 'manage' } });
    const member = user(org, 'member');
    const lockedOut = await chat(member, 'PATCH', `/${shared.uid}`, { isPublic: false });
    expect(lockedOut).toMatchObject({ status: 422, body: { code: 'ACCESS_LOCKOUT' } });
    expect((await getAgent(owner, shared.id)).body.accessConfig.orgAccess).toBe('manage');
  });
});

describe('seed 002: /api/agents', () => {
  const org = freshOrg();
  const alice = user(org, 'alice');

  it('runs the examples as written: activate, update instructions, configure notifications, clear them', async () => {
    const agent = await createAgent(alice, { name: 'Collections Agent', instructions: 'Collect.' });
    const activated = await apiShape(alice, 'PATCH', `/${agent.uid}`, {
      status: 'active',
    });
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ status: 'success', status_code: 200, message: 'Agent updated', data: { uid: agent.uid, status: 'active', name: 'Collections Agent' } });

    const instructed = await apiShape(alice, 'PATCH', `/${agent.uid}`, {
      instructions: 'You are a collections agent. When an invoice is 15+ days overdue, draft a follow-up email to the primary billing contact.',
    });
    expect(instructed.body.data.instructions).toBe('You are a collections agent. When an invoice is 15+ days overdue, draft a follow-up email to the primary billing contact.');
    expect((await getAgent(alice, agent.id, 'active')).body.variation).toMatchObject({ version: 2, instructions: instructed.body.data.instructions });

    const configured = await apiShape(alice, 'PATCH', `/${agent.uid}`, {
      notification_config: {
        slack_channel_id: 'C0123456789',
        events: {
          action_taken: true,
          approval_required: true,
          outcome: true,
          error: true,
          digest: false,
        },
      },
    });
    expect(configured.status).toBe(200);
    expect(configured.body.data.notification_config).toEqual({
      slack_channel_id: 'C0123456789',
      events: { action_taken: true, approval_required: true, outcome: true, error: true, digest: false },
    });
    expect((await getAgent(alice, agent.id)).body.notificationConfig.slackChannelId).toBe('C0123456789');

    const cleared = await apiShape(alice, 'PATCH', `/${agent.uid}`, { notification_config: null });
    expect(cleared.body.data.notification_config).toBeNull();
    expect(cleared.body.data).toEqual({
      uid: agent.uid,
      organization_uid: org,
      agent_type: 'task',
      name: 'Collections Agent',
      description: null,
      instructions: instructed.body.data.instructions,
      status: 'active',
      created_by_uid: 'user:alice',
      notification_config: null,
      runs_count: 0,
      created_on: expect.any(String),
      updated_on: expect.any(String),
      triggers: [],
      tools: [],
    });
  });

  it('reads and lists in the envelope', async () => {
    const agent = await createAgent(alice, { name: 'Listed' });
    expect((await apiShape(alice, 'GET', `/${agent.uid}`)).body).toMatchObject({ status: 'success', status_code: 200, data: { uid: agent.uid, name: 'Listed', status: 'draft' } });
    const listed = await apiShape(alice, 'GET', '?page_size=100');
    expect(listed.body).toMatchObject({ status: 'success', status_code: 200, next_page_token: null });
    expect(listed.body.data.map((a: { uid: string }) => a.uid)).toContain(agent.uid);
  });

  it('answers every error in the envelope with the problem+json status: 400, 401, 404, 409, 422, 503', async () => {
    const agent = await createAgent(alice);
    const invalid = expectEnvelopeError(await apiShape(alice, 'PATCH', `/${agent.uid}`, { name: 'x'.repeat(129), colour: 'red' }), 400, 'VALIDATION_FAILED');
    expect(invalid.errors.map((e: { field: string }) => e.field).sort()).toEqual(['colour', 'name']);
    const badChannel = expectEnvelopeError(await apiShape(alice, 'PATCH', `/${agent.uid}`, { notification_config: { slack_channel_id: 'nope' } }), 400, 'VALIDATION_FAILED');
    expect(badChannel.errors[0].field).toBe('notification_config.slack_channel_id');
    expectEnvelopeError(await api('GET', `${API}/${agent.uid}`), 401, 'UNAUTHENTICATED');
    expectEnvelopeError(await apiShape(alice, 'GET', `/${randomUUID()}`), 404, 'NOT_FOUND');
    expectEnvelopeError(await apiShape(user(freshOrg(), 'alice'), 'GET', `/${agent.uid}`), 404, 'NOT_FOUND');
    await deployed(alice, agent.id);
    expectEnvelopeError(await apiShape(alice, 'PATCH', `/${agent.uid}`, { status: 'draft' }), 409, 'CONFLICT');
    const notJoined = expectEnvelopeError(await apiShape(alice, 'PATCH', `/${agent.uid}`, { notification_config: { slack_channel_id: 'CNOTMEMBER01' } }), 422, 'NOTIFICATION_CHANNEL_NOT_JOINED');
    expect(notJoined.message).toContain('/invite');
    const down = await apiShape(alice, 'PATCH', `/${agent.uid}`, { notification_config: { slack_channel_id: 'CFAIL0000001' } });
    expectEnvelopeError(down, 503, 'SLACK_UNAVAILABLE');
    expect(down.headers.get('retry-after')).toBe('5');
  });
});

describe('seed 002: every answer under /api/agents is the envelope, whatever raises it', () => {
  const org = freshOrg();
  const alice = user(org, 'alice');
  let agent: { id: number; uid: string };
  let runtimeKey: string;

  beforeAll(async () => {
    agent = await createAgent(alice);
    runtimeKey = (await createApiKey(org, 'runtime')).apiKey;
  });

  /**
   * Requests refused before any controller runs (the body parser, the router, the global guard), each
   * sent to a seed 002 path and to the same place under /api/v1; `collection` and `item` are the two paths.
   */
  const REFUSALS: [string, number, string, (collection: string, item: string, headers: Record<string, string>) => Promise<ApiResponse>][] = [
    ['malformed JSON', 400, 'MALFORMED_REQUEST', (_c, item, headers) => api('PATCH', item, { ...alice, rawBody: '{"name": ', headers })],
    ['a body over 1 MiB', 413, 'PAYLOAD_TOO_LARGE', (_c, item, headers) => api('PATCH', item, { ...alice, rawBody: JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) }), headers })],
    ['application/xml', 415, 'UNSUPPORTED_MEDIA_TYPE', (_c, item, headers) => api('PATCH', item, { ...alice, rawBody: '<agent/>', headers: { ...headers, 'content-type': 'application/xml' } })],
    ['the collection with a trailing slash', 404, 'ROUTE_NOT_FOUND', (collection, _i, headers) => api('PATCH', `${collection}/`, { ...alice, body: { name: 'x' }, headers })],
    ['an unknown sub-path', 404, 'ROUTE_NOT_FOUND', (_c, item, headers) => api('GET', `${item}/nothing-here`, { ...alice, headers })],
    ['a method no route has', 404, 'ROUTE_NOT_FOUND', (_c, item, headers) => api('PUT', item, { ...alice, body: { name: 'x' }, headers })],
    ['missing credentials', 401, 'UNAUTHENTICATED', (_c, item, headers) => api('GET', item, { headers })],
    ['a runtime key', 403, 'FORBIDDEN', (_c, item, headers) => api('GET', item, { apiKey: runtimeKey, headers })],
    ["a path segment past the router's limit", 414, 'URI_TOO_LONG', (collection, _i, headers) => api('GET', `${collection}/${'a'.repeat(5000)}`, { ...alice, headers })],
    ['a path that is not valid percent-encoding', 400, 'MALFORMED_REQUEST', (collection, _i, headers) => api('GET', `${collection}/%E0%A4%A`, { ...alice, headers })],
  ];

  it.each(REFUSALS)('%s: the envelope on /api/agents, problem+json on /api/v1, same status and request id', async (_what, status, code, send) => {
    const tag = randomUUID();
    const envelope = await send(API, `${API}/${agent.uid}`, { 'x-request-id': `envelope-${tag}` });
    expect(expectEnvelopeError(envelope, status, code).request_id).toBe(`envelope-${tag}`);

    const problem = await send(AGENTS, `${AGENTS}/${agent.id}`, { 'x-request-id': `problem-${tag}` });
    expect(expectProblem(problem, status, code).requestId).toBe(`problem-${tag}`);
    expect(problem.headers.get('x-request-id')).toBe(`problem-${tag}`);
  });

  it('keeps WWW-Authenticate on a 401 in the envelope', async () => {
    expect((await api('GET', API)).headers.get('www-authenticate')).toBe('Bearer');
  });

  it('decides by the exact prefix: /api/agents, /api/agents/… and /api/agents?… are enveloped; /api/agentsX and /API/agents are not', async () => {
    expectEnvelopeError(await api('GET', `${API}?page_size=0`, alice), 400, 'VALIDATION_FAILED');
    expectEnvelopeError(await api('GET', `${API}/?page_size=1`, alice), 404, 'ROUTE_NOT_FOUND');
    expectEnvelopeError(await api('GET', `${API}/${agent.uid}/`, alice), 404, 'ROUTE_NOT_FOUND');
    expectProblem(await api('GET', `${API}X`, alice), 404, 'ROUTE_NOT_FOUND');
    expectProblem(await api('GET', `${API}-archive/${agent.uid}`, alice), 404, 'ROUTE_NOT_FOUND');
    expectProblem(await api('GET', '/API/agents', alice), 404, 'ROUTE_NOT_FOUND');
  });
});

describe('writes go live: the three shapes agree', () => {
  const org = freshOrg();
  const alice = user(org, 'alice');

  it('publishes a live write on top of the active version and writes it into the pending draft too', async () => {
    const agent = await deployed(alice, (await createAgent(alice, { name: 'Live', instructions: 'v1 prompt', role: 'v1 role' })).id);
    await patched(alice, agent.id, { role: 'draft role' });
    const live = await apiShape(alice, 'PATCH', `/${agent.uid}`, { instructions: 'live prompt' });
    expect(live.status).toBe(200);
    const active = (await getAgent(alice, agent.id, 'active')).body;
    expect(active.variation).toMatchObject({ version: 2, instructions: 'live prompt', role: 'v1 role' });
    const draft = (await getAgent(alice, agent.id, 'draft')).body;
    expect(draft).toMatchObject({ hasUnpublishedChanges: true, variation: { state: 'draft', instructions: 'live prompt', role: 'draft role' } });
    const diff = (await api('GET', `${AGENTS}/${agent.id}/diff`, alice)).body;
    expect(diff.changes.map((c: { field: string }) => c.field)).toEqual(['role']);

    const activated = await chat(alice, 'PATCH', `/${agent.uid}`, { isActive: true });
    expect(activated.body).toMatchObject({ isActive: true, role: 'draft role', systemPrompt: 'live prompt' });
    expect((await getAgent(alice, agent.id, 'active')).body).toMatchObject({ hasUnpublishedChanges: false, draftVariationId: null, variation: { version: 3 } });
  });

  it('edits the draft of a never-deployed agent until it is activated', async () => {
    const agent = await createAgent(alice, { name: 'Drafty', instructions: 'x' });
    await chat(alice, 'PATCH', `/${agent.uid}`, { systemPrompt: 'still a draft' });
    expect((await getAgent(alice, agent.id)).body).toMatchObject({ status: 'draft', variation: { state: 'draft', instructions: 'still a draft' } });
    expect((await apiShape(alice, 'PATCH', `/${agent.uid}`, { status: 'draft' })).status).toBe(200);
    const activated = await apiShape(alice, 'PATCH', `/${agent.uid}`, { status: 'active', name: 'Drafty live' });
    expect(activated.body.data).toMatchObject({ status: 'active', name: 'Drafty live' });
    expect((await getAgent(alice, agent.id, 'active')).body.variation).toMatchObject({ version: 1, instructions: 'still a draft' });
  });

  it('shows a change made through each shape in the other two', async () => {
    const agent = await deployed(alice, (await createAgent(alice, { name: 'Shared', instructions: 'v1' })).id);
    await patched(alice, agent.id, { description: 'via v1' });
    await api('POST', `${AGENTS}/${agent.id}/deploy`, alice);
    expect((await chat(alice, 'GET', `/${agent.uid}`)).body.description).toBe('via v1');
    expect((await apiShape(alice, 'GET', `/${agent.uid}`)).body.data.description).toBe('via v1');

    await chat(alice, 'PATCH', `/${agent.uid}`, { description: 'via seed 001' });
    expect((await getAgent(alice, agent.id, 'active')).body.description).toBe('via seed 001');
    expect((await apiShape(alice, 'GET', `/${agent.uid}`)).body.data.description).toBe('via seed 001');

    await apiShape(alice, 'PATCH', `/${agent.uid}`, { description: 'via seed 002', status: 'paused' });
    expect((await getAgent(alice, agent.id, 'active')).body).toMatchObject({ description: 'via seed 002', status: 'paused' });
    expect((await chat(alice, 'GET', `/${agent.uid}`)).body).toMatchObject({ description: 'via seed 002', isActive: false });
  });

  it('honours If-Match on the live routes', async () => {
    const agent = await createAgent(alice);
    const stale = await api('PATCH', `${API}/${agent.uid}`, { ...alice, body: { name: 'Stale' }, headers: { 'if-match': '"999"' } });
    expectEnvelopeError(stale, 412, 'PRECONDITION_FAILED');
    const fresh = await api('PATCH', `${CHAT}/${agent.uid}`, { ...alice, body: { fullName: 'Fresh' }, headers: { 'if-match': agent.etag } });
    expect(fresh.status).toBe(200);
  });
});
