import { AGENTS, createAgent, deploy, deployed, freshOrg, getAgent, patched, scheduleTrigger } from './support/agents';
import { withDatabase } from './support/database';
import { auditAll } from './support/events';
import { api, ApiResponse, expectProblem } from './support/http';
import { auth, Caller, user } from './support/principals';
import { claim, eventually, queuedRun, runtimeKey, startRun } from './support/runs';

/** Issue #24, SPEC §14: environments, deploy to one, promote, rollback, canaries, runs on them, diff any two, labels, validate-only. */

const envs = (who: Caller, id: number) => `${AGENTS}/${id}/environments`;
const listEnvironments = (who: Caller, id: number) => api('GET', envs(who, id), auth(who));
const getEnvironment = (who: Caller, id: number, name: string) => api('GET', `${envs(who, id)}/${name}`, auth(who));
const putEnvironment = (who: Caller, id: number, name: string, body: unknown, ifMatch?: string, query = '') =>
  api('PUT', `${envs(who, id)}/${name}${query}`, { ...auth(who), body, headers: ifMatch ? { 'if-match': ifMatch } : undefined });
const promote = (who: Caller, id: number, name: string, from: string, ifMatch?: string, query = '') =>
  api('POST', `${envs(who, id)}/${name}/promote${query}`, { ...auth(who), body: { from }, headers: ifMatch ? { 'if-match': ifMatch } : undefined });
const deleteEnvironment = (who: Caller, id: number, name: string, ifMatch?: string) =>
  api('DELETE', `${envs(who, id)}/${name}`, { ...auth(who), headers: ifMatch ? { 'if-match': ifMatch } : undefined });
const deployTo = (who: Caller, id: number, body: unknown, query = '', ifMatch?: string) =>
  api('POST', `${AGENTS}/${id}/deploy${query}`, { ...auth(who), body, headers: ifMatch ? { 'if-match': ifMatch } : undefined });

/** The environment.updated events of an agent, oldest first. */
const environmentEvents = async (who: Caller, agentId: number) => auditAll(who, { agentId: String(agentId), type: 'environment.updated', order: 'asc' });

