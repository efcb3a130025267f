import { api, expectProblem } from './support/http';
import { ORG_A, ORG_B, tokenFor } from './support/tokens';
import {
  AGENTS,
  createAgent,
  deploy,
  deployableTask,
  deployableWorkflow,
  deployed,
  freshOrg,
  getAgent,
  patchAgent,
  patched,
  scheduleTrigger,
} from './support/agents';
import { errorFields } from './support/errors';

/**
 * Issue #3, the agent's own lifecycle: create, read (id, slug, views), list (keyset pages and
 * filters), identity (ids, uid, slug), soft delete and undelete, and the schedule toggle.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STRONG_ETAG = /^"\d+"$/;

/** The next daily tick at `hour:minute` UTC strictly after `from`. */
function nextDailyUtc(hour: number, minute: number, from: Date): Date {
  const tick = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate(), hour, minute));
  if (tick.getTime() <= from.getTime()) tick.setUTCDate(tick.getUTCDate() + 1);
  return tick;
}

/** Tokyo has no DST: 06:30 there is 21:30 UTC every day. */
const TOKYO_0630 = scheduleTrigger('30 6 * * *', 'Asia/Tokyo');

function expectTokyoTick(nextRunAt: string, before: Date, after: Date): void {
  const allowed = [nextDailyUtc(21, 30, before).toISOString(), nextDailyUtc(21, 30, after).toISOString()];
  expect(allowed).toContain(nextRunAt);
}

