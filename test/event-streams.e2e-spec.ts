import { randomUUID } from 'node:crypto';
import { evaluateAccess } from '../src/modules/access/domain/access.policy';
import type { Principal } from '../src/modules/auth/domain/principal';
import type { NewEvent } from '../src/modules/events/domain/event';
import { canSeeEvent } from '../src/modules/events/domain/event-visibility';
import type { EventType } from '../src/modules/events/domain/event-types';
import { createAgent, freshOrg, getAgent, patched } from './support/agents';
import { AppProcess, startApp, suiteEnv } from './support/app-process';
import { withDatabase } from './support/database';
import { append, auditAll, newEvent } from './support/events';
import { api, expectProblem } from './support/http';
import { Auth, createApiKey, user } from './support/principals';
import { claim, deployedAgent, eventually, queuedRun, report, runtimeKey } from './support/runs';
import { SseStream } from './support/sse';
import { tokenFor } from './support/tokens';

/**
 * Issue #22: the event streams, with a real SSE client, against two instances on one database:
 * the suite's (A) and B, which has a short heartbeat, a low stream limit, a small send buffer and no
 * clock skew so that its edges show within seconds. Events are appended with the service's own
 * statement from the test, so that each test controls what a stream should show: they reach both
 * instances only through the database's notifications.
 */
const STREAM = '/api/v1/events/stream';
const runStream = (runId: string) => `/api/v1/runs/${runId}/stream`;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Removes the events a run's real operations wrote (queued), so its stream shows what the test appends alone. */
const forgetEventsOf = (runId: string) => withDatabase((db) => db.query('DELETE FROM events WHERE run_id = $1', [runId]));