function ok(response: ApiResponse, status = 200): any {
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** An agent with versions 1 (production) and 2 (staging), the draft still pending with version 2's content. */
async function withStaging(who: Caller): Promise<{ agent: any; v1: any; v2: any }> {
  const agent = await createAgent(who, { instructions: 'one' });
  const v1 = await deployed(who, agent.id);
  await patched(who, agent.id, { instructions: 'two' });
  const v2 = ok(await deployTo(who, agent.id, { environment: 'staging', label: 'Two', notes: 'The second.' }));
  return { agent, v1, v2 };
}

describe('environments: production, deploy, promote, rollback', () => {
  const org = freshOrg();
  const alice = user(org, 'alice');

  it('has production after the first deploy, the same as the active version, with its own ETag', async () => {
    const agent = await createAgent(alice);
    expect(ok(await listEnvironments(alice, agent.id))).toEqual({ environments: [] });
    const live = await deployed(alice, agent.id);
    const listed = ok(await listEnvironments(alice, agent.id));
    expect(listed.environments).toEqual([
      { name: 'production', version: 1, variationId: live.activeVariationId, canary: null, etag: '"env-1"', createdAt: expect.any(String), updatedAt: expect.any(String) },
    ]);
    const one = await getEnvironment(alice, agent.id, 'production');
    expect(one.headers.get('etag')).toBe('"env-1"');
    expect(one.body).toEqual(listed.environments[0]);
    expectProblem(await getEnvironment(alice, agent.id, 'staging'), 404, 'NOT_FOUND');
    const [event] = await eventually(async () => {
      const events = await environmentEvents(alice, agent.id);
      return events.length === 1 ? events : undefined;
    });
    expect(event.data).toEqual({ environment: 'production', cause: 'deploy', before: null, after: { version: 1, canary: null } });
  });

  it('deploys to staging with a label and notes: production and the active version stay, the draft stays pending', async () => {
    const { agent, v1, v2 } = await withStaging(alice);
    expect(v2).toMatchObject({ activeVariationId: v1.activeVariationId, hasUnpublishedChanges: true, variation: { version: 2, state: 'published', instructions: 'two' } });
    expect(v2.draftVariationId).not.toBeNull();
    const { environments } = ok(await listEnvironments(alice, agent.id));
    expect(environments.map((e: any) => [e.name, e.version])).toEqual([
      ['production', 1],
      ['staging', 2],
    ]);
    expect((await getAgent(alice, agent.id, 'active')).body.variation).toMatchObject({ version: 1, instructions: 'one' });
    const history = ok(await api('GET', `${AGENTS}/${agent.id}/variations`, auth(alice)));
    expect(history.variations.map((v: any) => [v.version, v.state, v.label, v.notes])).toEqual([
      [2, 'published', 'Two', 'The second.'],
      [null, 'draft', null, null],
      [1, 'published', null, null],
    ]);
    // Deploying again to staging publishes nothing new.
    const again = ok(await deployTo(alice, agent.id, { environment: 'staging' }));
    expect(again.etag).toBe(v2.etag);
  });

  it('refuses a deploy to another environment before the first deploy to production', async () => {
    const agent = await createAgent(alice);
    expectProblem(await deployTo(alice, agent.id, { environment: 'staging' }), 409, 'NOT_DEPLOYED');
    expectProblem(await deployTo(alice, agent.id, { environment: 'Not A Name' }), 400, 'VALIDATION_FAILED');
  });

  it('promotes staging to production in one call: the active version moves, with the event', async () => {
    const { agent, v2 } = await withStaging(alice);
    const staging = ok(await getEnvironment(alice, agent.id, 'staging'));
    const production = ok(await getEnvironment(alice, agent.id, 'production'));
    const promoted = await promote(alice, agent.id, 'production', 'staging', production.etag);
    expect(promoted.status).toBe(200);
    expect(promoted.headers.get('etag')).toBe(promoted.body.etag);
    expect(promoted.body).toMatchObject({ name: 'production', version: 2, variationId: staging.variationId });
    expect(promoted.body.etag).not.toBe(production.etag);
    const now = (await getAgent(alice, agent.id)).body;
    expect(now).toMatchObject({ activeVariationId: staging.variationId, hasUnpublishedChanges: false });
    expect(now.etag).not.toBe(v2.etag);
    expect((await getAgent(alice, agent.id, 'active')).body.variation).toMatchObject({ version: 2, state: 'published', instructions: 'two' });
    // The draft equals what production now runs: deploying publishes nothing.
    expect(ok(await deploy(alice, agent.id)).etag).toBe(now.etag);
    const events = await eventually(async () => {
      const all = await environmentEvents(alice, agent.id);
      return all.length === 3 ? all : undefined;
    });
    expect(events[2].data).toEqual({ environment: 'production', cause: 'promote', from: 'staging', before: { version: 1, canary: null }, after: { version: 2, canary: null } });
  });

  it('rolls production back by moving it to an older version; a stale If-Match changes nothing', async () => {
    const agent = await createAgent(alice, { instructions: 'one' });
    const v1 = await deployed(alice, agent.id);
    await patched(alice, agent.id, { instructions: 'two' });
    await deployed(alice, agent.id);
    const production = ok(await getEnvironment(alice, agent.id, 'production'));
    expectProblem(await putEnvironment(alice, agent.id, 'production', { version: 1 }, '"env-999"'), 412, 'PRECONDITION_FAILED');
    expectProblem(await putEnvironment(alice, agent.id, 'production', { version: 1 }, '"1"'), 412, 'PRECONDITION_FAILED');
    const rolledBack = await putEnvironment(alice, agent.id, 'production', { version: 1 }, production.etag);
    expect(rolledBack.status).toBe(200);
    expect(rolledBack.body).toMatchObject({ version: 1, variationId: v1.activeVariationId });
    const now = (await getAgent(alice, agent.id, 'active')).body;
    expect(now).toMatchObject({ activeVariationId: v1.activeVariationId, hasUnpublishedChanges: false, status: 'active', variation: { version: 1, instructions: 'one' } });
    // The same move again changes nothing and keeps the ETag.
    expect(ok(await putEnvironment(alice, agent.id, 'production', { version: 1 }, rolledBack.body.etag)).etag).toBe(rolledBack.body.etag);
    // Runs go to what production runs now.
    expect((await queuedRun(alice, agent.id)).variationVersion).toBe(1);
    const events = await eventually(async () => {
      const all = await environmentEvents(alice, agent.id);
      return all.length === 3 ? all : undefined;
    });
    expect(events.map((e) => [e.data.cause, e.data.before?.version ?? null, e.data.after.version])).toEqual([
      ['deploy', null, 1],
      ['deploy', 1, 2],
      ['move', 2, 1],
    ]);
  });

  it('creates (201), moves (200) and deletes (204) other environments; production is never deleted', async () => {
    const { agent } = await withStaging(alice);
    expectProblem(await putEnvironment(alice, agent.id, 'eu-pilot', { version: 1 }, '"env-1"'), 412, 'PRECONDITION_FAILED');
    const created = await putEnvironment(alice, agent.id, 'eu-pilot', { version: 1 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'eu-pilot', version: 1, etag: '"env-1"' });
    const moved = await putEnvironment(alice, agent.id, 'eu-pilot', { version: 2 }, created.body.etag);
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ version: 2, etag: '"env-2"' });
    expectProblem(await deleteEnvironment(alice, agent.id, 'production'), 409, 'CONFLICT');
    expectProblem(await deleteEnvironment(alice, agent.id, 'eu-pilot', created.body.etag), 412, 'PRECONDITION_FAILED');
    const deleted = await deleteEnvironment(alice, agent.id, 'eu-pilot', moved.body.etag);
    expect(deleted.status).toBe(204);
    expectProblem(await getEnvironment(alice, agent.id, 'eu-pilot'), 404, 'NOT_FOUND');
    expectProblem(await deleteEnvironment(alice, agent.id, 'eu-pilot'), 404, 'NOT_FOUND');
    const last = (await eventually(async () => {
      const all = await environmentEvents(alice, agent.id);
      return all.length === 5 ? all : undefined;
    }))[4];
    expect(last.data).toEqual({ environment: 'eu-pilot', cause: 'delete', before: { version: 2, canary: null }, after: null });
  });

  it('checks names, versions, canaries, the limit of 20 and access', async () => {
    const { agent } = await withStaging(alice);
    expectProblem(await putEnvironment(alice, agent.id, 'Bad_Name', { version: 1 }), 400, 'VALIDATION_FAILED');
    expectProblem(await putEnvironment(alice, agent.id, 'draft', { version: 1 }), 400, 'VALIDATION_FAILED');
    expectProblem(await putEnvironment(alice, agent.id, 'qa', { version: 9 }), 422, 'VERSION_NOT_PUBLISHED');
    expectProblem(await putEnvironment(alice, agent.id, 'qa', { version: 1, canary: { version: 1, percent: 10 } }), 422, 'UNPROCESSABLE');
    expectProblem(await putEnvironment(alice, agent.id, 'qa', { version: 1, canary: { version: 2, percent: 100 } }), 400, 'VALIDATION_FAILED');
    expectProblem(await putEnvironment(alice, agent.id, 'qa', {}), 400, 'VALIDATION_FAILED');
    expectProblem(await promote(alice, agent.id, 'qa', 'nowhere'), 404, 'NOT_FOUND');
    for (let i = 3; i <= 20; i++) expect((await putEnvironment(alice, agent.id, `env-${i}`, { version: 1 })).status).toBe(201);
    expectProblem(await putEnvironment(alice, agent.id, 'one-too-many', { version: 1 }), 409, 'CONFLICT');
    expect(ok(await listEnvironments(alice, agent.id)).environments).toHaveLength(20);

    const bob = user(org, 'bob');
    const shared = await createAgent(alice, { accessConfig: { orgAccess: 'use', grants: [] } });
    await deployed(alice, shared.id);
    expect(ok(await listEnvironments(bob, shared.id)).environments).toHaveLength(1);
    expectProblem(await putEnvironment(bob, shared.id, 'staging', { version: 1 }), 403, 'FORBIDDEN');
    expectProblem(await listEnvironments(user(freshOrg(), 'eve'), shared.id), 404, 'NOT_FOUND');
  });

  it('publishes a seed-shape live write to production', async () => {
    const agent = await createAgent(alice, { instructions: 'one' });
    await deployed(alice, agent.id);
    const written = await api('PATCH', `/api/agents/${agent.uid}`, { ...auth(alice), body: { instructions: 'live' } });
    expect(written.status).toBe(200);
    expect(ok(await getEnvironment(alice, agent.id, 'production'))).toMatchObject({ version: 2, variationId: (await getAgent(alice, agent.id, 'active')).body.activeVariationId });
  });
});

