import { randomUUID } from 'node:crypto';
import { AGENTS, deploy, deployableWorkflow, freshOrg, getAgent, patched } from './support/agents';
import { api, expectProblem } from './support/http';
import { user } from './support/principals';
import { claim, deployedAgent, getRun, heartbeat, queuedRun, report, RUNS, runtimeKey, startRun } from './support/runs';

/** Issue #10: runs, the runtime contract, approvals, cancel, pause and draft discard, over real HTTP. */

describe('runs: starting and reading', () => {
  const org = freshOrg();
  const alice = user(org, 'alice');
  const bob = user(org, 'bob');

  it('queues a run pinned to the active version and counts it on the agent', async () => {
    const agent = await deployedAgent(alice);
    const started = await startRun(alice, agent.id, { input: { region: 'EMEA' } });
    expect(started.status).toBe(201);
    expect(started.body).toEqual({
      id: expect.any(String),
      agentId: agent.id,
      variationId: agent.activeVariationId,
      variationVersion: 1,
      environment: 'production',
      routedTo: 'primary',
      status: 'queued',
      trigger: 'manual',
      scheduledFor: null,
      input: { region: 'EMEA' },
      output: null,
      error: null,
      approval: null,
      attempt: 1,
      createdBy: 'user:alice',
      createdAt: expect.any(String),
      claimedAt: null,
      startedAt: null,
      finishedAt: null,
      usage: null,
    });
    await queuedRun(alice, agent.slug);
    expect((await getAgent(alice, agent.id)).body.runsCount).toBe(2);
  });

  it('pins a requested published version, and refuses one that was never published', async () => {
    const agent = await deployedAgent(alice);
    await patched(alice, agent.id, { instructions: 'Version two.' });
    await deploy(alice, agent.id);
    expect((await queuedRun(alice, agent.id)).variationVersion).toBe(2);
    const older = await queuedRun(alice, agent.id, { version: 1 });
    expect(older).toMatchObject({ variationVersion: 1, variationId: agent.activeVariationId });
    expectProblem(await startRun(alice, agent.id, { version: 3 }), 422, 'VERSION_NOT_PUBLISHED');
    expectProblem(await startRun(alice, agent.id, { version: 0 }), 400, 'VALIDATION_FAILED');
  });

  it('refuses never deployed, paused and deleted agents with distinct 409 codes', async () => {
    const draft = await api('POST', AGENTS, { ...alice, body: { name: 'Never deployed', instructions: 'x' } });
    expectProblem(await startRun(alice, draft.body.id), 409, 'NOT_DEPLOYED');
    const paused = await deployedAgent(alice);
    expect((await api('POST', `${AGENTS}/${paused.id}/pause`, alice)).status).toBe(200);
    expectProblem(await startRun(alice, paused.id), 409, 'AGENT_PAUSED');
    const deleted = await deployedAgent(alice);
    expect((await api('DELETE', `${AGENTS}/${deleted.id}`, alice)).status).toBe(200);
    expectProblem(await startRun(alice, deleted.id), 409, 'AGENT_DELETED');
  });

  it('caps input at 256 KiB (400) under the 1 MiB body limit (413)', async () => {
    const agent = await deployedAgent(alice);
    expectProblem(await startRun(alice, agent.id, { input: 'x'.repeat(300 * 1024) }), 400, 'VALIDATION_FAILED');
    expectProblem(await startRun(alice, agent.id, { input: 'x'.repeat(1100 * 1024) }), 413);
    expect((await startRun(alice, agent.id, { input: 'x'.repeat(200 * 1024) })).status).toBe(201);
  });

  it('lists runs newest first in keyset pages with filters, rows without events', async () => {
    const agent = await deployedAgent(alice);
    const runtime = await runtimeKey(org);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await queuedRun(alice, agent.id, { input: i })).id);
    const first = await claim(runtime, { agentIds: [agent.id] });
    await report(runtime, first.body.run.id, { type: 'started' });
    await report(runtime, first.body.run.id, { type: 'outcome', output: 'done' });

    const page1 = await api('GET', `${AGENTS}/${agent.id}/runs?pageSize=2`, alice);
    expect(page1.body.runs.map((r: { id: string }) => r.id)).toEqual([ids[4], ids[3]]);
    expect(page1.body.runs[0]).not.toHaveProperty('events');
    const page2 = await api('GET', `${AGENTS}/${agent.id}/runs?pageSize=2&pageToken=${page1.body.nextPageToken}`, alice);
    expect(page2.body.runs.map((r: { id: string }) => r.id)).toEqual([ids[2], ids[1]]);
    const page3 = await api('GET', `${AGENTS}/${agent.id}/runs?pageSize=2&pageToken=${page2.body.nextPageToken}`, alice);
    expect(page3.body).toEqual({ runs: [expect.objectContaining({ id: ids[0] })], nextPageToken: null });

    const succeeded = await api('GET', `${AGENTS}/${agent.id}/runs?status=succeeded`, alice);
    expect(succeeded.body.runs.map((r: { id: string }) => r.id)).toEqual([first.body.run.id]);
    expect((await api('GET', `${AGENTS}/${agent.id}/runs?trigger=schedule`, alice)).body.runs).toEqual([]);
    const later = new Date(Date.now() + 60_000).toISOString();
    expect((await api('GET', `${AGENTS}/${agent.id}/runs?createdAfter=${later}`, alice)).body.runs).toEqual([]);
    expect((await api('GET', `${AGENTS}/${agent.id}/runs?createdBefore=${later}`, alice)).body.runs).toHaveLength(5);
    expectProblem(await api('GET', `${AGENTS}/${agent.id}/runs?status=done`, alice), 400, 'VALIDATION_FAILED');
    expectProblem(await api('GET', `${AGENTS}/${agent.id}/runs?createdAfter=yesterday`, alice), 400, 'VALIDATION_FAILED');
  });

  it('shows a run with its events to whoever can use its agent, and to nobody else', async () => {
    const agent = await deployedAgent(alice);
    const run = await queuedRun(alice, agent.id);
    await report(alice, run.id, { type: 'started' });
    await report(alice, run.id, { type: 'action_taken', message: 'Read the CRM.', data: { rows: 3 } });
    const shown = await getRun(alice, run.id);
    expect(shown.status).toBe(200);
    expect(shown.body.events).toEqual([
      { seq: 1, type: 'started', message: null, data: null, at: expect.any(String) },
      { seq: 2, type: 'action_taken', message: 'Read the CRM.', data: { rows: 3 }, at: expect.any(String) },
    ]);
    expectProblem(await getRun(bob, run.id), 404, 'NOT_FOUND');
    expectProblem(await api('GET', `${AGENTS}/${agent.id}/runs`, bob), 404);
    expectProblem(await getRun(user(freshOrg(), 'alice', { admin: true }), run.id), 404, 'NOT_FOUND');
    expectProblem(await getRun(alice, randomUUID()), 404, 'NOT_FOUND');
    expectProblem(await getRun(alice, 'not-a-uuid'), 400);
  });
});

