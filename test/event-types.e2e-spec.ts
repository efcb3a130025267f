import { randomUUID } from 'node:crypto';
import { EVENT_TYPE_NAMES, EventType } from '../src/modules/events/domain/event-types';
import { AGENTS, createAgent, deployed, freshOrg, getAgent, scheduleTrigger } from './support/agents';
import { withDatabase } from './support/database';
import { auditAll } from './support/events';
import { api } from './support/http';
import { auth, Caller, createApiKey, user } from './support/principals';
import { claim, eventually, queuedRun, report, RUNS } from './support/runs';
import { startReceiver } from './support/webhook-receiver';

/** Types no operation writes yet, each with the issue that brings it; every other type must show up below. */
const LATER: Partial<Record<EventType, string>> = {};

/**
 * Issue #22: the operations write their events through the write seam (or, for the claim, in their
 * own statement), with who did it, the request it came with, and what changed; a write that rolls
 * back leaves none. Read back through the audit route, as an org admin of a fresh org.
 */
describe('the events each operation writes', () => {
  const org = freshOrg();
  const admin = user(org, 'auditor', { admin: true });
  const alice = user(org, 'alice');

  /** Sends with a fresh X-Request-Id and returns the response with it. */
  async function send(method: string, path: string, who: Caller, body?: unknown) {
    const requestId = randomUUID();
    const response = await api(method, path, { ...auth(who), body, headers: { 'x-request-id': requestId } });
    return { ...response, requestId };
  }

  /** The org's events that pass `filter`, oldest first (the audit route lists the newest first). */
  const eventsOf = async (filter: (event: any) => boolean) => (await auditAll(admin)).filter(filter).reverse();
  const ofType = (type: string) => eventsOf((event) => event.type === type);

  it('records a claim as run.claimed, with the claimant as its actor and its request, in the claim statement', async () => {
    const agent = await deployed(alice, (await createAgent(alice)).id);
    const key = await createApiKey(org, 'runtime');
    const run = await queuedRun(alice, agent.id);
    const claimed = await send('POST', '/api/v1/runtime/claim', { apiKey: key.apiKey }, { agentIds: [agent.id] });
    expect(claimed.status).toBe(200);
    const [event] = await ofType('run.claimed');
    expect(event).toMatchObject({
      agentId: agent.id,
      runId: run.id,
      actor: { kind: 'runtime', subject: `apikey:${key.id}` },
      requestId: claimed.requestId,
      data: { attempt: claimed.body.run.attempt },
    });
    expect(new Date(event.data.leaseExpiresAt).toISOString()).toBe(claimed.body.lease.expiresAt);
    // A claim that finds nothing writes nothing.
    expect((await claim({ apiKey: key.apiKey }, { agentIds: [agent.id] })).status).toBe(204);
    expect(await ofType('run.claimed')).toHaveLength(1);
  });

  it('records the actor kind of each principal: a JWT is a user, an admin or member key an api_key', async () => {
    const adminKey = await createApiKey(org, 'admin');
    const byUser = await send('POST', AGENTS, alice, { name: 'by user', type: 'task' });
    const byKey = await send('POST', AGENTS, { apiKey: adminKey.apiKey }, { name: 'by key', type: 'task' });
    expect([byUser.status, byKey.status]).toEqual([201, 201]);
    const created = await ofType('agent.created');
    expect(created.find((event) => event.agentId === byUser.body.id)).toMatchObject({ actor: { kind: 'user', subject: 'user:alice' }, requestId: byUser.requestId });
    expect(created.find((event) => event.agentId === byKey.body.id)).toMatchObject({ actor: { kind: 'api_key', subject: `apikey:${adminKey.id}` }, requestId: byKey.requestId });
  });

  it('never shows a key secret: api_key.created and api_key.revoked name the key only', async () => {
    const created = await send('POST', '/api/v1/api-keys', admin, { name: 'secretive', role: 'member' });
    expect(created.status).toBe(201);
    const revoked = await send('DELETE', `/api/v1/api-keys/${created.body.id}`, admin);
    expect(revoked.status).toBeLessThan(300);
    const [made] = (await ofType('api_key.created')).filter((event) => event.requestId === created.requestId);
    const [gone] = (await ofType('api_key.revoked')).filter((event) => event.requestId === revoked.requestId);
    expect(made).toMatchObject({ actor: { kind: 'user', subject: 'user:auditor' }, data: { name: 'secretive', role: 'member' } });
    expect(gone).toMatchObject({ actor: { kind: 'user', subject: 'user:auditor' } });
    for (const event of [made, gone]) {
      const text = JSON.stringify(event);
      expect(text).not.toContain(created.body.key);
      expect(Object.keys(event.data)).not.toEqual(expect.arrayContaining(['key', 'secret', 'hash', 'keyHash']));
    }
  });

  it("records agent.updated with the diff route's changes, once per committed write and none for a rolled-back one", async () => {
    const agent = await deployed(alice, (await createAgent(alice)).id);
    const etag = (await getAgent(alice, agent.id)).headers.get('etag')!;
    const updated = await send('PATCH', `${AGENTS}/${agent.id}`, alice, { description: 'a new description' });
    expect(updated.status).toBe(200);
    const stale = await api('PATCH', `${AGENTS}/${agent.id}`, { ...alice, body: { description: 'never' }, headers: { 'if-match': etag } });
    expect(stale.status).toBe(412);
    const invalid = await api('PATCH', `${AGENTS}/${agent.id}`, { ...alice, body: { description: 'never', subAgents: [{ agentId: agent.id }] } });
    expect(invalid.status).toBe(422);
    const events = await eventsOf((event) => event.type === 'agent.updated' && event.agentId === agent.id);
    expect(events).toHaveLength(1);
    const diff = await api('GET', `${AGENTS}/${agent.id}/diff`, alice);
    expect(diff.status).toBe(200);
    expect(events[0]).toMatchObject({ actor: { kind: 'user' }, requestId: updated.requestId });
    // The first change since the deploy: the draft's diff against the active version is exactly it,
    // the diff's `active`/`draft` being the event's `before`/`after`.
    const asDiffShows = diff.body.changes.map((change: any) => ({ field: change.field, before: change.active, after: change.draft }));
    expect(events[0].data.changes).toEqual(asDiffShows);
    expect(events[0].data.changes).toContainEqual(expect.objectContaining({ field: 'description', after: 'a new description' }));
  });

  it('records an ownership transfer that lapses unanswered as expired, by the sweep, as the system', async () => {
    const agent = await createAgent(alice);
    const requested = await send('POST', `${AGENTS}/${agent.id}/ownership-transfer`, alice, { to: 'user:bob' });
    expect(requested.status).toBe(201);
    await withDatabase((db) => db.query(`UPDATE ownership_transfers SET expires_at = now() - interval '1 second' WHERE agent_id = $1 AND state = 'pending'`, [agent.id]));
    const [expired] = await eventually(async () => {
      const found = await eventsOf((event) => event.type === 'agent.ownership_transfer.expired' && event.agentId === agent.id);
      return found.length > 0 ? found : undefined;
    }, 10_000, 'the expiry event');
    const [request] = await eventsOf((event) => event.type === 'agent.ownership_transfer.requested' && event.agentId === agent.id);
    expect(expired).toMatchObject({ actor: { kind: 'system', subject: 'system' }, requestId: null, data: { transferId: request.data.transferId, to: 'user:bob' } });
    // A new request after the sweep finds nothing lapsed: the expiry is recorded once.
    expect((await send('POST', `${AGENTS}/${agent.id}/ownership-transfer`, alice, { to: 'user:carol' })).status).toBe(201);
    expect(await eventsOf((event) => event.type === 'agent.ownership_transfer.expired' && event.agentId === agent.id)).toHaveLength(1);
  });

  it('records the run lifecycle with the run and its actors', async () => {
    const agent = await deployed(alice, (await createAgent(alice)).id);
    const key = await createApiKey(org, 'runtime');
    const runtime = { apiKey: key.apiKey };
    const run = await queuedRun(alice, agent.id);
    expect((await claim(runtime, { agentIds: [agent.id] })).status).toBe(200);
    const reports = [{ type: 'started' }, { type: 'action_taken', message: 'step' }, { type: 'approval_required', message: 'OK?' }];
    for (const body of reports) expect((await send('POST', `${RUNS}/${run.id}/events`, runtime, body)).status).toBeLessThan(300);
    const approved = await send('POST', `${RUNS}/${run.id}/approve`, alice, {});
    expect(approved.status).toBe(200);
    const cancelled = await send('POST', `${RUNS}/${run.id}/cancel`, alice, {});
    expect(cancelled.status).toBe(200);
    const types = (await eventsOf((event) => event.runId === run.id)).map((event) => [event.type, event.actor.kind]);
    expect(types).toEqual([
      ['run.queued', 'user'],
      ['run.claimed', 'runtime'],
      ['run.started', 'runtime'],
      ['run.action_taken', 'runtime'],
      ['run.approval_required', 'runtime'],
      ['run.approved', 'user'],
      ['run.cancelled', 'user'],
    ]);
  });

  /** Sends and fails loudly unless the service accepted it. */
  async function ok(method: string, path: string, who: Caller, body?: unknown) {
    const response = await send(method, path, who, body);
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response;
  }

  const setRun = (runId: string, sql: string) => withDatabase((db) => db.query(`UPDATE runs SET ${sql} WHERE id = $1`, [runId]));
  const setNextTick = (agentId: number, sql: string) => withDatabase((db) => db.query(`UPDATE agents SET next_run_at = ${sql} WHERE id = $1`, [agentId]));
  const appears = (what: string, filter: (event: any) => boolean) =>
    eventually(async () => ((await eventsOf(filter)).length > 0 ? (await eventsOf(filter))[0] : undefined), 10_000, what);

  it("records the agent's lifecycle, access, notifications and transfers with what changed", async () => {
    const agent = await createAgent(alice);
    const deploy = await ok('POST', `${AGENTS}/${agent.id}/deploy`, alice);
    await ok('PATCH', `${AGENTS}/${agent.id}`, alice, { description: 'a draft to discard' });
    await ok('DELETE', `${AGENTS}/${agent.id}/draft`, alice);
    await ok('POST', `${AGENTS}/${agent.id}/pause`, alice);
    await ok('POST', `${AGENTS}/${agent.id}/resume`, alice);
    const access = await ok('PATCH', `${AGENTS}/${agent.id}`, alice, { accessConfig: { orgAccess: 'use' } });
    await ok('PATCH', `${AGENTS}/${agent.id}`, alice, { notificationConfig: { slackChannelId: 'CMEMBER001' } });
    const bob = user(org, 'bob');
    await ok('POST', `${AGENTS}/${agent.id}/ownership-transfer`, alice, { to: 'user:bob' });
    await ok('POST', `${AGENTS}/${agent.id}/ownership-transfer/decline`, bob);
    await ok('POST', `${AGENTS}/${agent.id}/ownership-transfer`, alice, { to: 'user:bob' });
    await ok('DELETE', `${AGENTS}/${agent.id}/ownership-transfer`, alice);
    await ok('POST', `${AGENTS}/${agent.id}/ownership-transfer`, alice, { to: 'user:bob' });
    await ok('POST', `${AGENTS}/${agent.id}/ownership-transfer/accept`, bob);
    await ok('DELETE', `${AGENTS}/${agent.id}`, bob);
    await ok('POST', `${AGENTS}/${agent.id}/undelete`, bob);

    const events = await eventsOf((event) => event.agentId === agent.id && !event.runId);
    expect(events.map((event) => event.type)).toEqual([
      'agent.created',
      'agent.deployed',
      'environment.updated',
      'agent.updated',
      'agent.draft_discarded',
      'agent.paused',
      'agent.resumed',
      'agent.access_changed',
      'agent.notifications_changed',
      'agent.ownership_transfer.requested',
      'agent.ownership_transfer.declined',
      'agent.ownership_transfer.requested',
      'agent.ownership_transfer.cancelled',
      'agent.ownership_transfer.requested',
      'agent.ownership_transfer.accepted',
      'agent.deleted',
      'agent.undeleted',
    ]);
    const byType = (type: string) => events.find((event) => event.type === type);
    expect(byType('agent.deployed')).toMatchObject({ requestId: deploy.requestId, data: { version: 1 } });
    // The first deploy creates production: its release history starts here (issue #24).
    expect(byType('environment.updated')).toMatchObject({ requestId: deploy.requestId, data: { environment: 'production', cause: 'deploy', before: null, after: { version: 1, canary: null } } });
    expect(byType('agent.access_changed')).toMatchObject({ requestId: access.requestId, data: { before: { orgAccess: 'none' }, after: { orgAccess: 'use' } } });
    expect(byType('agent.ownership_transfer.accepted')).toMatchObject({ actor: { kind: 'user', subject: 'user:bob' }, data: { from: 'user:alice', to: 'user:bob' } });
    expect(byType('agent.undeleted')).toMatchObject({ actor: { subject: 'user:bob' } });
  });

  it('records schedule toggles and the ticks a sweep skips or misses, the ticks as the system', async () => {
    const agent = await deployed(alice, (await createAgent(alice, { trigger: scheduleTrigger('* * * * *', 'UTC') })).id);
    await setNextTick(agent.id, `date_trunc('minute', now()) - interval '1 minute'`);
    await appears('the scheduled run', (event) => event.type === 'run.queued' && event.agentId === agent.id);
    await setNextTick(agent.id, `date_trunc('minute', now())`);
    const skipped = await appears('the skipped tick', (event) => event.type === 'schedule.tick_skipped' && event.agentId === agent.id);
    expect(skipped).toMatchObject({ actor: { kind: 'system' }, requestId: null });
    const toggled = await ok('POST', `${AGENTS}/${agent.id}/toggle`, alice, { active: false });
    expect((await eventsOf((event) => event.type === 'agent.schedule_toggled' && event.agentId === agent.id))[0]).toMatchObject({ requestId: toggled.requestId });

    const yearly = await deployed(alice, (await createAgent(alice, { trigger: scheduleTrigger('0 0 1 1 *', 'UTC') })).id);
    await setNextTick(yearly.id, `'2026-01-01T00:00:00Z'`);
    const missed = await appears('the missed tick', (event) => event.type === 'schedule.tick_missed' && event.agentId === yearly.id);
    expect(missed).toMatchObject({ actor: { kind: 'system' }, requestId: null });
  });

  it('records the ends of runs: succeeded, failed, rejected, and by the sweeps lease expiry, timeout and claim revocation', async () => {
    const agent = await deployed(alice, (await createAgent(alice)).id);
    const key = await createApiKey(org, 'runtime');
    const runtime = { apiKey: key.apiKey };
    const claimed = async () => {
      const run = await queuedRun(alice, agent.id);
      expect((await claim(runtime, { agentIds: [agent.id] })).body.run.id).toBe(run.id);
      return run;
    };

    const succeeding = await claimed();
    await report(runtime, succeeding.id, { type: 'started' });
    await report(runtime, succeeding.id, { type: 'outcome', output: 'done' });
    const failing = await claimed();
    await report(runtime, failing.id, { type: 'started' });
    await report(runtime, failing.id, { type: 'error', error: { code: 'crm_down', message: 'The CRM did not answer.' } });
    const rejected = await claimed();
    await report(runtime, rejected.id, { type: 'started' });
    await report(runtime, rejected.id, { type: 'approval_required', message: 'OK?' });
    await ok('POST', `${RUNS}/${rejected.id}/reject`, alice, {});
    await ok('POST', `${RUNS}/${rejected.id}/cancel`, alice, {});

    const lapsing = await claimed();
    await setRun(lapsing.id, `lease_expires_at = now() - interval '1 second'`);
    expect(await appears('the lease expiry', (event) => event.type === 'run.lease_expired' && event.runId === lapsing.id)).toMatchObject({ actor: { kind: 'system' }, requestId: null });
    await ok('POST', `${RUNS}/${lapsing.id}/cancel`, alice, {});
    const silent = await claimed();
    await report(runtime, silent.id, { type: 'started' });
    await setRun(silent.id, `timeout_at = now() - interval '1 second'`);
    expect(await appears('the timeout', (event) => event.type === 'run.timed_out' && event.runId === silent.id)).toMatchObject({ actor: { kind: 'system' }, requestId: null });
    const orphan = await claimed();
    const revoke = await ok('DELETE', `/api/v1/api-keys/${key.id}`, admin);
    expect((await eventsOf((event) => event.type === 'run.claim_revoked' && event.runId === orphan.id))[0]).toMatchObject({ actor: { kind: 'user' }, requestId: revoke.requestId });

    const typesOf = async (runId: string) => (await eventsOf((event) => event.runId === runId)).map((event) => event.type);
    expect((await typesOf(succeeding.id)).at(-1)).toBe('run.succeeded');
    expect((await typesOf(failing.id)).at(-1)).toBe('run.failed');
    expect(await typesOf(rejected.id)).toContain('run.rejected');
  });

  it('records webhook endpoints created, changed, disabled (by a 410, as the system) and deleted, never with their secret', async () => {
    const gone = await startReceiver(() => ({ status: 410 }));
    try {
      const created = await send('POST', '/api/v1/webhook-endpoints', admin, { url: gone.url, types: ['agent.*'] });
      expect(created.status).toBe(201);
      const id = created.body.id;
      const patched = await ok('PATCH', `/api/v1/webhook-endpoints/${id}`, admin, { description: 'audit' });
      await ok('POST', `/api/v1/webhook-endpoints/${id}/test`, admin);
      const disabled = await appears('the disabled endpoint', (event) => event.type === 'webhook_endpoint.disabled' && event.data.endpointId === id);
      const deleted = await ok('DELETE', `/api/v1/webhook-endpoints/${id}`, admin);
      const [createdEvent] = await ofType('webhook_endpoint.created');
      const [updatedEvent] = await ofType('webhook_endpoint.updated');
      const [deletedEvent] = await ofType('webhook_endpoint.deleted');
      expect(createdEvent).toMatchObject({ actor: { kind: 'user' }, requestId: created.requestId, data: { endpointId: id, url: gone.url, types: ['agent.*'] } });
      expect(updatedEvent).toMatchObject({ requestId: patched.requestId, data: { endpointId: id, changes: [{ field: 'description', before: null, after: 'audit' }] } });
      expect(disabled).toMatchObject({ actor: { kind: 'system', subject: 'system' }, requestId: null, data: { endpointId: id, reason: 'The endpoint answered 410 Gone.' } });
      expect(deletedEvent).toMatchObject({ requestId: deleted.requestId, data: { endpointId: id } });
      expect(JSON.stringify([createdEvent, updatedEvent, disabled, deletedEvent])).not.toContain(created.body.secret);
    } finally {
      await gone.close();
    }
  });

  it('records a retryable error as run.retrying and a crossed budget as agent.budget_exceeded (§15)', async () => {
    const created = await createAgent(alice, { retry: { maxAttempts: 2, backoffSeconds: 3600, maxBackoffSeconds: 3600 }, budget: { monthlyUsd: 0.5, onExceeded: 'notify' } });
    const agent = await deployed(alice, created.id);
    const key = await createApiKey(org, 'runtime');
    const run = await queuedRun(alice, agent.id);
    expect((await claim(key, { agentIds: [agent.id] })).body.run.id).toBe(run.id);
    expect((await report(key, run.id, { type: 'started' })).status).toBe(200);
    const spent = await send('POST', `${RUNS}/${run.id}/events`, key, { type: 'action_taken', usage: { model: 'gpt-4o', inputTokens: 1, outputTokens: 1, cachedTokens: 0, reasoningTokens: 0, costUsd: 0.75 } });
    expect(spent.status).toBe(200);
    const retried = await send('POST', `${RUNS}/${run.id}/events`, key, { type: 'error', retryable: true, error: { code: 'model_timeout', message: 'Timed out.' } });
    expect(retried.body).toMatchObject({ status: 'queued', attempt: 2 });
    const [exceeded] = await eventsOf((event) => event.type === 'agent.budget_exceeded' && event.agentId === agent.id);
    expect(exceeded).toMatchObject({ actor: { kind: 'runtime' }, requestId: spent.requestId, data: { spentUsd: 0.75, monthlyUsd: 0.5, onExceeded: 'notify' } });
    const [retrying] = await eventsOf((event) => event.type === 'run.retrying' && event.runId === run.id);
    expect(retrying).toMatchObject({ actor: { kind: 'runtime' }, requestId: retried.requestId });
  });

  /** Last: every test above wrote into this one org. */
  it('has written every event type but those of later issues', async () => {
    const written = new Set((await auditAll(admin)).map((event) => event.type));
    const expected = EVENT_TYPE_NAMES.filter((type) => !(type in LATER));
    expect(expected.filter((type) => !written.has(type))).toEqual([]);
    expect([...written].filter((type) => type in LATER)).toEqual([]);
  });
});