describe('environments: concurrency', () => {
  const org = freshOrg();
  const alice = user(org, 'alice');

  it('two promotes at once onto one environment with the same If-Match: one wins, the other 412', async () => {
    const { agent } = await withStaging(alice);
    const qa = ok(await putEnvironment(alice, agent.id, 'qa', { version: 1 }), 201);
    // Both move qa from version 1 to staging's 2; from production (version 1) the move would change
    // nothing, keep qa's ETag, and rightly let the other pass too.
    const [a, b] = await Promise.all([promote(alice, agent.id, 'qa', 'staging', qa.etag), promote(alice, agent.id, 'qa', 'staging', qa.etag)]);
    expect([a.status, b.status].sort()).toEqual([200, 412]);
    const winner = a.status === 200 ? a : b;
    expect(ok(await getEnvironment(alice, agent.id, 'qa'))).toMatchObject({ version: winner.body.version, etag: winner.body.etag });
  });

  it('two promotes at once without If-Match: both apply, one on top of the other', async () => {
    const { agent } = await withStaging(alice);
    const before = ok(await putEnvironment(alice, agent.id, 'qa', { version: 1 }), 201);
    const [a, b] = await Promise.all([promote(alice, agent.id, 'qa', 'staging'), promote(alice, agent.id, 'qa', 'staging')]);
    expect([a.status, b.status]).toEqual([200, 200]);
    // The second found the first's move and had nothing left to do: one revision, one event.
    expect(a.body.etag).toBe(b.body.etag);
    expect(a.body.etag).not.toBe(before.etag);
    const events = await eventually(async () => {
      const all = (await environmentEvents(alice, agent.id)).filter((e) => e.data.environment === 'qa');
      return all.length >= 2 ? all : undefined;
    });
    expect(events.map((e) => e.data.cause)).toEqual(['move', 'promote']);
  });

  it('a deploy racing a rollback never leaves production on a version that is not published', async () => {
    const agent = await createAgent(alice, { instructions: 'v1' });
    await deployed(alice, agent.id);
    for (let round = 2; round <= 6; round++) {
      await patched(alice, agent.id, { instructions: `v${round}` });
      const [deployedNow, rolledBack] = await Promise.all([deploy(alice, agent.id), putEnvironment(alice, agent.id, 'production', { version: 1 })]);
      expect(deployedNow.status).toBe(200);
      expect(rolledBack.status).toBe(200);
      const production = ok(await getEnvironment(alice, agent.id, 'production'));
      const active = (await getAgent(alice, agent.id, 'active')).body;
      expect(active.activeVariationId).toBe(production.variationId);
      expect(active.variation).toMatchObject({ version: production.version, state: 'published' });
      const shown = ok(await api('GET', `${AGENTS}/${agent.id}/variations/${production.variationId}`, auth(alice)));
      expect(shown).toMatchObject({ state: 'published', version: production.version });
    }
  });
});