describe('runs: the runtime contract', () => {
  const org = freshOrg();
  const alice = user(org, 'alice', { admin: true });
  const member = user(org, 'mia');
  let runtime: { apiKey: string };

  beforeAll(async () => {
    runtime = await runtimeKey(org);
  });

  it('lets a runtime key claim and report, and nothing else (403)', async () => {
    const agent = await deployedAgent(alice);
    const run = await queuedRun(alice, agent.id);
    for (const [method, path] of [
      ['GET', AGENTS],
      ['POST', `${AGENTS}/${agent.id}/runs`],
      ['GET', `${RUNS}/${run.id}`],
      ['POST', `${RUNS}/${run.id}/cancel`],
      ['GET', '/api/v1/api-keys'],
    ]) {
      expectProblem(await api(method, path, { ...runtime, body: method === 'POST' ? {} : undefined }), 403, 'FORBIDDEN');
    }
    expectProblem(await claim(member), 403, 'FORBIDDEN');
    expect((await claim(runtime, { agentIds: [agent.id] })).status).toBe(200);
  });

  it('hands each queued run to exactly one of ten parallel claimants', async () => {
    const agent = await deployedAgent(alice);
    const queued = new Set<string>();
    for (let i = 0; i < 5; i++) queued.add((await queuedRun(alice, agent.id)).id);
    const claims = await Promise.all(Array.from({ length: 10 }, () => claim(runtime, { agentIds: [agent.id], waitSeconds: 1 })));
    const won = claims.filter((c) => c.status === 200).map((c) => c.body.run.id);
    expect(claims.filter((c) => c.status === 204)).toHaveLength(5);
    expect(new Set(won)).toEqual(queued);
    expect(won).toHaveLength(5);
  });

  it('answers a claim with the run, its agent, the pinned variation and the lease', async () => {
    const agent = await deployedAgent(alice, { name: 'Claimable', instructions: 'Do the thing.' });
    const run = await queuedRun(alice, agent.id, { input: { n: 1 } });
    const claimed = await claim(runtime, { agentIds: [agent.id], types: ['task'] });
    expect(claimed.status).toBe(200);
    expect(claimed.body).toEqual({
      run: expect.objectContaining({ id: run.id, status: 'queued', input: { n: 1 }, claimedAt: expect.any(String) }),
      agent: { id: agent.id, uid: agent.uid, name: 'Claimable', type: 'task' },
      variation: expect.objectContaining({ id: agent.activeVariationId, version: 1, name: 'Claimable', instructions: 'Do the thing.' }),
      lease: { expiresAt: expect.any(String) },
      // The suite's service does not trace (tracing.e2e-spec.ts: the run's trace when it does).
      traceparent: null,
    });
    expect((await claim(runtime, { agentIds: [agent.id] })).status).toBe(204);
    const task = await deployedAgent(alice);
    await queuedRun(alice, task.id);
    expect((await claim(runtime, { agentIds: [task.id], types: ['workflow'] })).status).toBe(204);
  });

  it('claims by type alone, by agent alone, by both, or by neither (each shape of filter is its own statement)', async () => {
    const own = freshOrg();
    const owner = user(own, 'filters-owner');
    const key = await runtimeKey(own);
    const task = await deployedAgent(owner, { name: 'Filtered task' });
    const workflow = await deployedAgent(owner, deployableWorkflow({ name: 'Filtered workflow' }));
    const [taskRun, workflowRun, secondTaskRun, lastRun] = [
      await queuedRun(owner, task.id),
      await queuedRun(owner, workflow.id),
      await queuedRun(owner, task.id),
      await queuedRun(owner, workflow.id),
    ];
    const claimedRun = async (body: unknown) => {
      const claimed = await claim(key, body);
      expect(claimed.status).toBe(200);
      return claimed.body.run.id;
    };
    expect(await claimedRun({ types: ['workflow'] })).toBe(workflowRun.id);
    expect(await claimedRun({ agentIds: [task.id] })).toBe(taskRun.id);
    expect((await claim(key, { agentIds: [task.id], types: ['workflow'] })).status).toBe(204);
    expect(await claimedRun({ agentIds: [task.id, workflow.id], types: ['task'] })).toBe(secondTaskRun.id);
    expect(await claimedRun({})).toBe(lastRun.id);
    expect((await claim(key, {})).status).toBe(204);
  });

  it('wakes a waiting claim as soon as a run is queued, without waiting out its wait', async () => {
    const agent = await deployedAgent(alice);
    const began = Date.now();
    const waiting = claim(runtime, { agentIds: [agent.id], waitSeconds: 20 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const run = await queuedRun(alice, agent.id);
    const claimed = await waiting;
    expect(claimed.status).toBe(200);
    expect(claimed.body.run.id).toBe(run.id);
    expect(Date.now() - began).toBeLessThan(10_000);
  });

  it('holds the queued runs of a paused agent until it resumes', async () => {
    const agent = await deployedAgent(alice);
    const run = await queuedRun(alice, agent.id);
    expect((await api('POST', `${AGENTS}/${agent.id}/pause`, alice)).status).toBe(200);
    expect((await claim(runtime, { agentIds: [agent.id] })).status).toBe(204);
    expect((await api('POST', `${AGENTS}/${agent.id}/resume`, alice)).status).toBe(200);
    const claimed = await claim(runtime, { agentIds: [agent.id] });
    expect(claimed.body.run.id).toBe(run.id);
  });

  it('moves a run through the status machine and refuses other moves with 409 naming the status', async () => {
    const agent = await deployedAgent(alice);
    const run = await queuedRun(alice, agent.id, { input: 'hello' });
    expectProblem(await report(runtime, run.id, { type: 'started' }), 409, 'RUN_STATE_CONFLICT');
    await claim(runtime, { agentIds: [agent.id] });
    expect(expectProblem(await report(runtime, run.id, { type: 'outcome', output: 1 }), 409, 'RUN_STATE_CONFLICT').detail).toContain('queued');
    expect((await report(runtime, run.id, { type: 'started' })).body.status).toBe('running');
    expect((await report(runtime, run.id, { type: 'action_taken', message: 'step' })).body.status).toBe('running');
    expect((await heartbeat(runtime, run.id)).status).toBe(200);
    expectProblem(await report(runtime, run.id, { type: 'outcome' }), 400, 'VALIDATION_FAILED');
    expectProblem(await report(runtime, run.id, { type: 'error' }), 400, 'VALIDATION_FAILED');
    const done = await report(runtime, run.id, { type: 'outcome', output: { echo: 'hello' } });
    expect(done.body).toMatchObject({ status: 'succeeded', output: { echo: 'hello' }, finishedAt: expect.any(String) });
    expect(expectProblem(await report(runtime, run.id, { type: 'started' }), 409, 'RUN_STATE_CONFLICT').detail).toContain('succeeded');
    expectProblem(await heartbeat(runtime, run.id), 409, 'RUN_STATE_CONFLICT');
    expectProblem(await report(runtime, run.id, { type: 'paused' }), 400, 'VALIDATION_FAILED');

    const failing = await queuedRun(alice, agent.id);
    await claim(runtime, { agentIds: [agent.id] });
    const failed = await report(runtime, failing.id, { type: 'error', error: { code: 'crm_down', message: 'The CRM did not answer.' } });
    expect(failed.body).toMatchObject({ status: 'failed', error: { code: 'crm_down', message: 'The CRM did not answer.' } });
  });

  it('lets only the runtime holding a run report on it', async () => {
    const other = await runtimeKey(org);
    const agent = await deployedAgent(alice);
    const run = await queuedRun(alice, agent.id);
    await claim(runtime, { agentIds: [agent.id] });
    expectProblem(await report(other, run.id, { type: 'started' }), 409, 'RUN_STATE_CONFLICT');
    expectProblem(await heartbeat(other, run.id), 409, 'RUN_STATE_CONFLICT');
    expect((await report(runtime, run.id, { type: 'started' })).status).toBe(200);
    expectProblem(await report(runtime, randomUUID(), { type: 'started' }), 404, 'NOT_FOUND');
  });

  it('lets exactly one of two conflicting reports win, every time', async () => {
    for (let round = 0; round < 5; round++) {
      const agent = await deployedAgent(alice);
      const twice = await queuedRun(alice, agent.id);
      await claim(runtime, { agentIds: [agent.id] });
      await report(runtime, twice.id, { type: 'started' });
      const outcomes = await Promise.all([report(runtime, twice.id, { type: 'outcome', output: 1 }), report(runtime, twice.id, { type: 'outcome', output: 2 })]);
      expect(outcomes.map((r) => r.status).sort()).toEqual([200, 409]);

      const raced = await queuedRun(alice, agent.id);
      await claim(runtime, { agentIds: [agent.id] });
      await report(runtime, raced.id, { type: 'started' });
      const [outcome, cancel] = await Promise.all([report(runtime, raced.id, { type: 'outcome', output: 1 }), api('POST', `${RUNS}/${raced.id}/cancel`, alice)]);
      expect([outcome.status, cancel.status].sort()).toEqual([200, 409]);
      const final = (await getRun(alice, raced.id)).body.status;
      expect(final).toBe(outcome.status === 200 ? 'succeeded' : 'cancelled');
    }
  });
});

describe('runs: approvals and cancel', () => {
  const org = freshOrg();
  const owner = user(org, 'owner');
  const manager = user(org, 'manager');
  const viewer = user(org, 'viewer');
  let runtime: { apiKey: string };
  let agent: any;

  beforeAll(async () => {
    runtime = await runtimeKey(org);
    agent = await deployedAgent(owner, {
      accessConfig: { grants: [{ principal: 'user:manager', access: 'manage' }, { principal: 'user:viewer', access: 'use' }] },
    });
  });

  async function awaitingApproval(): Promise<string> {
    const run = await queuedRun(owner, agent.id);
    await claim(runtime, { agentIds: [agent.id] });
    await report(runtime, run.id, { type: 'started' });
    const asked = await report(runtime, run.id, { type: 'approval_required', message: 'Email 1,200 customers?', data: { recipients: 1200 } });
    expect(asked.body).toMatchObject({
      status: 'awaiting_approval',
      approval: { state: 'pending', message: 'Email 1,200 customers?', data: { recipients: 1200 }, decidedBy: null, decidedAt: null, comment: null },
    });
    return run.id;
  }

  it('re-queues an approved run with the decision, and the next claim carries it', async () => {
    const runId = await awaitingApproval();
    expectProblem(await api('POST', `${RUNS}/${runId}/approve`, viewer), 403, 'FORBIDDEN');
    const approved = await api('POST', `${RUNS}/${runId}/approve`, { ...manager, body: { comment: 'Go ahead.' } });
    expect(approved.body).toMatchObject({
      status: 'queued',
      approval: { state: 'approved', message: 'Email 1,200 customers?', decidedBy: 'user:manager', decidedAt: expect.any(String), comment: 'Go ahead.' },
    });
    expectProblem(await api('POST', `${RUNS}/${runId}/approve`, manager), 409, 'RUN_STATE_CONFLICT');
    const again = await claim(runtime, { agentIds: [agent.id] });
    expect(again.body.run).toMatchObject({ id: runId, approval: { state: 'approved' } });
    expect((await report(runtime, runId, { type: 'started' })).body.status).toBe('running');
    expect((await getRun(owner, runId)).body.events.map((e: { type: string }) => e.type)).toEqual(['started', 'approval_required', 'approved', 'started']);
  });

  it('re-queues a rejected run with the decision too', async () => {
    const runId = await awaitingApproval();
    const rejected = await api('POST', `${RUNS}/${runId}/reject`, { ...owner, body: {} });
    expect(rejected.body).toMatchObject({ status: 'queued', approval: { state: 'rejected', decidedBy: 'user:owner', comment: null } });
    expectProblem(await api('POST', `${RUNS}/${runId}/reject`, owner), 409, 'RUN_STATE_CONFLICT');
  });

  it('lets the creator or a manager cancel, and tells the runtime with a 409', async () => {
    const byViewer = await queuedRun(viewer, agent.id);
    const byOwner = await queuedRun(owner, agent.id);
    expectProblem(await api('POST', `${RUNS}/${byOwner.id}/cancel`, viewer), 403, 'FORBIDDEN');
    expect((await api('POST', `${RUNS}/${byViewer.id}/cancel`, viewer)).body.status).toBe('cancelled');
    await claim(runtime, { agentIds: [agent.id] });
    await report(runtime, byOwner.id, { type: 'started' });
    const cancelled = await api('POST', `${RUNS}/${byOwner.id}/cancel`, manager);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', finishedAt: expect.any(String) });
    expectProblem(await report(runtime, byOwner.id, { type: 'action_taken' }), 409, 'RUN_STATE_CONFLICT');
    expectProblem(await heartbeat(runtime, byOwner.id), 409, 'RUN_STATE_CONFLICT');
    expectProblem(await api('POST', `${RUNS}/${byOwner.id}/cancel`, owner), 409, 'RUN_STATE_CONFLICT');
    const awaiting = await awaitingApproval();
    expect((await api('POST', `${RUNS}/${awaiting}/cancel`, owner)).body.status).toBe('cancelled');
  });
});

describe('agents: pause, resume and discarding the draft', () => {
  const org = freshOrg();
  const alice = user(org, 'alice');

  it('pauses and resumes a deployed agent, shown and filtered as paused, If-Match honoured', async () => {
    const agent = await deployedAgent(alice);
    expectProblem(await api('POST', `${AGENTS}/${agent.id}/pause`, { ...alice, headers: { 'if-match': '"1"' } }), 412, 'PRECONDITION_FAILED');
    const paused = await api('POST', `${AGENTS}/${agent.id}/pause`, { ...alice, headers: { 'if-match': agent.etag } });
    expect(paused.body).toMatchObject({ status: 'paused', nextRunAt: null });
    expect((await api('GET', `${AGENTS}?status=paused`, alice)).body.agents.map((a: { id: number }) => a.id)).toEqual([agent.id]);
    expect((await api('POST', `${AGENTS}/${agent.id}/pause`, alice)).body.etag).toBe(paused.body.etag);
    await patched(alice, agent.id, { instructions: 'New version while paused.' });
    const redeployed = await deploy(alice, agent.id);
    expect(redeployed.body).toMatchObject({ status: 'paused', variation: { version: 2 } });
    const resumed = await api('POST', `${AGENTS}/${agent.id}/resume`, alice);
    expect(resumed.body.status).toBe('active');
    const never = await api('POST', AGENTS, { ...alice, body: { name: 'Draft only', instructions: 'x' } });
    expectProblem(await api('POST', `${AGENTS}/${never.body.id}/pause`, alice), 409, 'NOT_DEPLOYED');
    expectProblem(await api('POST', `${AGENTS}/${never.body.id}/resume`, alice), 409, 'NOT_DEPLOYED');
  });

  it('discards a pending draft and shows the active content again', async () => {
    const agent = await deployedAgent(alice, { name: 'Live name', instructions: 'Live.' });
    const drafted = await patched(alice, agent.id, { name: 'Draft name', instructions: 'Draft.' });
    expect(drafted.hasUnpublishedChanges).toBe(true);
    expectProblem(await api('DELETE', `${AGENTS}/${agent.id}/draft`, { ...alice, headers: { 'if-match': agent.etag } }), 412, 'PRECONDITION_FAILED');
    const discarded = await api('DELETE', `${AGENTS}/${agent.id}/draft`, { ...alice, headers: { 'if-match': drafted.etag } });
    expect(discarded.body).toMatchObject({ name: 'Live name', draftVariationId: null, hasUnpublishedChanges: false, variation: { instructions: 'Live.', state: 'published' } });
    expect((await getAgent(alice, agent.id)).body).toMatchObject({ name: 'Live name', variation: { instructions: 'Live.' } });
    expect((await api('DELETE', `${AGENTS}/${agent.id}/draft`, alice)).body.etag).toBe(discarded.body.etag);
    const never = await api('POST', AGENTS, { ...alice, body: { name: 'Draft only', instructions: 'x' } });
    expectProblem(await api('DELETE', `${AGENTS}/${never.body.id}/draft`, alice), 409, 'NOT_DEPLOYED');
  });
});