describe('agents: create', () => {
  const token = tokenFor({ sub: 'agents-create' });

  it('creates a draft agent with 201, the caller as owner and a draft variation holding what was sent', async () => {
    const body = {
      name: 'Daily Sales Report v2',
      type: 'task',
      description: 'Generates a daily sales report broken down by region.',
      instructions: 'You are a reporting agent.',
      role: 'Sales analyst',
      language: 'en',
      modelId: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
      voice: { enabled: true, pipelineMode: 'sts' },
      tools: [{ toolId: '8f0e1c2d-3b4a-4c5d-8e6f-7a8b9c0d1e2f', config: { region: 'eu' } }],
    };
    const created = await api('POST', AGENTS, { token, body });
    expect(created.status).toBe(201);
    const agent = created.body;
    expect(agent).toEqual({
      id: expect.any(Number),
      uid: expect.stringMatching(UUID),
      slug: expect.stringMatching(/^daily-sales-report-v2-[0-9a-f]{3}$/),
      name: 'Daily Sales Report v2',
      type: 'task',
      status: 'draft',
      orgId: ORG_A,
      description: 'Generates a daily sales report broken down by region.',
      hasUnpublishedChanges: true,
      isScheduleActive: false,
      nextRunAt: null,
      accessConfig: { owner: 'user:agents-create', orgAccess: 'none', grants: [] },
      notificationConfig: null,
      canManage: true,
      canUse: true,
      activeVariationId: null,
      draftVariationId: expect.stringMatching(UUID),
      runsCount: 0,
      variation: {
        id: agent.draftVariationId,
        version: null,
        state: 'draft',
        trigger: null,
        agentSelection: null,
        workflowStructure: { nodes: [], edges: [] },
        instructions: 'You are a reporting agent.',
        role: 'Sales analyst',
        language: 'en',
        specialInstructions: null,
        modelId: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
        voice: { enabled: true, pipelineMode: 'sts' },
        tools: [{ toolId: '8f0e1c2d-3b4a-4c5d-8e6f-7a8b9c0d1e2f', config: { region: 'eu' } }],
        subAgents: [],
        concurrency: null,
        inputSchema: null,
        retry: null,
        budget: null,
      },
      etag: expect.stringMatching(STRONG_ETAG),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      deletedAt: null,
    });
    expect(created.headers.get('etag')).toBe(agent.etag);
    expect(Number.isInteger(agent.id) && agent.id > 0).toBe(true);
    expect(new Date(agent.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('fills every unsent field with its default, trims the name and defaults the type to task', async () => {
    const created = await api('POST', AGENTS, { token, body: { name: '   Padded  Name  ' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Padded  Name', type: 'task', description: null });
    expect(created.body.slug).toMatch(/^padded-name-[0-9a-f]{3}$/);
    expect(created.body.variation).toMatchObject({
      trigger: null,
      agentSelection: null,
      workflowStructure: { nodes: [], edges: [] },
      instructions: null,
      role: null,
      language: null,
      specialInstructions: null,
      modelId: null,
      voice: { enabled: false, pipelineMode: null },
      tools: [],
      subAgents: [],
    });
  });

  it('creates workflow agents', async () => {
    const body = deployableWorkflow({ name: 'Nightly ETL' });
    const created = await api('POST', AGENTS, { token, body });
    expect(created.status).toBe(201);
    expect(created.body.type).toBe('workflow');
    expect(created.body.variation.workflowStructure).toEqual(body.workflowStructure);
  });

  it('rejects a missing name, a bad type and unknown fields with 400, naming each', async () => {
    const missing = expectProblem(await api('POST', AGENTS, { token, body: { type: 'task' } }), 400, 'VALIDATION_FAILED');
    expect(errorFields(missing)).toContain('name');

    const many = expectProblem(
      await api('POST', AGENTS, { token, body: { name: '   ', type: 'robot', colour: 'red', instructions: 42 } }),
      400,
      'VALIDATION_FAILED',
    );
    expect(errorFields(many)).toEqual(expect.arrayContaining(['name', 'type', 'colour', 'instructions']));

    expectProblem(await api('POST', AGENTS, { token, body: { name: 'x'.repeat(201) } }), 400, 'VALIDATION_FAILED');
    expectProblem(await api('POST', AGENTS, { token, body: { name: null } }), 400, 'VALIDATION_FAILED');
    const longest = await api('POST', AGENTS, { token, body: { name: 'y'.repeat(200) } });
    expect(longest.status).toBe(201);
    expect(longest.body.slug).toMatch(/^y{1,76}-[0-9a-f]{3}$/);
    expect((await getAgent(token, longest.body.slug)).body.id).toBe(longest.body.id);
  });

  it('applies the content rules on create too (schedule trigger, graph, tools) and creates nothing on failure', async () => {
    const org = freshOrg();
    const own = tokenFor({ sub: 'agents-create-rules', org });
    const bad = await api('POST', AGENTS, {
      token: own,
      body: deployableTask({ trigger: scheduleTrigger('0 9 * *', 'Europe/Berlin') }),
    });
    expect(errorFields(expectProblem(bad, 400, 'VALIDATION_FAILED'))).toContain('trigger.schedule.cron');
    const dupTools = await api('POST', AGENTS, {
      token: own,
      body: deployableTask({ tools: [{ toolId: '8f0e1c2d-3b4a-4c5d-8e6f-7a8b9c0d1e2f' }, { toolId: '8f0e1c2d-3b4a-4c5d-8e6f-7a8b9c0d1e2f' }] }),
    });
    expect(errorFields(expectProblem(dupTools, 400, 'VALIDATION_FAILED'))).toContain('tools[1].toolId');
    const foreign = await createAgent(tokenFor({ sub: 'agents-create-b', org: ORG_B }));
    const badSub = await api('POST', AGENTS, { token: own, body: deployableTask({ subAgents: [{ agentId: foreign.id }] }) });
    expect(errorFields(expectProblem(badSub, 422, 'INVALID_SUB_AGENTS'))).toEqual(['subAgents[0].agentId']);
    const listed = await api('GET', AGENTS, { token: own });
    expect(listed.body.agents).toEqual([]);

    const child = await createAgent(own);
    const parent = await api('POST', AGENTS, { token: own, body: deployableTask({ subAgents: [{ agentId: child.id }] }) });
    expect(parent.status).toBe(201);
    expect(parent.body.variation.subAgents).toEqual([{ agentId: child.id }]);
  });
});

describe('agents: get', () => {
  const token = tokenFor({ sub: 'agents-get' });

  it('finds an agent by numeric id and by slug, with the ETag header equal to the body etag', async () => {
    const agent = await createAgent(token, { name: 'Lookup Agent' });
    const byId = await getAgent(token, agent.id);
    const bySlug = await getAgent(token, agent.slug);
    expect(byId.status).toBe(200);
    expect(bySlug.status).toBe(200);
    expect(byId.body).toEqual(agent);
    expect(bySlug.body).toEqual(agent);
    expect(byId.headers.get('etag')).toBe(agent.etag);
    expect(bySlug.headers.get('etag')).toBe(agent.etag);
  });

  it('view=active is 404 before the first deploy; then draft and active views show their own content', async () => {
    const agent = await createAgent(token, { instructions: 'First version.' });
    expectProblem(await getAgent(token, agent.id, 'active'), 404, 'NOT_FOUND');
    expect((await getAgent(token, agent.id, 'draft')).body.variation.instructions).toBe('First version.');

    const live = await deployed(token, agent.id);
    // Without a pending draft the draft view shows the active content.
    const draftView = await getAgent(token, agent.id);
    expect(draftView.body.variation).toEqual(live.variation);
    expect(draftView.body.variation).toMatchObject({ state: 'published', version: 1, id: live.activeVariationId });

    await patched(token, agent.id, { instructions: 'Second version.', description: 'edited' });
    const draft = await getAgent(token, agent.id, 'draft');
    const active = await getAgent(token, agent.id, 'active');
    expect(draft.body).toMatchObject({ description: 'edited', variation: { state: 'draft', version: null, instructions: 'Second version.' } });
    expect(draft.body.variation.id).toBe(draft.body.draftVariationId);
    expect(active.body).toMatchObject({ description: null, variation: { state: 'published', version: 1, instructions: 'First version.' } });
    expect(active.body.variation.id).toBe(live.activeVariationId);
    expectProblem(await api('GET', `${AGENTS}/${agent.id}?view=both`, { token }), 400, 'VALIDATION_FAILED');
  });

  it('is 404 for unknown ids and slugs, ids out of range and other organizations', async () => {
    const agent = await createAgent(token);
    expectProblem(await getAgent(token, 2_000_000_000), 404, 'NOT_FOUND');
    expectProblem(await getAgent(token, '99999999999999999999'), 404, 'NOT_FOUND');
    expectProblem(await getAgent(token, 0), 404, 'NOT_FOUND');
    expectProblem(await getAgent(token, 'no-such-agent-fff'), 404, 'NOT_FOUND');

    const stranger = tokenFor({ sub: 'agents-get', org: ORG_B, admin: true });
    expectProblem(await getAgent(stranger, agent.id), 404, 'NOT_FOUND');
    expectProblem(await getAgent(stranger, agent.slug), 404, 'NOT_FOUND');
    expectProblem(await patchAgent(stranger, agent.id, { description: 'hijack' }), 404, 'NOT_FOUND');
    expectProblem(await deploy(stranger, agent.id), 404, 'NOT_FOUND');
    expectProblem(await api('DELETE', `${AGENTS}/${agent.id}`, { token: stranger }), 404, 'NOT_FOUND');
    expectProblem(await api('POST', `${AGENTS}/${agent.id}/toggle`, { token: stranger }), 404, 'NOT_FOUND');
    expectProblem(await api('GET', `${AGENTS}/${agent.id}/variations`, { token: stranger }), 404, 'NOT_FOUND');
    expect((await getAgent(token, agent.id)).body.description).toBeNull();
  });
});

describe('agents: identity', () => {
  const token = tokenFor({ sub: 'agents-identity' });

  it('never reuses a numeric id, gives each agent its own uid and a slug that survives renames', async () => {
    const first = await createAgent(token, { name: 'Same Name' });
    const second = await createAgent(token, { name: 'Same Name' });
    expect(second.id).toBeGreaterThan(first.id);
    expect(second.uid).not.toBe(first.uid);
    expect(first.slug).toMatch(/^same-name-[0-9a-f]{3}$/);
    expect(second.slug).toMatch(/^same-name-[0-9a-f]{3}$/);
    expect(second.slug).not.toBe(first.slug);

    const removed = await api('DELETE', `${AGENTS}/${second.id}`, { token });
    expect(removed.status).toBe(200);
    const third = await createAgent(token, { name: 'Same Name' });
    expect(third.id).toBeGreaterThan(second.id);

    const renamed = await patched(token, first.id, { name: 'Completely Different' });
    expect(renamed).toMatchObject({ name: 'Completely Different', slug: first.slug, uid: first.uid, id: first.id });
    expect((await getAgent(token, first.slug)).body.name).toBe('Completely Different');
    const live = await deployed(token, first.id);
    expect(live).toMatchObject({ slug: first.slug, uid: first.uid });
  });

  it('slugifies names with accents and symbols and falls back to "agent" without Latin letters', async () => {
    expect((await createAgent(token, { name: 'Café Crème: Über-Report!' })).slug).toMatch(/^cafe-creme-uber-report-[0-9a-f]{3}$/);
    expect((await createAgent(token, { name: '日本語' })).slug).toMatch(/^agent-[0-9a-f]{3}$/);
  });

  it('changes the strong etag on every write and keeps ETag header and body equal', async () => {
    const agent = await createAgent(token, { trigger: TOKYO_0630 });
    const seen = [agent.etag];
    const steps = [
      () => patchAgent(token, agent.id, { description: 'one' }),
      () => deploy(token, agent.id),
      () => api('POST', `${AGENTS}/${agent.id}/toggle`, { token }),
      () => api('DELETE', `${AGENTS}/${agent.id}`, { token }),
      () => api('POST', `${AGENTS}/${agent.id}/undelete`, { token }),
    ];
    for (const step of steps) {
      const response = await step();
      expect(response.status).toBe(200);
      expect(response.body.etag).toMatch(STRONG_ETAG);
      expect(response.headers.get('etag')).toBe(response.body.etag);
      expect(seen).not.toContain(response.body.etag);
      seen.push(response.body.etag);
    }
    expect((await getAgent(token, agent.id)).headers.get('etag')).toBe(seen.at(-1));
  });
});

describe('agents: list', () => {
  const org = freshOrg();
  const token = tokenFor({ sub: 'agents-list', org });
  const created: any[] = [];

  beforeAll(async () => {
    // Oldest first: Alpha (task), Beta (workflow, deployed), Gamma (task, deployed), "Growth 100% plan", Delta (deleted).
    created.push(await createAgent(token, { name: 'Alpha Report' }));
    created.push(await createAgent(token, deployableWorkflow({ name: 'Beta Pipeline' })));
    created.push(await createAgent(token, { name: 'Gamma report' }));
    created.push(await createAgent(token, { name: 'Growth 100% plan' }));
    created.push(await createAgent(token, { name: 'Delta Report' }));
    await deployed(token, created[1].id);
    await deployed(token, created[2].id);
    expect((await api('DELETE', `${AGENTS}/${created[4].id}`, { token })).status).toBe(200);
  });

  const ids = (response: any): number[] => response.body.agents.map((a: { id: number }) => a.id);
  const byIdDesc = (...indexes: number[]) => indexes.map((i) => created[i].id).sort((a, b) => b - a);

  it('lists the non-deleted agents newest first, rows without the variation payload', async () => {
    const listed = await api('GET', AGENTS, { token });
    expect(listed.status).toBe(200);
    expect(ids(listed)).toEqual(byIdDesc(0, 1, 2, 3));
    expect(listed.body.nextPageToken).toBeNull();
    for (const row of listed.body.agents) {
      expect(row).not.toHaveProperty('variation');
      expect(row).toMatchObject({ orgId: org, canUse: true, canManage: true, etag: expect.stringMatching(STRONG_ETAG) });
    }
    const beta = listed.body.agents.find((a: { id: number }) => a.id === created[1].id);
    const full = (await getAgent(token, created[1].id)).body;
    const { variation: _variation, ...withoutVariation } = full;
    expect(beta).toEqual(withoutVariation);
  });

  it('shows every timestamp as GET shows it (the page reads them as text, GET as dates)', async () => {
    const own = tokenFor({ sub: 'agents-list-times', org: freshOrg() });
    const scheduled = await createAgent(own, { name: 'Scheduled Report', trigger: TOKYO_0630 });
    await deployed(own, scheduled.id);
    const removed = await createAgent(own, { name: 'Removed Report' });
    expect((await api('DELETE', `${AGENTS}/${removed.id}`, { token: own })).status).toBe(200);
    const listed = await api('GET', `${AGENTS}?showDeleted=true`, { token: own });
    expect(listed.status).toBe(200);
    const rowOf = (id: number) => listed.body.agents.find((a: { id: number }) => a.id === id);
    for (const id of [scheduled.id, removed.id]) {
      const { variation: _variation, ...full } = (await getAgent(own, id)).body;
      expect(rowOf(id)).toEqual(full);
    }
    expect(rowOf(scheduled.id).nextRunAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
    expect(rowOf(removed.id).deletedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('walks keyset pages with an opaque pageToken until nextPageToken is null', async () => {
    const seen: number[] = [];
    let pageToken: string | null = null;
    let pages = 0;
    do {
      const query: string = `?pageSize=2${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`;
      const page = await api('GET', `${AGENTS}${query}`, { token });
      expect(page.status).toBe(200);
      expect(page.body.agents.length).toBeLessThanOrEqual(2);
      seen.push(...ids(page));
      pageToken = page.body.nextPageToken;
      if (pageToken !== null) expect(typeof pageToken).toBe('string');
      pages++;
    } while (pageToken !== null && pages < 10);
    expect(pages).toBe(2);
    expect(seen).toEqual(byIdDesc(0, 1, 2, 3));

    const withDeleted = await api('GET', `${AGENTS}?pageSize=4&showDeleted=true`, { token });
    expect(ids(withDeleted)).toEqual(byIdDesc(1, 2, 3, 4));
    const rest = await api('GET', `${AGENTS}?pageSize=4&showDeleted=true&pageToken=${encodeURIComponent(withDeleted.body.nextPageToken)}`, { token });
    expect(ids(rest)).toEqual([created[0].id]);
    expect(rest.body.nextPageToken).toBeNull();
  });

  it('keeps pages stable when an agent is created between pages', async () => {
    const own = tokenFor({ sub: 'agents-list-stable', org: freshOrg() });
    const three = [await createAgent(own), await createAgent(own), await createAgent(own)];
    const first = await api('GET', `${AGENTS}?pageSize=2`, { token: own });
    const newcomer = await createAgent(own, { name: 'Late arrival' });
    const second = await api('GET', `${AGENTS}?pageSize=2&pageToken=${encodeURIComponent(first.body.nextPageToken)}`, { token: own });
    expect([...ids(first), ...ids(second)]).toEqual(three.map((a) => a.id).reverse());
    expect(second.body.nextPageToken).toBeNull();
    expect(ids(await api('GET', `${AGENTS}?pageSize=1`, { token: own }))).toEqual([newcomer.id]);
  });

  it('validates pageSize (1–100) and pageToken', async () => {
    for (const bad of ['0', '101', '-1', 'abc', '1.5']) {
      const problem = expectProblem(await api('GET', `${AGENTS}?pageSize=${bad}`, { token }), 400, 'VALIDATION_FAILED');
      expect(errorFields(problem)).toContain('pageSize');
    }
    expect(ids(await api('GET', `${AGENTS}?pageSize=1`, { token }))).toEqual(byIdDesc(3));
    expect(ids(await api('GET', `${AGENTS}?pageSize=100`, { token }))).toEqual(byIdDesc(0, 1, 2, 3));

    const tampered = Buffer.from(JSON.stringify({ after: 'x; DROP TABLE agents' })).toString('base64url');
    for (const bad of ['not-a-token', tampered, Buffer.from('[1,2]').toString('base64url')]) {
      const problem = expectProblem(await api('GET', `${AGENTS}?pageToken=${encodeURIComponent(bad)}`, { token }), 400, 'VALIDATION_FAILED');
      expect(errorFields(problem)).toContain('pageToken');
    }
  });

  it('filters by status, type, name (q) and showDeleted', async () => {
    expect(ids(await api('GET', `${AGENTS}?status=active`, { token }))).toEqual(byIdDesc(1, 2));
    expect(ids(await api('GET', `${AGENTS}?status=draft`, { token }))).toEqual(byIdDesc(0, 3));
    expect(ids(await api('GET', `${AGENTS}?status=deleted`, { token }))).toEqual(byIdDesc(4));
    expect(ids(await api('GET', `${AGENTS}?type=workflow`, { token }))).toEqual(byIdDesc(1));
    expect(ids(await api('GET', `${AGENTS}?type=task`, { token }))).toEqual(byIdDesc(0, 2, 3));
    expect(ids(await api('GET', `${AGENTS}?type=task&status=active`, { token }))).toEqual(byIdDesc(2));
    expect(ids(await api('GET', `${AGENTS}?q=REPORT`, { token }))).toEqual(byIdDesc(0, 2));
    expect(ids(await api('GET', `${AGENTS}?q=report&showDeleted=true`, { token }))).toEqual(byIdDesc(0, 2, 4));
    expect(ids(await api('GET', `${AGENTS}?q=${encodeURIComponent('100%')}`, { token }))).toEqual(byIdDesc(3));
    expect(ids(await api('GET', `${AGENTS}?q=${encodeURIComponent('%')}`, { token }))).toEqual(byIdDesc(3));
    expect(ids(await api('GET', `${AGENTS}?q=${encodeURIComponent('_')}`, { token }))).toEqual([]);
    expect(ids(await api('GET', `${AGENTS}?showDeleted=true`, { token }))).toEqual(byIdDesc(0, 1, 2, 3, 4));
    expect(ids(await api('GET', `${AGENTS}?showDeleted=false`, { token }))).toEqual(byIdDesc(0, 1, 2, 3));

    expectProblem(await api('GET', `${AGENTS}?status=sleeping`, { token }), 400, 'VALIDATION_FAILED');
    expectProblem(await api('GET', `${AGENTS}?type=robot`, { token }), 400, 'VALIDATION_FAILED');
    expectProblem(await api('GET', `${AGENTS}?showDeleted=maybe`, { token }), 400, 'VALIDATION_FAILED');
    expectProblem(await api('GET', `${AGENTS}?colour=red`, { token }), 400, 'VALIDATION_FAILED');
  });

  it('searches the current name (a renamed draft is found under its new name)', async () => {
    await patched(token, created[0].id, { name: 'Alpha Summary' });
    try {
      expect(ids(await api('GET', `${AGENTS}?q=summary`, { token }))).toEqual(byIdDesc(0));
      expect(ids(await api('GET', `${AGENTS}?q=report`, { token }))).toEqual(byIdDesc(2));
    } finally {
      await patched(token, created[0].id, { name: 'Alpha Report' });
    }
  });

  it('defaults pageSize to 50 and never shows another organization', async () => {
    const bigOrg = freshOrg();
    const big = tokenFor({ sub: 'agents-list-big', org: bigOrg });
    const made = await Promise.all(Array.from({ length: 51 }, (_, i) => createAgent(big, { name: `Bulk ${i}` })));
    const first = await api('GET', AGENTS, { token: big });
    expect(first.body.agents).toHaveLength(50);
    const second = await api('GET', `${AGENTS}?pageToken=${encodeURIComponent(first.body.nextPageToken)}`, { token: big });
    expect(second.body.agents).toHaveLength(1);
    expect(second.body.nextPageToken).toBeNull();
    const all = [...ids(first), ...ids(second)];
    expect(all).toEqual(made.map((a) => a.id).sort((a, b) => b - a));
    expect(all).not.toContain(created[0].id);
  });
});

describe('agents: delete and undelete', () => {
  const token = tokenFor({ sub: 'agents-delete' });

  it('soft-deletes: status deleted, deletedAt set, schedule off; GET still works; every change but undelete is 409', async () => {
    const agent = await createAgent(token, { trigger: TOKYO_0630 });
    const live = await deployed(token, agent.id);
    expect(live).toMatchObject({ isScheduleActive: true, nextRunAt: expect.any(String) });

    const before = Date.now();
    const removed = await api('DELETE', `${AGENTS}/${agent.id}`, { token });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ id: agent.id, status: 'deleted', isScheduleActive: false, nextRunAt: null, activeVariationId: live.activeVariationId });
    expect(new Date(removed.body.deletedAt).getTime()).toBeGreaterThanOrEqual(before - 5_000);
    expect(removed.body.variation).toEqual(live.variation);
    expect(removed.headers.get('etag')).toBe(removed.body.etag);

    const read = await getAgent(token, agent.id);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(removed.body);
    expect((await getAgent(token, agent.id, 'active')).status).toBe(200);

    const deletedCode = async (response: Promise<any>) => expectProblem(await response, 409, 'AGENT_DELETED');
    await deletedCode(patchAgent(token, agent.id, { description: 'nope' }));
    await deletedCode(deploy(token, agent.id));
    await deletedCode(api('POST', `${AGENTS}/${agent.id}/toggle`, { token, body: { active: true } }));
    await deletedCode(api('DELETE', `${AGENTS}/${agent.id}`, { token }));
    await deletedCode(api('POST', `${AGENTS}/${agent.id}/variations/${live.activeVariationId}/restore`, { token }));
    const after = await getAgent(token, agent.id);
    expect(after.body).toEqual(removed.body);
  });

  it('undeletes a deployed agent to active and a never-deployed one to draft; undelete of a live agent is 409', async () => {
    const deployedAgent = await createAgent(token, { trigger: TOKYO_0630 });
    await deployed(token, deployedAgent.id);
    await patched(token, deployedAgent.id, { description: 'pending edit' });
    await api('DELETE', `${AGENTS}/${deployedAgent.id}`, { token });
    const back = await api('POST', `${AGENTS}/${deployedAgent.id}/undelete`, { token });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ status: 'active', deletedAt: null, isScheduleActive: false, nextRunAt: null, hasUnpublishedChanges: true, description: 'pending edit' });
    expect(back.headers.get('etag')).toBe(back.body.etag);

    const draftAgent = await createAgent(token);
    await api('DELETE', `${AGENTS}/${draftAgent.slug}`, { token });
    const draftBack = await api('POST', `${AGENTS}/${draftAgent.slug}/undelete`, { token });
    expect(draftBack.status).toBe(200);
    expect(draftBack.body).toMatchObject({ status: 'draft', deletedAt: null, activeVariationId: null });

    const etag = draftBack.body.etag;
    expectProblem(await api('POST', `${AGENTS}/${draftAgent.id}/undelete`, { token }), 409);
    expect((await getAgent(token, draftAgent.id)).body.etag).toBe(etag);
    // Once back, it can be changed again.
    expect((await patchAgent(token, draftAgent.id, { description: 'alive' })).status).toBe(200);
  });

  it('honours If-Match on delete and undelete', async () => {
    const agent = await createAgent(token);
    const stale = await patched(token, agent.id, { description: 'bump' });
    expectProblem(await api('DELETE', `${AGENTS}/${agent.id}`, { token, headers: { 'if-match': agent.etag } }), 412, 'PRECONDITION_FAILED');
    expect((await getAgent(token, agent.id)).body).toMatchObject({ status: 'draft', deletedAt: null, etag: stale.etag });

    const removed = await api('DELETE', `${AGENTS}/${agent.id}`, { token, headers: { 'if-match': stale.etag } });
    expect(removed.status).toBe(200);
    expectProblem(await api('POST', `${AGENTS}/${agent.id}/undelete`, { token, headers: { 'if-match': stale.etag } }), 412, 'PRECONDITION_FAILED');
    expect((await getAgent(token, agent.id)).body.status).toBe('deleted');
    const back = await api('POST', `${AGENTS}/${agent.id}/undelete`, { token, headers: { 'if-match': removed.body.etag } });
    expect(back.status).toBe(200);
    expect(back.body.status).toBe('draft');
  });
});

describe('agents: schedule toggle', () => {
  const token = tokenFor({ sub: 'agents-toggle' });
  const toggle = (id: number | string, body?: unknown, ifMatch?: string) =>
    api('POST', `${AGENTS}/${id}/toggle`, { token, body, headers: ifMatch ? { 'if-match': ifMatch } : undefined });

  it('is 409 SCHEDULE_TRIGGER_MISSING when nothing is deployed or the deployed variation has no schedule', async () => {
    const neverDeployed = await createAgent(token, { trigger: TOKYO_0630 });
    expectProblem(await toggle(neverDeployed.id), 409, 'SCHEDULE_TRIGGER_MISSING');
    expectProblem(await toggle(neverDeployed.id, { active: true }), 409, 'SCHEDULE_TRIGGER_MISSING');

    const unscheduled = await createAgent(token, { trigger: { type: 'webhook', path: '/hooks/x' } });
    await deployed(token, unscheduled.id);
    // A schedule only in the draft does not count: the deployed variation is what runs.
    await patched(token, unscheduled.id, { trigger: TOKYO_0630 });
    const before = await getAgent(token, unscheduled.id);
    expectProblem(await toggle(unscheduled.id), 409, 'SCHEDULE_TRIGGER_MISSING');
    const after = await getAgent(token, unscheduled.id);
    expect(after.body).toMatchObject({ isScheduleActive: false, nextRunAt: null, etag: before.body.etag });

    // Turning it off is always possible.
    const off = await toggle(unscheduled.id, { active: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ isScheduleActive: false, nextRunAt: null });
  });

  it('flips the schedule, or sets it with {"active": bool}, computing nextRunAt from the deployed cron', async () => {
    const agent = await createAgent(token, { trigger: TOKYO_0630 });
    const before = new Date();
    const live = await deployed(token, agent.id);
    expect(live.isScheduleActive).toBe(true);
    expectTokyoTick(live.nextRunAt, before, new Date());

    const off = await toggle(agent.id);
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ isScheduleActive: false, nextRunAt: null });
    expect(off.headers.get('etag')).toBe(off.body.etag);

    const t0 = new Date();
    const on = await toggle(agent.slug);
    expect(on.status).toBe(200);
    expect(on.body.isScheduleActive).toBe(true);
    expectTokyoTick(on.body.nextRunAt, t0, new Date());

    const stillOn = await toggle(agent.id, { active: true });
    expect(stillOn.body.isScheduleActive).toBe(true);
    expectTokyoTick(stillOn.body.nextRunAt, t0, new Date());

    const setOff = await toggle(agent.id, { active: false });
    expect(setOff.body).toMatchObject({ isScheduleActive: false, nextRunAt: null });
    const stillOff = await toggle(agent.id, { active: false });
    expect(stillOff.body).toMatchObject({ isScheduleActive: false, nextRunAt: null });
    expect((await getAgent(token, agent.id)).body).toMatchObject({ isScheduleActive: false, nextRunAt: null });
  });

  it('computes nextRunAt in the trigger time zone (weekday 09:00 Berlin)', async () => {
    const agent = await createAgent(token, { trigger: scheduleTrigger('0 9 * * 1-5', 'Europe/Berlin') });
    const live = await deployed(token, agent.id);
    const next = new Date(live.nextRunAt);
    expect(next.getTime()).toBeGreaterThan(Date.now() - 5_000);
    expect(next.getTime()).toBeLessThan(Date.now() + 4 * 24 * 3600_000);
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(next);
    expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
  });

  it('validates the body and honours If-Match', async () => {
    const agent = await createAgent(token, { trigger: TOKYO_0630 });
    const live = await deployed(token, agent.id);
    expect(errorFields(expectProblem(await toggle(agent.id, { active: 'yes' }), 400, 'VALIDATION_FAILED'))).toContain('active');
    expect(errorFields(expectProblem(await toggle(agent.id, { enabled: true }), 400, 'VALIDATION_FAILED'))).toContain('enabled');
    expectProblem(await toggle(agent.id, { active: null }), 400, 'VALIDATION_FAILED');

    expectProblem(await toggle(agent.id, undefined, '"0"'), 412, 'PRECONDITION_FAILED');
    expect((await getAgent(token, agent.id)).body).toMatchObject({ isScheduleActive: true, etag: live.etag });
    const ok = await toggle(agent.id, undefined, live.etag);
    expect(ok.status).toBe(200);
    expect(ok.body.isScheduleActive).toBe(false);
  });
});