describe('environments: runs and canaries', () => {
  const org = freshOrg();
  const alice = user(org, 'alice');

  it('starts runs on an environment or a version (not both), and records where they went', async () => {
    const { agent } = await withStaging(alice);
    expectProblem(await startRun(alice, agent.id, { version: 1, environment: 'staging' }), 400, 'VALIDATION_FAILED');
    expectProblem(await startRun(alice, agent.id, { environment: 'nowhere' }), 422, 'UNPROCESSABLE');
    expect(await queuedRun(alice, agent.id)).toMatchObject({ variationVersion: 1, environment: 'production', routedTo: 'primary' });
    expect(await queuedRun(alice, agent.id, { environment: 'staging' })).toMatchObject({ variationVersion: 2, environment: 'staging', routedTo: 'primary' });
    expect(await queuedRun(alice, agent.id, { version: 2 })).toMatchObject({ variationVersion: 2, environment: null, routedTo: null });
  });

  it('routes by a stable hash of the routing key, at random without; the claim carries the environment; removing the split ends it', async () => {
    const { agent } = await withStaging(alice);
    const canaried = ok(await putEnvironment(alice, agent.id, 'production', { version: 1, canary: { version: 2, percent: 50 } }));
    expect(canaried.canary).toMatchObject({ version: 2, percent: 50 });
    const sides = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const key = `customer-${i}`;
      const first = await queuedRun(alice, agent.id, { routingKey: key });
      const second = await queuedRun(alice, agent.id, { routingKey: key });
      expect(second.routedTo).toBe(first.routedTo);
      expect(first.variationVersion).toBe(first.routedTo === 'canary' ? 2 : 1);
      sides.add(first.routedTo);
    }
    expect([...sides].sort()).toEqual(['canary', 'primary']);
    const runtime = await runtimeKey(org);
    const claimed = await claim(runtime, { agentIds: [agent.id] });
    expect(claimed.status).toBe(200);
    expect(claimed.body.run).toMatchObject({ environment: 'production', routedTo: expect.stringMatching(/^(primary|canary)$/) });
    expect(claimed.body.variation.version).toBe(claimed.body.run.variationVersion);

    ok(await putEnvironment(alice, agent.id, 'production', { version: 1, canary: null }));
    for (let i = 0; i < 5; i++) expect(await queuedRun(alice, agent.id, { routingKey: `customer-${i}` })).toMatchObject({ routedTo: 'primary', variationVersion: 1 });
  });

  it('fires schedules on production: after a rollback, on the version production runs', async () => {
    const agent = await createAgent(alice, { instructions: 'one', trigger: scheduleTrigger('0 0 1 1 *', 'UTC') });
    await deployed(alice, agent.id);
    await patched(alice, agent.id, { instructions: 'two' });
    await deployed(alice, agent.id);
    ok(await putEnvironment(alice, agent.id, 'production', { version: 1 }));
    expect((await getAgent(alice, agent.id)).body).toMatchObject({ isScheduleActive: true, nextRunAt: expect.any(String) });
    await withDatabase((db) => db.query(`UPDATE agents SET next_run_at = date_trunc('minute', now()) WHERE id = $1`, [agent.id]));
    const run = await eventually(async () => ok(await api('GET', `${AGENTS}/${agent.id}/runs?trigger=schedule`, auth(alice))).runs[0]);
    expect(run).toMatchObject({ trigger: 'schedule', variationVersion: 1, environment: 'production', routedTo: 'primary' });
  });

  it('holds queued runs of every environment while the agent is paused', async () => {
    const { agent } = await withStaging(alice);
    await queuedRun(alice, agent.id, { environment: 'staging' });
    ok(await api('POST', `${AGENTS}/${agent.id}/pause`, auth(alice)));
    const runtime = await runtimeKey(org);
    expect((await claim(runtime, { agentIds: [agent.id] })).status).toBe(204);
    ok(await api('POST', `${AGENTS}/${agent.id}/resume`, auth(alice)));
    expect((await claim(runtime, { agentIds: [agent.id] })).body.run).toMatchObject({ environment: 'staging', variationVersion: 2 });
  });
});