describe('event streams', () => {
  let b: AppProcess;
  const opened: SseStream[] = [];
  const open = async (path: string, who: Auth | string, options: { baseUrl?: string; lastEventId?: string; paused?: boolean } = {}) => {
    const stream = await SseStream.open(path, who, options);
    opened.push(stream);
    return stream;
  };

  beforeAll(async () => {
    b = await startApp(suiteEnv({ STREAM_HEARTBEAT_MS: '300', STREAM_MAX_PER_PRINCIPAL: '3', STREAM_MAX_BUFFERED_BYTES: '16384', AUTH_CLOCK_SKEW_SECONDS: '0' }));
  });
  afterEach(() => {
    for (const stream of opened.splice(0)) stream.close();
  });
  afterAll(async () => {
    await b?.stop();
  });

  describe('on two instances', () => {
    const org = freshOrg();
    const admin = user(org, 'admin', { admin: true });

    it('delivers events appended elsewhere to streams on both instances, as id, event and data lines', async () => {
      // Before the streams start: creating the agent writes its own event.
      const agent = await createAgent(admin);
      const onA = await open(STREAM, admin);
      const onB = await open(STREAM, admin, { baseUrl: b.url });
      expect([onA.status, onB.status]).toEqual([200, 200]);
      expect(onA.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(onA.headers['x-request-id']).toEqual(expect.any(String));
      await pause(300);
      await append(newEvent(org, 'agent.created', { agentId: agent.id }), newEvent(org, 'agent.deployed', { agentId: agent.id, data: { version: 1 } }));
      for (const stream of [onA, onB]) await stream.until((s) => s.messages.length === 2, 5000, 'both events');
      // The agent's own agent.created came before the streams started.
      const audit = (await auditAll(admin)).reverse().slice(1);
      for (const stream of [onA, onB]) {
        expect(stream.messages).toEqual(audit.map((event) => ({ id: event.id, event: event.type, data: event })));
      }
    });

    it('starts now without a position, and resumes exactly after Last-Event-ID or ?after=, Last-Event-ID winning', async () => {
      const events = [1, 2, 3, 4].map((n) => newEvent(org, 'api_key.created', { data: { n } }));
      await append(...events.slice(0, 2));
      const first = (await auditAll(admin, { type: 'api_key.created', order: 'asc' })).map((e) => e.id);
      const fresh = await open(STREAM, admin, { baseUrl: b.url });
      await pause(300);
      await append(...events.slice(2));
      const all = (await auditAll(admin, { type: 'api_key.created', order: 'asc' })).map((e) => e.id);
      await fresh.until((s) => s.ids.length === 2);
      expect(fresh.ids).toEqual(all.slice(2));
      const byHeader = await open(`${STREAM}?types=api_key.*&after=${all[2]}`, admin, { lastEventId: first[0] });
      await byHeader.until((s) => s.ids.length === 3);
      expect(byHeader.ids).toEqual(all.slice(1));
      const byQuery = await open(`${STREAM}?types=api_key.*&after=${all[1]}`, admin, { baseUrl: b.url });
      await byQuery.until((s) => s.ids.length === 2);
      expect(byQuery.ids).toEqual(all.slice(2));
    });

    it('sends a comment every STREAM_HEARTBEAT_MS while idle', async () => {
      const idle = await open(STREAM, admin, { baseUrl: b.url });
      await idle.until((s) => s.comments >= 3, 3000, 'three heartbeats');
      expect(idle.messages).toEqual([]);
    });

    it('answers 429 past STREAM_MAX_PER_PRINCIPAL open streams of one caller, and takes one again once another closes', async () => {
      const caller = user(org, 'greedy');
      const streams = await Promise.all([1, 2, 3].map(() => open(STREAM, caller, { baseUrl: b.url })));
      expect(streams.map((s) => s.status)).toEqual([200, 200, 200]);
      const refused = await open(STREAM, caller, { baseUrl: b.url });
      expect(refused.status).toBe(429);
      expect(await refused.problem()).toMatchObject({ status: 429, code: 'TOO_MANY_STREAMS' });
      expect((await open(STREAM, user(org, 'someone-else'), { baseUrl: b.url })).status).toBe(200);
      streams[0].close();
      await pause(300);
      expect((await open(STREAM, caller, { baseUrl: b.url })).status).toBe(200);
    });

    it('closes a client that falls too far behind with event: overflow (no id), and it resumes from its last id losing nothing', async () => {
      const big = 'x'.repeat(200_000);
      const slow = await open(`${STREAM}?types=run.action_taken`, admin, { baseUrl: b.url, paused: true });
      await pause(300);
      const runId = randomUUID();
      for (let batch = 0; batch < 8; batch++) await append(...Array.from({ length: 10 }, (_, n) => newEvent(org, 'run.action_taken', { runId, data: { n: batch * 10 + n, big } })));
      await pause(1000);
      slow.resume();
      await slow.untilEnded();
      const last = slow.messages.at(-1);
      expect(last).toEqual({ event: 'overflow', data: { lastEventId: expect.any(String), detail: expect.stringMatching(/Last-Event-ID/) } });
      const received = slow.ids;
      expect(received.length).toBeLessThan(80);
      expect(last?.data.lastEventId).toBe(received.at(-1));
      const resumed = await open(`${STREAM}?types=run.action_taken`, admin, { lastEventId: received.at(-1) });
      await resumed.until((s) => received.length + s.ids.length === 80, 8000, 'the rest');
      expect([...received, ...resumed.ids].map((id) => id)).toEqual((await auditAll(admin, { runId, order: 'asc' })).map((e) => e.id));
    });

    it('stops counting the stream of a client that never reads again once it is closed with overflow', async () => {
      const silent = user(org, 'silent', { admin: true });
      await open(`${STREAM}?types=run.retrying`, silent, { baseUrl: b.url, paused: true });
      const others = await Promise.all([1, 2].map(() => open(STREAM, silent, { baseUrl: b.url })));
      expect(others.map((s) => s.status)).toEqual([200, 200]);
      expect((await open(STREAM, silent, { baseUrl: b.url })).status).toBe(429);
      const big = 'x'.repeat(200_000);
      for (let batch = 0; batch < 8; batch++) await append(...Array.from({ length: 10 }, () => newEvent(org, 'run.retrying', { data: { big } })));
      await eventually(async () => ((await open(STREAM, silent, { baseUrl: b.url })).status === 200 ? true : undefined), 8000, "the silent client's stream released");
    });

    it('delivers what was appended while its LISTEN connection was down, once it is back', async () => {
      const stream = await open(`${STREAM}?types=agent.paused`, admin, { baseUrl: b.url });
      await pause(300);
      const cut = await withDatabase(async (db) => (await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'agentry-events'`)).rowCount);
      expect(cut).toBeGreaterThanOrEqual(2);
      await append(newEvent(org, 'agent.paused'));
      await stream.until((s) => s.messages.length === 1, 5000, 'the event appended while nobody listened');
    });

    it('ends every stream when its instance shuts down, without holding up the drain', async () => {
      const c = await startApp(suiteEnv());
      const stream = await open(STREAM, admin, { baseUrl: c.url });
      expect(stream.status).toBe(200);
      const stopping = Date.now();
      expect(await c.stop()).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(5000);
      await stream.untilEnded(2000);
    });
  });

  describe('a run stream', () => {
    const org = freshOrg();
    const alice = user(org, 'alice', { admin: true });

    it('replays the run so far, follows it live, and ends after its terminal event', async () => {
      const agent = await deployedAgent(alice);
      const run = await queuedRun(alice, agent.id);
      await forgetEventsOf(run.id);
      const at = (type: any, data = {}) => newEvent(org, type, { agentId: agent.id, runId: run.id, data });
      await append(at('run.queued'), at('run.claimed'));
      await append(newEvent(org, 'run.queued', { agentId: agent.id, runId: randomUUID() }));
      const stream = await open(runStream(run.id), alice, { baseUrl: b.url });
      await stream.until((s) => s.messages.length === 2);
      await append(at('run.started'), at('run.action_taken', { step: 1 }));
      await append(at('run.succeeded', { output: 'done' }), at('run.action_taken', { late: true }));
      await stream.untilEnded();
      expect(stream.messages.map((m) => m.event)).toEqual(['run.queued', 'run.claimed', 'run.started', 'run.action_taken', 'run.succeeded']);
      expect(new Set(stream.messages.map((m) => m.data.runId))).toEqual(new Set([run.id]));
    });

    it('hears of a claim made on another instance at once, not at its next heartbeat read', async () => {
      const agent = await deployedAgent(alice);
      const runtime = await runtimeKey(org);
      const run = await queuedRun(alice, agent.id);
      // Instance A reads a quiet org only every 15 s (its heartbeat): within 5 s, only the claim's announcement brings the event.
      const stream = await open(runStream(run.id), alice);
      await stream.until((s) => s.messages.length === 1);
      expect((await claim(runtime, { agentIds: [agent.id] }, b.url)).status).toBe(200);
      await stream.until((s) => s.messages.length === 2, 5000, 'run.claimed on the stream');
      expect(stream.messages.map((m) => m.event)).toEqual(['run.queued', 'run.claimed']);
    });

    it('replays a finished run and ends; resumed after its last event it answers 204', async () => {
      const agent = await deployedAgent(alice);
      const runtime = await runtimeKey(org);
      const run = await queuedRun(alice, agent.id);
      expect((await claim(runtime, { agentIds: [agent.id] })).status).toBe(200);
      expect((await report(runtime, run.id, { type: 'started' })).status).toBe(200);
      expect((await report(runtime, run.id, { type: 'outcome', output: { ok: true } })).status).toBe(200);
      // The run's own operations wrote its events, the claim included.
      const replay = await open(runStream(run.id), alice);
      await replay.untilEnded();
      expect(replay.messages.map((m) => m.event)).toEqual(['run.queued', 'run.claimed', 'run.started', 'run.succeeded']);
      const fromMiddle = await open(`${runStream(run.id)}?after=${replay.ids[0]}`, alice, { baseUrl: b.url });
      await fromMiddle.untilEnded();
      expect(fromMiddle.ids).toEqual(replay.ids.slice(1));
      const afterEnd = await open(runStream(run.id), alice, { lastEventId: replay.ids[3] });
      expect(afterEnd.status).toBe(204);
    });

    it('is 404 for a run the caller cannot see, and 400 for a malformed Last-Event-ID', async () => {
      const agent = await deployedAgent(alice);
      const run = await queuedRun(alice, agent.id);
      const outsider = await open(runStream(run.id), user(org, 'outsider'));
      expect(outsider.status).toBe(404);
      expect(await outsider.problem()).toMatchObject({ code: 'NOT_FOUND', detail: 'No such run.' });
      expect((await open(runStream(run.id), user(freshOrg(), 'stranger', { admin: true }))).status).toBe(404);
      expect((await open(runStream(randomUUID()), alice)).status).toBe(404);
      const malformed = await open(runStream(run.id), alice, { lastEventId: 'not-an-id' });
      expect(malformed.status).toBe(400);
      expect((await malformed.problem()).errors).toEqual([{ field: 'Last-Event-ID', message: expect.any(String) }]);
    });
  });

  describe('access', () => {
    const org = freshOrg();
    const admin = user(org, 'admin', { admin: true });
    const owner = user(org, 'owner');

    it('shows each kind of caller what the audit route shows it, on the org stream and on an agent or run stream', async () => {
      const memberKey = await createApiKey(org, 'member');
      const agentX = await deployedAgent(owner, {
        accessConfig: { grants: [{ principal: 'user:user-use', access: 'use' }, { principal: 'user:user-manage', access: 'manage' }, { principal: `apikey:${memberKey.id}`, access: 'use' }] },
      });
      const agentY = await createAgent(admin);
      const run = await queuedRun(owner, agentX.id);
      await forgetEventsOf(run.id);
      const callers: [string, Auth, Principal][] = [
        ['admin', admin, { orgId: org, subject: 'user:admin', groups: [], isOrgAdmin: true }],
        ['owner', owner, { orgId: org, subject: 'user:owner', groups: [], isOrgAdmin: false }],
        ['user with use', user(org, 'user-use'), { orgId: org, subject: 'user:user-use', groups: [], isOrgAdmin: false }],
        ['user with manage', user(org, 'user-manage'), { orgId: org, subject: 'user:user-manage', groups: [], isOrgAdmin: false }],
        ['member API key', { apiKey: memberKey.apiKey }, { orgId: org, subject: `apikey:${memberKey.id}`, groups: [], isOrgAdmin: false }],
        ['outsider', user(org, 'outsider'), { orgId: org, subject: 'user:outsider', groups: [], isOrgAdmin: false }],
        ['other org admin', user(freshOrg(), 'admin', { admin: true }), { orgId: 'another', subject: 'user:admin', groups: [], isOrgAdmin: true }],
      ];
      const streams = await Promise.all(callers.map(([, who], i) => open(STREAM, who, { baseUrl: i % 2 ? b.url : undefined })));
      expect(streams.map((s) => s.status)).toEqual(callers.map(() => 200));
      const onX = await Promise.all(callers.map(([, who]) => open(`${STREAM}?agentId=${agentX.id}`, who)));
      expect(onX.map((s) => s.status)).toEqual([200, 200, 200, 200, 200, 404, 404]);
      const onRun = await Promise.all(callers.map(([, who]) => open(runStream(run.id), who, { baseUrl: b.url })));
      expect(onRun.map((s) => s.status)).toEqual([200, 200, 200, 200, 200, 404, 404]);
      await pause(300);
      const written: NewEvent[] = [
        newEvent(org, 'agent.updated', { agentId: agentX.id, actor: { subject: 'user:user-manage', kind: 'user' } }),
        newEvent(org, 'run.started', { agentId: agentX.id, runId: run.id }),
        newEvent(org, 'agent.updated', { agentId: agentY.id, actor: { subject: 'user:outsider', kind: 'user' } }),
        newEvent(org, 'run.queued', { agentId: agentY.id, runId: randomUUID() }),
        newEvent(org, 'api_key.created', { actor: { subject: `apikey:${memberKey.id}`, kind: 'api_key' } }),
      ];
      for (const event of written) await append(event);
      await streams[0].until((s) => s.messages.length === written.length);
      await pause(500);
      const accessOf = async (id: number) => (await getAgent(admin, id)).body.accessConfig;
      const configs = new Map([[agentX.id, await accessOf(agentX.id)], [agentY.id, await accessOf(agentY.id)]]);
      callers.forEach(([name, who, principal], i) => {
        const expected = written.filter((event) =>
          canSeeEvent(principal, { ...event, type: event.type as EventType, agentId: event.agentId ?? null }, event.agentId ? evaluateAccess(principal, { orgId: org, accessConfig: configs.get(event.agentId) }) : undefined),
        );
        expect({ name, got: streams[i].messages.map((m) => `${m.event} ${m.data.agentId}`) }).toEqual({ name, got: expected.map((e) => `${e.type} ${e.agentId ?? null}`) });
        if (onX[i].status === 200) expect({ name, got: onX[i].messages.map((m) => m.data.agentId) }).toEqual({ name, got: expected.filter((e) => e.agentId === agentX.id).map(() => agentX.id) });
        if (onRun[i].status === 200) expect({ name, got: onRun[i].messages.map((m) => m.event) }).toEqual({ name, got: ['run.started'] });
        void who;
      });
    });

    it('answers a runtime key 403 on both streams', async () => {
      const runtime = await runtimeKey(org);
      expectProblem(await api('GET', STREAM, runtime), 403, 'FORBIDDEN');
      expectProblem(await api('GET', runStream(randomUUID()), runtime), 403, 'FORBIDDEN');
    });

    it('ends the streams of a key revoked on another instance', async () => {
      const key = await createApiKey(org, 'member');
      const stream = await open(STREAM, { apiKey: key.apiKey });
      expect(stream.status).toBe(200);
      await pause(200);
      expect((await api('DELETE', `/api/v1/api-keys/${key.id}`, { ...admin, baseUrl: b.url })).status).toBe(204);
      await stream.untilEnded(3000);
      expect((await open(STREAM, { apiKey: key.apiKey })).status).toBe(401);
    });

    it('ends a stream when its bearer token expires', async () => {
      const token = tokenFor({ org, sub: 'short-lived', admin: true, expiresIn: 2 });
      const stream = await open(STREAM, token, { baseUrl: b.url });
      expect(stream.status).toBe(200);
      const opened = Date.now();
      await stream.untilEnded(5000);
      expect(Date.now() - opened).toBeGreaterThan(500);
    });

    it("ends a member's agent and run streams when an access change takes away their use of the agent", async () => {
      const agent = await deployedAgent(owner, { accessConfig: { grants: [{ principal: 'user:fickle', access: 'use' }] } });
      const run = await queuedRun(owner, agent.id);
      await forgetEventsOf(run.id);
      const fickle = user(org, 'fickle');
      const onAgent = await open(`${STREAM}?agentId=${agent.id}`, fickle, { baseUrl: b.url });
      const onRun = await open(runStream(run.id), fickle);
      const onOrg = await open(STREAM, fickle);
      await pause(300);
      await append(newEvent(org, 'run.started', { agentId: agent.id, runId: run.id }));
      await onAgent.until((s) => s.messages.length === 1);
      await onRun.until((s) => s.messages.length === 1);
      await patched(owner, agent.id, { accessConfig: { grants: [] } });
      await append(newEvent(org, 'agent.access_changed', { agentId: agent.id, actor: { subject: 'user:owner', kind: 'user' } }), newEvent(org, 'run.action_taken', { agentId: agent.id, runId: run.id }));
      await onAgent.untilEnded(3000);
      await onRun.untilEnded(3000);
      expect(onAgent.messages.map((m) => m.event)).toEqual(['run.started']);
      expect(onRun.messages.map((m) => m.event)).toEqual(['run.started']);
      await pause(300);
      expect(onOrg.isEnded).toBe(false);
      expect(onOrg.messages.map((m) => m.event)).toEqual(['run.started']);
    });
  });
});
