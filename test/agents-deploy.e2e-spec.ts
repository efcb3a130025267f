import { withDatabase } from './support/database';
import { api, expectProblem } from './support/http';
import { tokenFor } from './support/tokens';
import { AGENTS, createAgent, deploy, deployableWorkflow, deployed, getAgent, patched, scheduleTrigger, TOOL_A } from './support/agents';
import { errorFields } from './support/errors';

/**
 * Issue #3, SPEC §5: deploy (versions, freezing, no-op, runnability, schedule), content-based
 * hasUnpublishedChanges, diff, variation history, one variation, restore and rollback.
 */

const CONTENT_FIELDS = [
  'name',
  'type',
  'description',
  'trigger',
  'agentSelection',
  'workflowStructure',
  'instructions',
  'role',
  'language',
  'specialInstructions',
  'modelId',
  'voice',
  'tools',
  'subAgents',
  'concurrency',
  'inputSchema',
  'retry',
  'budget',
];

const history = (token: string, id: number | string, query = '') => api('GET', `${AGENTS}/${id}/variations${query}`, { token });
const variation = (token: string, id: number | string, variationId: string) => api('GET', `${AGENTS}/${id}/variations/${variationId}`, { token });
const diff = (token: string, id: number | string) => api('GET', `${AGENTS}/${id}/diff`, { token });
const restore = (token: string, id: number | string, variationId: string, ifMatch?: string) =>
  api('POST', `${AGENTS}/${id}/variations/${variationId}/restore`, { token, headers: ifMatch ? { 'if-match': ifMatch } : undefined });