describe('versions: diff any two, labels, the draft base', () => {
  const org = freshOrg();
  const alice = user(org, 'alice');

  it('diffs any two of a version, the draft and an environment; the default stays production to draft', async () => {
    const { agent } = await withStaging(alice);
    await patched(alice, agent.id, { role: 'Three' });
    const diff = (query: string) => api('GET', `${AGENTS}/${agent.id}/diff${query}`, auth(alice));
    expect(ok(await diff(''))).toEqual({
      hasUnpublishedChanges: true,
      activeVersion: 1,
      changes: [
        { field: 'instructions', active: 'one', draft: 'two' },
        { field: 'role', active: null, draft: 'Three' },
      ],
    });
    expect(ok(await diff('?from=1&to=2'))).toMatchObject({ from: { ref: '1', version: 1 }, to: { ref: '2', version: 2 }, changes: [{ field: 'instructions', active: 'one', draft: 'two' }] });
    expect(ok(await diff('?from=staging&to=draft')).changes).toEqual([{ field: 'role', active: null, draft: 'Three' }]);
    expect(ok(await diff('?from=staging&to=production'))).toMatchObject({ from: { ref: 'staging', version: 2 }, to: { ref: 'production', version: 1 } });
    expect(ok(await diff('?from=2&to=2')).changes).toEqual([]);
    expectProblem(await diff('?from=7'), 404, 'NOT_FOUND');
    expectProblem(await diff('?to=nowhere'), 404, 'NOT_FOUND');
    expectProblem(await diff('?from=Not%20valid'), 400, 'VALIDATION_FAILED');
  });

  it('labels a version later, content unchanged; a draft has none', async () => {
    const { agent, v1 } = await withStaging(alice);
    const path = `${AGENTS}/${agent.id}/variations/${v1.activeVariationId}`;
    const before = ok(await api('GET', path, auth(alice)));
    const labelled = ok(await api('PATCH', path, { ...auth(alice), body: { label: 'Known good', notes: 'Rolled back to this once.' } }));
    expect(labelled).toEqual({ ...before, label: 'Known good', notes: 'Rolled back to this once.', updatedAt: expect.any(String) });
    expect(ok(await api('PATCH', path, { ...auth(alice), body: { label: null } }))).toMatchObject({ label: null, notes: 'Rolled back to this once.' });
    const draftId = (await getAgent(alice, agent.id)).body.draftVariationId;
    expectProblem(await api('PATCH', `${AGENTS}/${agent.id}/variations/${draftId}`, { ...auth(alice), body: { label: 'x' } }), 409, 'CONFLICT');
    expectProblem(await api('PATCH', path, { ...auth(alice), body: { label: 'x'.repeat(101) } }), 400, 'VALIDATION_FAILED');
  });

  it('remembers the draft base and answers baseMoved when production moved since', async () => {
    const agent = await createAgent(alice, { instructions: 'one' });
    await deployed(alice, agent.id);
    await patched(alice, agent.id, { instructions: 'two' });
    const plain = ok(await deploy(alice, agent.id));
    expect(plain).not.toHaveProperty('baseMoved');
    const draft = await patched(alice, agent.id, { instructions: 'three' });
    expect(ok(await api('GET', `${AGENTS}/${agent.id}/variations/${draft.draftVariationId}`, auth(alice))).baseVersion).toBe(2);
    ok(await putEnvironment(alice, agent.id, 'production', { version: 1 }));
    const published = ok(await deploy(alice, agent.id));
    expect(published).toMatchObject({ baseMoved: true, variation: { version: 3 } });
  });
});

