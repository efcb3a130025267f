import { AGENTS, freshOrg } from './support/agents';
import { withDatabase } from './support/database';
import { api, expectProblem } from './support/http';
import { auth, user } from './support/principals';
import { claim, deployedAgent, getRun, queuedRun, report, RUNS, runtimeKey } from './support/runs';

/** Issue #25: replay (SPEC §15, linked by `replayOf`) and bulk cancel (an empty filter refused), with the access of start and cancel. */
describe('replay and bulk cancel', () => {
  it("replays a run with the original's input and version unless given others (a version or an environment), linked by replayOf", async () => {
    const org = freshOrg();
    const owner = user(org, 'owner');
    const agent = await deployedAgent(owner);
    const original = await queuedRun(owner, agent.id, { input: { day: 'monday' } });
    expect(original).not.toHaveProperty('replayOf');
    const same = await api('POST', `${RUNS}/${original.id}/replay`, auth(owner));
    expect(same.status).toBe(201);
    expect(same.body).toMatchObject({ status: 'queued', agentId: agent.id, input: { day: 'monday' }, variationVersion: 1, replayOf: original.id, attempt: 1 });
    expect(same.body.id).not.toBe(original.id);
    await api('PATCH', `${AGENTS}/${agent.id}`, { ...auth(owner), body: { description: 'v2' } });
    await api('POST', `${AGENTS}/${agent.id}/deploy`, auth(owner));
    const changed = await api('POST', `${RUNS}/${original.id}/replay`, { ...auth(owner), body: { input: null, version: 2 } });
    expect(changed.body).toMatchObject({ input: null, variationVersion: 2, replayOf: original.id });
    expect((await getRun(owner, changed.body.id)).body.replayOf).toBe(original.id);
    expectProblem(await api('POST', `${RUNS}/${original.id}/replay`, { ...auth(owner), body: { version: 9 } }), 422, 'VERSION_NOT_PUBLISHED');
    // An environment instead of a version: what it runs now, recorded as a start on it would be.
    const onProduction = await api('POST', `${RUNS}/${original.id}/replay`, { ...auth(owner), body: { environment: 'production' } });
    expect(onProduction.body).toMatchObject({ input: { day: 'monday' }, variationVersion: 2, environment: 'production', routedTo: 'primary', replayOf: original.id });
    expectProblem(await api('POST', `${RUNS}/${original.id}/replay`, { ...auth(owner), body: { environment: 'production', version: 1 } }), 400, 'VALIDATION_FAILED');
    expectProblem(await api('POST', `${RUNS}/${original.id}/replay`, { ...auth(owner), body: { environment: 'nowhere' } }), 422);
    // Access as for starting: someone who cannot use the agent does not see it.
    expectProblem(await api('POST', `${RUNS}/${original.id}/replay`, auth(user(org, 'stranger'))), 404, 'NOT_FOUND');
    await api('POST', `${AGENTS}/${agent.id}/pause`, auth(owner));
    expectProblem(await api('POST', `${RUNS}/${original.id}/replay`, auth(owner)), 409, 'AGENT_PAUSED');
  });

  it('cancels the runs in the statuses named, created before a time; a user who only uses the agent cancels only their own', async () => {
    const org = freshOrg();
    const owner = user(org, 'owner');
    const member = user(org, 'member');
    const agent = await deployedAgent(owner, { accessConfig: { orgAccess: 'use', grants: [] } });
    const runtime = await runtimeKey(org);
    const old = await queuedRun(owner, agent.id);
    await withDatabase((db) => db.query(`UPDATE runs SET created_at = now() - interval '2 days' WHERE id = $1`, [old.id]));
    const mine = await queuedRun(member, agent.id);
    const running = await queuedRun(owner, agent.id);
    await withDatabase((db) => db.query(`UPDATE runs SET created_at = now() - interval '1 day' WHERE id IN ($1, $2)`, [mine.id, running.id]));
    const claimedRunning = await claim(runtime, { agentIds: [agent.id] });
    expect(claimedRunning.body.run.id).toBe(old.id);
    await report(runtime, old.id, { type: 'started' });
    const fresh = await queuedRun(owner, agent.id);
    const mineFresh = await queuedRun(member, agent.id);
    const path = `${AGENTS}/${agent.id}/runs/cancel`;

    expect(expectProblem(await api('POST', path, { ...auth(owner), body: { status: [] } }), 400, 'VALIDATION_FAILED').errors.map((e: any) => e.field)).toEqual(['status']);
    expectProblem(await api('POST', path, { ...auth(owner), body: {} }), 400, 'VALIDATION_FAILED');
    expectProblem(await api('POST', path, { ...auth(owner), body: { status: ['succeeded'] } }), 400, 'VALIDATION_FAILED');

    // Both filters: the member's older run only, neither their fresh one nor the owner's older one.
    const before = new Date(Date.now() - 60 * 60 * 1000).toISOString();
    const olderOfMember = await api('POST', path, { ...auth(member), body: { status: ['queued'], createdBefore: before } });
    expect(olderOfMember.body).toEqual({ cancelled: 1 });
    expect((await getRun(owner, mine.id)).body.status).toBe('cancelled');
    expect((await getRun(owner, mineFresh.id)).body.status).toBe('queued');
    expect((await getRun(owner, running.id)).body.status).toBe('queued');

    const byMember = await api('POST', path, { ...auth(member), body: { status: ['queued'] } });
    expect(byMember.body).toEqual({ cancelled: 1 });
    expect((await getRun(owner, mineFresh.id)).body.status).toBe('cancelled');

    const olderQueued = await api('POST', path, { ...auth(owner), body: { status: ['queued', 'awaiting_approval'], createdBefore: before } });
    expect(olderQueued.body).toEqual({ cancelled: 1 });
    expect((await getRun(owner, running.id)).body.status).toBe('cancelled');
    expect((await getRun(owner, fresh.id)).body.status).toBe('queued');
    expect((await getRun(owner, old.id)).body.status).toBe('running');
    const everything = await api('POST', path, { ...auth(owner), body: { status: ['queued', 'running', 'awaiting_approval'] } });
    expect(everything.body).toEqual({ cancelled: 2 });
    expectProblem(await report(runtime, old.id, { type: 'outcome', output: {} }), 409, 'RUN_STATE_CONFLICT');
    const events = (await getRun(owner, old.id)).body.events.map((event: any) => event.type);
    expect(events.at(-1)).toBe('cancelled');
  });
});