describe('deploy', () => {
  const token = tokenFor({ sub: 'deploy-basics' });

  it('publishes the draft as version 1: status active, the draft becomes the active variation', async () => {
    const agent = await createAgent(token, { instructions: 'Version one.' });
    const response = await deploy(token, agent.id);
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe(response.body.etag);
    expect(response.body.etag).not.toBe(agent.etag);
    expect(response.body).toMatchObject({
      status: 'active',
      activeVariationId: agent.draftVariationId,
      draftVariationId: null,
      hasUnpublishedChanges: false,
      isScheduleActive: false,
      nextRunAt: null,
      variation: { ...agent.variation, state: 'published', version: 1 },
    });
    expect((await getAgent(token, agent.id, 'active')).body).toEqual(response.body);
  });

  it('numbers versions 1, 2, 3 and supersedes the previous one', async () => {
    const agent = await createAgent(token, { instructions: 'v1' });
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      if (n > 1) await patched(token, agent.id, { instructions: `v${n}` });
      const live = await deployed(token, agent.id);
      expect(live.variation).toMatchObject({ version: n, state: 'published', instructions: `v${n}` });
      ids.push(live.activeVariationId);
    }
    expect(new Set(ids).size).toBe(3);
    const listed = await history(token, agent.id);
    expect(listed.status).toBe(200);
    expect(listed.body.variations.map((v: any) => [v.id, v.version, v.state])).toEqual([
      [ids[2], 3, 'published'],
      [ids[1], 2, 'superseded'],
      [ids[0], 1, 'superseded'],
    ]);
    expect(listed.body.nextPageToken).toBeNull();
  });

  it('freezes published variations: later edits go to a new draft', async () => {
    const agent = await createAgent(token, { instructions: 'Frozen', description: 'first' });
    const live = await deployed(token, agent.id);
    const frozenId = live.activeVariationId;
    const before = (await variation(token, agent.id, frozenId)).body;

    const edited = await patched(token, agent.id, { instructions: 'Changed', description: 'second', tools: [{ toolId: TOOL_A }] });
    expect(edited.draftVariationId).not.toBeNull();
    expect(edited.draftVariationId).not.toBe(frozenId);
    expect(edited).toMatchObject({ hasUnpublishedChanges: true, status: 'active', activeVariationId: frozenId });
    expect(edited.variation).toMatchObject({ id: edited.draftVariationId, state: 'draft', version: null, instructions: 'Changed' });

    const after = await variation(token, agent.id, frozenId);
    expect(after.body).toEqual(before);
    expect(after.body).toMatchObject({ instructions: 'Frozen', description: 'first', tools: [], state: 'published', version: 1 });
    expect((await getAgent(token, agent.id, 'active')).body.variation).toEqual(live.variation);
  });

  it('is a 200 no-op when there is nothing to publish: same etag, no new version', async () => {
    const agent = await createAgent(token);
    const live = await deployed(token, agent.id);
    const again = await deploy(token, agent.id);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(live);
    expect(again.headers.get('etag')).toBe(live.etag);

    // A draft edited back to the deployed content is nothing to publish either.
    const edited = await patched(token, agent.id, { description: 'temporary' });
    expect(edited.hasUnpublishedChanges).toBe(true);
    const reverted = await patched(token, agent.id, { description: null });
    expect(reverted.hasUnpublishedChanges).toBe(false);
    const noop = await deploy(token, agent.id);
    expect(noop.status).toBe(200);
    expect(noop.body.etag).toBe(reverted.etag);
    const versions = (await history(token, agent.id)).body.variations.filter((v: any) => v.version !== null).map((v: any) => v.version);
    expect(versions).toEqual([1]);
    expect((await getAgent(token, agent.id, 'active')).body.variation.id).toBe(live.activeVariationId);
  });

  it('refuses a task without instructions with 422 NOT_RUNNABLE, listing the problem, and publishes nothing', async () => {
    const agent = await createAgent(token, { instructions: null });
    const problem = expectProblem(await deploy(token, agent.id), 422, 'NOT_RUNNABLE');
    expect(problem.errors).toEqual([expect.objectContaining({ field: 'instructions', message: expect.any(String) })]);
    expect((await getAgent(token, agent.id)).body).toEqual(agent);

    const blank = await patched(token, agent.id, { instructions: '   \n ' });
    expect(errorFields(expectProblem(await deploy(token, agent.id), 422, 'NOT_RUNNABLE'))).toEqual(['instructions']);
    expect((await getAgent(token, agent.id)).body).toEqual(blank);

    await patched(token, agent.id, { instructions: 'Now it runs.' });
    expect((await deploy(token, agent.id)).status).toBe(200);
  });

  it('refuses a workflow without nodes with 422 NOT_RUNNABLE; a deployed agent keeps its active variation', async () => {
    const flow = await createAgent(token, deployableWorkflow({ workflowStructure: { nodes: [], edges: [] } }));
    expect(errorFields(expectProblem(await deploy(token, flow.id), 422, 'NOT_RUNNABLE'))).toEqual(['workflowStructure.nodes']);
    expect((await getAgent(token, flow.id)).body).toMatchObject({ status: 'draft', activeVariationId: null, etag: flow.etag });

    const task = await createAgent(token, { instructions: 'Runs.' });
    const live = await deployed(token, task.id);
    const broken = await patched(token, task.id, { type: 'workflow' });
    expect(errorFields(expectProblem(await deploy(token, task.id), 422, 'NOT_RUNNABLE'))).toEqual(['workflowStructure.nodes']);
    const after = await getAgent(token, task.id, 'active');
    expect(after.body.variation).toEqual(live.variation);
    expect(after.body).toMatchObject({ etag: broken.etag, hasUnpublishedChanges: true, draftVariationId: broken.draftVariationId });
  });

  it('honours If-Match: stale 412 publishes nothing, the current etag deploys', async () => {
    const agent = await createAgent(token);
    const bumped = await patched(token, agent.id, { description: 'bump' });
    expectProblem(await deploy(token, agent.id, agent.etag), 412, 'PRECONDITION_FAILED');
    expect((await getAgent(token, agent.id)).body).toEqual(bumped);
    expectProblem(await deploy(token, agent.id, `W/${bumped.etag}`), 412, 'PRECONDITION_FAILED');
    const ok = await deploy(token, agent.id, bumped.etag);
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('active');
  });

  it('is allowed by slug', async () => {
    const agent = await createAgent(token);
    expect((await deploy(token, agent.slug)).body).toMatchObject({ id: agent.id, status: 'active' });
  });
});