describe('validate only', () => {
  const org = freshOrg();
  const alice = user(org, 'alice');

  /**
   * Runs `call` with validateOnly, then the same call for real: the first answers what the second does
   * (status and body, bar what a real write stamps), the agent's and environments' ETags stayed as they
   * were between them, and once the real call's events show in the log none carries the dry call's request.
   */
  async function checkValidateOnly(agentId: number, call: (query: string) => Promise<ApiResponse>, same: (dry: any, real: any) => void) {
    const state = async () => ({
      agent: (await getAgent(alice, agentId)).body.etag,
      environments: ok(await listEnvironments(alice, agentId)).environments.map((e: any) => [e.name, e.etag]),
    });
    const before = await state();
    const dry = await call('?validateOnly=true');
    expect(await state()).toEqual(before);
    const real = await call('');
    expect(dry.status).toBe(real.status);
    same(dry.body, real.body);
    const events = await eventually(async () => {
      const all = await auditAll(alice, { agentId: String(agentId) });
      return all.some((e) => e.requestId === real.headers.get('x-request-id')) ? all : undefined;
    });
    expect(events.filter((e) => e.requestId === dry.headers.get('x-request-id'))).toEqual([]);
  }

  const fresh = { id: 0, uid: 0, slug: 0, draftVariationId: 0, createdAt: 0, updatedAt: 0 };
  const sameAgent = (dry: any, real: any) => expect({ ...dry, ...fresh, variation: { ...dry.variation, id: 0 } }).toEqual({ ...real, ...fresh, variation: { ...real.variation, id: 0 } });
  const sameWrite = (dry: any, real: any) => expect({ ...dry, updatedAt: 0 }).toEqual({ ...real, updatedAt: 0 });
  const sameEnvironment = (dry: any, real: any) => expect({ ...dry, createdAt: 0, updatedAt: 0 }).toEqual({ ...real, createdAt: 0, updatedAt: 0 });

  it('on create: 201 and the agent it would be, nothing created', async () => {
    const before = ok(await api('GET', `${AGENTS}?pageSize=100`, auth(alice))).agents.length;
    const body = { name: 'Dry run', instructions: 'Nothing.' };
    const dry = await api('POST', `${AGENTS}?validateOnly=true`, { ...auth(alice), body });
    expect(dry.status).toBe(201);
    expect(ok(await api('GET', `${AGENTS}?pageSize=100`, auth(alice))).agents.length).toBe(before);
    expectProblem(await getAgent(alice, dry.body.id), 404, 'NOT_FOUND');
    const real = await api('POST', AGENTS, { ...auth(alice), body });
    expect(real.status).toBe(201);
    sameAgent(dry.body, real.body);
    expectProblem(await api('POST', `${AGENTS}?validateOnly=true`, { ...auth(alice), body: { name: '' } }), 400, 'VALIDATION_FAILED');
    expect((await auditAll(alice, { agentId: String(dry.body.id) })).length).toBe(0);
  });

  it('on PATCH, with its checks (If-Match, access, lock-out, Slack membership)', async () => {
    const agent = await createAgent(alice);
    expectProblem(await api('PATCH', `${AGENTS}/${agent.id}?validateOnly=true`, { ...auth(alice), body: { name: 'x' }, headers: { 'if-match': '"999"' } }), 412, 'PRECONDITION_FAILED');
    expectProblem(
      await api('PATCH', `${AGENTS}/${agent.id}?validateOnly=true`, { ...user(org, 'bob', { admin: false }), body: { name: 'x' } }),
      404,
      'NOT_FOUND',
    );
    const bob = user(org, 'bob');
    const shared = await createAgent(alice, { accessConfig: { orgAccess: 'none', grants: [{ principal: 'user:bob', access: 'manage' }] } });
    expectProblem(await api('PATCH', `${AGENTS}/${shared.id}?validateOnly=true`, { ...auth(bob), body: { accessConfig: { grants: [] } } }), 422, 'ACCESS_LOCKOUT');
    expectProblem(
      await api('PATCH', `${AGENTS}/${agent.id}?validateOnly=true`, { ...auth(alice), body: { notificationConfig: { slackChannelId: 'CNOTMEMBER01' } } }),
      422,
      'NOTIFICATION_CHANNEL_NOT_JOINED',
    );
    await checkValidateOnly(agent.id, (query) => api('PATCH', `${AGENTS}/${agent.id}${query}`, { ...auth(alice), body: { description: 'Dry' }, headers: { 'if-match': agent.etag } }), sameWrite);
    await checkValidateOnly(agent.id, (query) => api('PATCH', `${AGENTS}/${agent.id}${query}`, { ...auth(alice), body: { notificationConfig: { slackChannelId: 'CMEMBER0042' } } }), sameWrite);
  });

  it('on deploy', async () => {
    const agent = await createAgent(alice);
    await checkValidateOnly(agent.id, (query) => deployTo(alice, agent.id, { label: 'First' }, query), sameWrite);
    expect(ok(await api('GET', `${AGENTS}/${agent.id}/variations`, auth(alice))).variations.map((v: any) => [v.version, v.label])).toEqual([[1, 'First']]);
  });

  it('on environment moves and promote', async () => {
    const { agent } = await withStaging(alice);
    await checkValidateOnly(agent.id, (query) => putEnvironment(alice, agent.id, 'qa', { version: 1 }, undefined, query), sameEnvironment);
    const qa = ok(await getEnvironment(alice, agent.id, 'qa'));
    expectProblem(await putEnvironment(alice, agent.id, 'qa', { version: 2 }, '"env-9"', '?validateOnly=true'), 412, 'PRECONDITION_FAILED');
    await checkValidateOnly(agent.id, (query) => promote(alice, agent.id, 'qa', 'staging', qa.etag, query), sameEnvironment);
    const production = ok(await getEnvironment(alice, agent.id, 'production'));
    await checkValidateOnly(agent.id, (query) => putEnvironment(alice, agent.id, 'production', { version: 2 }, production.etag, query), sameEnvironment);
  });
});