describe('deploy and the schedule', () => {
  const token = tokenFor({ sub: 'deploy-schedule' });

  it('the first deploy with a schedule trigger turns the schedule on with nextRunAt set', async () => {
    const agent = await createAgent(token, { trigger: scheduleTrigger('30 6 * * *', 'Asia/Tokyo') });
    expect(agent).toMatchObject({ isScheduleActive: false, nextRunAt: null });
    const before = Date.now();
    const live = await deployed(token, agent.id);
    expect(live.isScheduleActive).toBe(true);
    const next = new Date(live.nextRunAt);
    expect(next.getUTCHours()).toBe(21);
    expect(next.getUTCMinutes()).toBe(30);
    expect(next.getTime()).toBeGreaterThan(before);
    expect(next.getTime()).toBeLessThanOrEqual(before + 24 * 3600_000);
  });

  it('a later deploy that adds a schedule turns it on; one that changes the cron moves nextRunAt', async () => {
    const agent = await createAgent(token);
    expect((await deployed(token, agent.id)).isScheduleActive).toBe(false);
    await patched(token, agent.id, { trigger: scheduleTrigger('30 6 * * *', 'Asia/Tokyo') });
    const scheduled = await deployed(token, agent.id);
    expect(scheduled.isScheduleActive).toBe(true);
    expect(new Date(scheduled.nextRunAt).getUTCHours()).toBe(21);

    await patched(token, agent.id, { trigger: scheduleTrigger('15 3 * * *', 'UTC') });
    const moved = await deployed(token, agent.id);
    expect(moved.isScheduleActive).toBe(true);
    const next = new Date(moved.nextRunAt);
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([3, 15]);
  });

  it('a deploy without a schedule trigger turns the schedule off', async () => {
    const agent = await createAgent(token, { trigger: scheduleTrigger('30 6 * * *', 'Asia/Tokyo') });
    expect((await deployed(token, agent.id)).isScheduleActive).toBe(true);
    await patched(token, agent.id, { trigger: { type: 'webhook' } });
    const live = await deployed(token, agent.id);
    expect(live).toMatchObject({ isScheduleActive: false, nextRunAt: null });
  });
});

describe('hasUnpublishedChanges and diff', () => {
  const token = tokenFor({ sub: 'deploy-diff' });

  it('is always true before the first deploy, and the diff lists every field against nothing', async () => {
    const agent = await createAgent(token, { instructions: 'Hello', role: 'Greeter' });
    expect(agent.hasUnpublishedChanges).toBe(true);
    const response = await diff(token, agent.id);
    expect(response.status).toBe(200);
    expect(response.body.hasUnpublishedChanges).toBe(true);
    expect(response.body.activeVersion).toBeNull();
    expect(response.body.changes.map((c: any) => c.field)).toEqual(CONTENT_FIELDS);
    expect(response.body.changes.find((c: any) => c.field === 'instructions')).toEqual({ field: 'instructions', active: null, draft: 'Hello' });
    expect(response.body.changes.find((c: any) => c.field === 'name')).toEqual({ field: 'name', active: null, draft: agent.name });
  });

  it('compares content: editing back to the deployed content clears it; key order does not matter', async () => {
    const trigger = scheduleTrigger('0 9 * * 1-5', 'Europe/Berlin');
    const agent = await createAgent(token, { description: 'original', trigger, agentSelection: { a: 1, b: { c: 2, d: 3 } } });
    const live = await deployed(token, agent.id);
    expect(live.hasUnpublishedChanges).toBe(false);
    expect((await diff(token, agent.id)).body).toEqual({ hasUnpublishedChanges: false, activeVersion: 1, changes: [] });

    const changed = await patched(token, agent.id, { description: 'changed', tools: [{ toolId: TOOL_A }] });
    expect(changed.hasUnpublishedChanges).toBe(true);
    expect((await diff(token, agent.id)).body).toEqual({
      hasUnpublishedChanges: true,
      activeVersion: 1,
      changes: [
        { field: 'description', active: 'original', draft: 'changed' },
        { field: 'tools', active: [], draft: [{ toolId: TOOL_A }] },
      ],
    });

    const back = await patched(token, agent.id, {
      description: 'original',
      tools: [],
      trigger: { schedule: { timezone: 'Europe/Berlin', cron: '0 9 * * 1-5' }, type: 'schedule' },
      agentSelection: { b: { d: 3, c: 2 }, a: 1 },
    });
    expect(back.hasUnpublishedChanges).toBe(false);
    expect((await getAgent(token, agent.id)).body.hasUnpublishedChanges).toBe(false);
    expect((await diff(token, agent.id)).body).toEqual({ hasUnpublishedChanges: false, activeVersion: 1, changes: [] });
  });

  it('a PATCH that changes nothing on a deployed agent creates no draft', async () => {
    const agent = await createAgent(token, { role: 'Same' });
    const live = await deployed(token, agent.id);
    const same = await patched(token, agent.id, { role: 'Same' });
    expect(same).toMatchObject({ hasUnpublishedChanges: false, draftVariationId: null, activeVariationId: live.activeVariationId });
    expect(same.variation).toEqual(live.variation);
    const versions = (await history(token, agent.id)).body.variations;
    expect(versions).toHaveLength(1);
  });

  it('shows the new name in the draft view and the diff until deployed', async () => {
    const agent = await createAgent(token, { name: 'Before Rename' });
    await deployed(token, agent.id);
    await patched(token, agent.id, { name: 'After Rename' });
    expect((await getAgent(token, agent.id)).body.name).toBe('After Rename');
    expect((await getAgent(token, agent.id, 'active')).body.name).toBe('Before Rename');
    expect((await diff(token, agent.id)).body.changes).toEqual([{ field: 'name', active: 'Before Rename', draft: 'After Rename' }]);
  });
});

describe('variation history, one variation, restore', () => {
  const token = tokenFor({ sub: 'deploy-history' });
  let agent: any;
  const published: any[] = [];
  let draft: any;

  beforeAll(async () => {
    agent = await createAgent(token, { name: 'Historic', instructions: 'one', description: 'd1' });
    published.push(await deployed(token, agent.id));
    await patched(token, agent.id, { instructions: 'two', description: 'd2', tools: [{ toolId: TOOL_A }] });
    published.push(await deployed(token, agent.id));
    await patched(token, agent.id, { instructions: 'three', name: 'Historic 3' });
    published.push(await deployed(token, agent.id));
    draft = await patched(token, agent.id, { instructions: 'four (draft)' });
  });

  it('lists the history newest first, the pending draft on top', async () => {
    const listed = await history(token, agent.id);
    expect(listed.status).toBe(200);
    expect(listed.body.variations).toEqual([
      expect.objectContaining({ id: draft.draftVariationId, version: null, state: 'draft', name: 'Historic 3', type: 'task', publishedAt: null, createdBy: 'user:deploy-history' }),
      expect.objectContaining({ id: published[2].activeVariationId, version: 3, state: 'published', name: 'Historic 3', publishedAt: expect.any(String) }),
      expect.objectContaining({ id: published[1].activeVariationId, version: 2, state: 'superseded', name: 'Historic' }),
      expect.objectContaining({ id: published[0].activeVariationId, version: 1, state: 'superseded', name: 'Historic' }),
    ]);
    expect(listed.body.nextPageToken).toBeNull();
  });

  it('paginates the history with pageSize and an opaque pageToken', async () => {
    const first = await history(token, agent.id, '?pageSize=3');
    expect(first.body.variations.map((v: any) => v.version)).toEqual([null, 3, 2]);
    expect(typeof first.body.nextPageToken).toBe('string');
    const second = await history(token, agent.id, `?pageSize=3&pageToken=${encodeURIComponent(first.body.nextPageToken)}`);
    expect(second.body.variations.map((v: any) => v.version)).toEqual([1]);
    expect(second.body.nextPageToken).toBeNull();

    const exact = await history(token, agent.id, '?pageSize=2');
    const rest = await history(token, agent.id, `?pageSize=2&pageToken=${encodeURIComponent(exact.body.nextPageToken)}`);
    expect(rest.body.variations.map((v: any) => v.version)).toEqual([2, 1]);
    expect(rest.body.nextPageToken).toBeNull();

    for (const bad of ['0', '101', 'x']) expectProblem(await history(token, agent.id, `?pageSize=${bad}`), 400, 'VALIDATION_FAILED');
    expectProblem(await history(token, agent.id, '?pageToken=garbage'), 400, 'VALIDATION_FAILED');
  });

  it('keeps newest-first order and exact pages when the variation sequence crosses a power of ten', async () => {
    // Move the (global, forward-only) variation sequence to just below the next power of ten, so this
    // agent's variations straddle e.g. 999 → 1000. Only nextval is used: other suites are unaffected.
    await withDatabase(async (db) => {
      const sequence = (await db.query(`SELECT pg_get_serial_sequence('variations', 'seq') AS name`)).rows[0].name;
      const { last_value: last } = (await db.query(`SELECT last_value::bigint AS last_value FROM ${sequence}`)).rows[0];
      const boundary = 10 ** String(Number(last) + 2).length;
      await db.query(`SELECT nextval($1) FROM generate_series(1, $2::int)`, [sequence, Math.max(0, boundary - 3 - Number(last))]);
    });
    const straddling = await createAgent(token, { instructions: 's1' });
    await deployed(token, straddling.id);
    for (const n of [2, 3, 4, 5]) {
      await patched(token, straddling.id, { instructions: `s${n}` });
      await deployed(token, straddling.id);
    }
    const all = await history(token, straddling.id);
    expect(all.body.variations.map((v: any) => v.version)).toEqual([5, 4, 3, 2, 1]);
    const walked: number[] = [];
    let pageToken: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const query: string = `?pageSize=1${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`;
      const page = await history(token, straddling.id, query);
      walked.push(...page.body.variations.map((v: any) => v.version));
      pageToken = page.body.nextPageToken;
      if (pageToken === null) break;
    }
    expect(walked).toEqual([5, 4, 3, 2, 1]);
  });

  it('returns one variation whole', async () => {
    const response = await variation(token, agent.id, published[1].activeVariationId);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      ...published[1].variation,
      state: 'superseded',
      name: 'Historic',
      type: 'task',
      description: 'd2',
      createdBy: 'user:deploy-history',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      publishedAt: expect.any(String),
      // Environments (issue #24): a version's label and notes, and the version its draft began from.
      label: null,
      notes: null,
      baseVersion: 1,
    });
    expect(response.body).toMatchObject({ version: 2, instructions: 'two', tools: [{ toolId: TOOL_A }] });
    expect((await variation(token, agent.slug, draft.draftVariationId)).body).toMatchObject({ state: 'draft', version: null, instructions: 'four (draft)' });
  });

  it('is 400 for a malformed variation id and 404 for another agent\'s or an unknown one', async () => {
    expectProblem(await variation(token, agent.id, 'not-a-uuid'), 400);
    expectProblem(await variation(token, agent.id, '00000000-0000-4000-8000-000000000000'), 404, 'NOT_FOUND');
    const other = await createAgent(token);
    expectProblem(await variation(token, other.id, published[0].activeVariationId), 404, 'NOT_FOUND');
    expectProblem(await restore(token, other.id, published[0].activeVariationId), 404, 'NOT_FOUND');
    expect((await getAgent(token, other.id)).body).toEqual(other);
  });

  it('restore copies an old variation into the draft; deploy then rolls back as a new version', async () => {
    const target = await createAgent(token, { name: 'Rollback', instructions: 'r1', role: 'first' });
    const v1 = await deployed(token, target.id);
    await patched(token, target.id, { name: 'Rollback v2', instructions: 'r2', role: 'second', tools: [{ toolId: TOOL_A }] });
    const v2 = await deployed(token, target.id);

    const stale = await restore(token, target.id, v1.activeVariationId, target.etag);
    expectProblem(stale, 412, 'PRECONDITION_FAILED');
    expect((await getAgent(token, target.id)).body).toEqual(v2);

    const restored = await restore(token, target.id, v1.activeVariationId, v2.etag);
    expect(restored.status).toBe(200);
    expect(restored.headers.get('etag')).toBe(restored.body.etag);
    expect(restored.body).toMatchObject({ name: 'Rollback', hasUnpublishedChanges: true, activeVariationId: v2.activeVariationId, status: 'active' });
    expect(restored.body.draftVariationId).not.toBeNull();
    expect(restored.body.draftVariationId).not.toBe(v1.activeVariationId);
    const { id: _id, version: _version, state: _state, ...v1Content } = v1.variation;
    expect(restored.body.variation).toEqual({ ...v1Content, id: restored.body.draftVariationId, version: null, state: 'draft' });
    expect((await diff(token, target.id)).body.changes.map((c: any) => c.field)).toEqual(['name', 'instructions', 'role', 'tools']);
    // The source stays as it was.
    expect((await variation(token, target.id, v1.activeVariationId)).body).toMatchObject({ state: 'superseded', version: 1, instructions: 'r1' });

    const rolledBack = await deployed(token, target.id);
    expect(rolledBack.variation).toEqual({ ...v1Content, id: restored.body.draftVariationId, version: 3, state: 'published' });
    expect(rolledBack).toMatchObject({ name: 'Rollback', hasUnpublishedChanges: false, draftVariationId: null });
    expect((await history(token, target.id)).body.variations.map((v: any) => [v.version, v.state])).toEqual([
      [3, 'published'],
      [2, 'superseded'],
      [1, 'superseded'],
    ]);
  });

  it('restore over a pending draft replaces it; restoring the active content leaves nothing to publish', async () => {
    const target = await createAgent(token, { instructions: 'base' });
    const v1 = await deployed(token, target.id);
    const pending = await patched(token, target.id, { instructions: 'pending work' });
    const restored = await restore(token, target.id, v1.activeVariationId);
    expect(restored.status).toBe(200);
    expect(restored.body.variation.instructions).toBe('base');
    expect(restored.body.hasUnpublishedChanges).toBe(false);
    expect(restored.body.draftVariationId === null || restored.body.draftVariationId === pending.draftVariationId).toBe(true);
    const noop = await deploy(token, target.id);
    expect(noop.status).toBe(200);
    expect(noop.body.etag).toBe(restored.body.etag);
    expect((await history(token, target.id)).body.variations.filter((v: any) => v.version !== null)).toHaveLength(1);

    const untouched = await deployed(token, target.id);
    const again = await restore(token, target.id, v1.activeVariationId);
    expect(again.body).toMatchObject({ hasUnpublishedChanges: false, activeVariationId: untouched.activeVariationId });
    expect(again.body.variation.instructions).toBe('base');
  });
});
