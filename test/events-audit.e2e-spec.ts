import { randomUUID } from 'node:crypto';
import { evaluateAccess } from '../src/modules/access/domain/access.policy';
import type { Principal } from '../src/modules/auth/domain/principal';
import type { NewEvent } from '../src/modules/events/domain/event';
import { canSeeEvent } from '../src/modules/events/domain/event-visibility';
import { EVENT_TYPE_NAMES, EventType } from '../src/modules/events/domain/event-types';
import { createAgent, freshOrg, getAgent } from './support/agents';
import { errorFields } from './support/errors';
import { withDatabase } from './support/database';
import { append, auditAll, EVENTS, newEvent } from './support/events';
import { api, expectProblem } from './support/http';
import { Auth, createApiKey, user } from './support/principals';
import { eventually } from './support/runs';

/**
 * Issue #22: the audit route. Who sees what is checked against the pure rule (canSeeEvent on the
 * access policy's verdict) for every kind of caller, so the SQL filter and the rule the live streams
 * apply cannot drift apart. Events are appended with the service's own statement, so that the
 * fixture holds every kind of event for every kind of caller, whatever operations made.
 */
describe('events: the audit route', () => {
  const org = freshOrg();
  const otherOrg = freshOrg();
  const admin = user(org, 'admin', { admin: true });
  const owner = user(org, 'owner');
  let memberKey: { id: string; apiKey: string };
  let adminKey: { id: string; apiKey: string };
  let agentX: any;
  let agentY: any;
  let agentZ: any;
  const runOfX = randomUUID();
  const written: NewEvent[] = [];

  /** Each caller as a request's credentials and as the principal the service builds from them. */
  const callers: Record<string, { auth: Auth; principal: Principal }> = {};
  const person = (name: string, sub: string, extra: { admin?: boolean; groups?: string[] } = {}, orgId = org) =>
    (callers[name] = { auth: user(orgId, sub, extra), principal: { orgId, subject: `user:${sub}`, groups: extra.groups ?? [], isOrgAdmin: extra.admin ?? false } });

  beforeAll(async () => {
    memberKey = await createApiKey(org, 'member');
    adminKey = await createApiKey(org, 'admin');
    person('admin', 'admin', { admin: true });
    person('owner', 'owner');
    person('user with use', 'user-use');
    person('user with manage', 'user-manage');
    person('group with use', 'grouped', { groups: ['ops'] });
    person('outsider', 'outsider');
    person('other org admin', 'admin', { admin: true }, otherOrg);
    callers['member API key'] = { auth: { apiKey: memberKey.apiKey }, principal: { orgId: org, subject: `apikey:${memberKey.id}`, groups: [], isOrgAdmin: false } };
    callers['admin API key'] = { auth: { apiKey: adminKey.apiKey }, principal: { orgId: org, subject: `apikey:${adminKey.id}`, groups: [], isOrgAdmin: true } };

    agentX = await createAgent(owner, {
      accessConfig: {
        orgAccess: 'none',
        grants: [
          { principal: 'user:user-use', access: 'use' },
          { principal: 'user:user-manage', access: 'manage' },
          { principal: 'group:ops', access: 'use' },
          { principal: `apikey:${memberKey.id}`, access: 'use' },
        ],
      },
    });
    agentY = await createAgent(admin);
    agentZ = await createAgent(admin, { accessConfig: { orgAccess: 'use' } });
    const runtime = { subject: 'apikey:runtime', kind: 'runtime' as const };
    written.push(
      newEvent(org, 'agent.created', { agentId: agentX.id, actor: { subject: 'user:owner', kind: 'user' } }),
      newEvent(org, 'agent.updated', { agentId: agentX.id, actor: { subject: 'user:user-manage', kind: 'user' }, data: { changes: [{ field: 'name', before: 'a', after: 'b' }] } }),
      newEvent(org, 'run.queued', { agentId: agentX.id, runId: runOfX, actor: { subject: 'user:user-use', kind: 'user' } }),
      newEvent(org, 'run.started', { agentId: agentX.id, runId: runOfX, actor: runtime }),
      newEvent(org, 'run.succeeded', { agentId: agentX.id, runId: runOfX, actor: runtime, data: { output: 42 } }),
      newEvent(org, 'schedule.tick_skipped', { agentId: agentX.id, actor: { subject: 'system', kind: 'system' }, requestId: null }),
      newEvent(org, 'agent.access_changed', { agentId: agentX.id, actor: { subject: 'user:owner', kind: 'user' } }),
      newEvent(org, 'agent.updated', { agentId: agentY.id, actor: { subject: 'user:outsider', kind: 'user' } }),
      newEvent(org, 'run.queued', { agentId: agentY.id, runId: randomUUID() }),
      newEvent(org, 'agent.deployed', { agentId: agentZ.id, data: { version: 1 } }),
      newEvent(org, 'run.queued', { agentId: agentZ.id, runId: randomUUID(), actor: { subject: `apikey:${memberKey.id}`, kind: 'api_key' } }),
      newEvent(org, 'api_key.created', { actor: { subject: 'user:admin', kind: 'user' }, data: { id: memberKey.id, name: 'e2e member', role: 'member' } }),
      newEvent(otherOrg, 'agent.created', { agentId: agentY.id, actor: { subject: 'user:admin', kind: 'user' } }),
    );
    // The setup's own writes (keys, agents) wrote their events through the write seam; the fixture is
    // the events above alone, so the expectations can be computed from them.
    await withDatabase((db) => db.query('DELETE FROM events WHERE org_id = ANY($1::uuid[])', [[org, otherOrg]]));
    // One transaction per event, as separate use cases would write them.
    for (const event of written) await append(event);
  });

  /** What the pure rule lets `principal` see of what was written, oldest first (the order appended). */
  async function expectedFor(principal: Principal): Promise<NewEvent[]> {
    const agents = new Map<number, any>();
    for (const agent of [agentX, agentY, agentZ]) agents.set(agent.id, (await getAgent(admin, agent.id)).body);
    return written.filter((event) => {
      const agent = event.agentId ? agents.get(event.agentId) : undefined;
      const rights = agent ? evaluateAccess(principal, { orgId: org, accessConfig: agent.accessConfig }) : undefined;
      return canSeeEvent(principal, { orgId: event.orgId, type: event.type as EventType, agentId: event.agentId ?? null, actor: event.actor }, rights);
    });
  }

  const summary = (event: { type: string; agentId?: number | null; actor: { subject: string } }) => `${event.type} ${event.agentId ?? '-'} ${event.actor.subject}`;

  it.each(['admin', 'admin API key', 'owner', 'user with use', 'user with manage', 'group with use', 'member API key', 'outsider', 'other org admin'])(
    'shows %s exactly what the visibility rule allows, newest first',
    async (name) => {
      const { auth, principal } = callers[name];
      const expected = await expectedFor(principal);
      const shown = await auditAll(auth);
      expect(shown.map(summary)).toEqual(expected.reverse().map(summary));
    },
  );

  it('shows each kind of caller something different, so the rule is not vacuous', async () => {
    const counts = await Promise.all(['admin', 'user with use', 'user with manage', 'outsider', 'other org admin'].map(async (name) => (await auditAll(callers[name].auth)).length));
    expect(counts).toEqual([12, 5, 8, 2, 1]);
  });

  it('answers a runtime key 403, as every route but the runtime contract', async () => {
    // In an org of its own: creating the key writes an event, and `org` holds the fixture alone.
    const runtime = await createApiKey(freshOrg(), 'runtime');
    expectProblem(await api('GET', EVENTS, { apiKey: runtime.apiKey }), 403, 'FORBIDDEN');
  });

  it('returns the event as SPEC §13 shapes it, with an opaque id that sorts in log order', async () => {
    const [newest] = await auditAll(admin, { type: 'api_key.created' });
    expect(newest).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      type: 'api_key.created',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      orgId: org,
      agentId: null,
      runId: null,
      actor: { subject: 'user:admin', kind: 'user' },
      requestId: written[11].actor.requestId,
      data: { id: memberKey.id, name: 'e2e member', role: 'member' },
    });
    const ids = (await auditAll(admin)).map((event) => event.id);
    expect(ids).toEqual([...ids].sort().reverse());
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('filters by type with globs, agent, run, actor, and after/before ids, oldest first with order=asc', async () => {
    const all = (await auditAll(admin)).reverse();
    const types = (events: any[]) => events.map((event) => event.type);
    expect(types(await auditAll(admin, { type: 'run.*', order: 'asc' }))).toEqual(['run.queued', 'run.started', 'run.succeeded', 'run.queued', 'run.queued']);
    expect(types(await auditAll(admin, { type: 'agent.updated,api_key.*', order: 'asc' }))).toEqual(['agent.updated', 'agent.updated', 'api_key.created']);
    expect((await auditAll(admin, { agentId: String(agentX.id) })).length).toBe(7);
    expect(types(await auditAll(admin, { runId: runOfX, order: 'asc' }))).toEqual(['run.queued', 'run.started', 'run.succeeded']);
    expect(types(await auditAll(admin, { actor: 'user:owner', order: 'asc' }))).toEqual(['agent.created', 'agent.access_changed']);
    expect(await auditAll(admin, { after: all[2].id, before: all[6].id, order: 'asc' })).toEqual(all.slice(3, 6));
    expect(await auditAll(admin, { after: all[2].id, before: all[6].id })).toEqual(all.slice(3, 6).reverse());
    expect(await auditAll(admin, { after: all.at(-1).id })).toEqual([]);
  });

  it('pages by keyset both ways: next pages walk on, previous pages walk back to the same pages', async () => {
    for (const order of ['desc', 'asc']) {
      const forward: any[][] = [];
      const tokens: (string | null)[] = [];
      let pageToken: string | undefined;
      do {
        const page = await api('GET', `${EVENTS}?order=${order}&pageSize=5${pageToken ? `&pageToken=${pageToken}` : ''}`, admin);
        expect(page.status).toBe(200);
        forward.push(page.body.events);
        tokens.push(page.body.previousPageToken);
        pageToken = page.body.nextPageToken ?? undefined;
      } while (pageToken);
      expect(forward.map((page) => page.length)).toEqual([5, 5, 2]);
      expect(tokens[0]).toBeNull();
      const all = forward.flat();
      expect(all).toEqual(order === 'asc' ? [...all].sort((a, b) => (a.id < b.id ? -1 : 1)) : [...all].sort((a, b) => (a.id < b.id ? 1 : -1)));
      const back = await api('GET', `${EVENTS}?order=${order}&pageSize=5&pageToken=${tokens[2]}`, admin);
      expect(back.body.events).toEqual(forward[1]);
      const first = await api('GET', `${EVENTS}?order=${order}&pageSize=5&pageToken=${back.body.previousPageToken}`, admin);
      expect(first.body.events).toEqual(forward[0]);
      expect(first.body.previousPageToken).toBeNull();
      const again = await api('GET', `${EVENTS}?order=${order}&pageSize=5&pageToken=${first.body.nextPageToken}`, admin);
      expect(again.body.events).toEqual(forward[1]);
    }
  });

  it('answers 400 naming every bad field at once', async () => {
    const bad = await api('GET', `${EVENTS}?type=run.*,nope.*&agentId=abc&runId=x&after=zz&before=${'f'.repeat(32)}&order=sideways&pageSize=0&pageToken=garbage`, admin);
    const problem = expectProblem(bad, 400, 'VALIDATION_FAILED');
    expect(errorFields(problem).sort()).toEqual(['after', 'agentId', 'before', 'order', 'pageSize', 'pageToken', 'runId', 'type']);
    expect(problem.errors.find((e: { field: string }) => e.field === 'type').message).toMatch(/"nope\.\*" matches no event type/);
  });

  it("knows every type of SPEC §13, §15's budget event, and the two run events the service records when a claim lapses or its key is revoked", () => {
    const spec = [
      'agent.created', 'agent.updated', 'agent.deployed', 'agent.draft_discarded', 'agent.paused', 'agent.resumed', 'agent.schedule_toggled',
      'agent.deleted', 'agent.undeleted', 'agent.access_changed', 'agent.notifications_changed',
      ...['requested', 'accepted', 'declined', 'cancelled', 'expired'].map((step) => `agent.ownership_transfer.${step}`),
      'environment.updated',
      ...['queued', 'claimed', 'started', 'action_taken', 'approval_required', 'approved', 'rejected', 'retrying', 'succeeded', 'failed', 'cancelled', 'timed_out'].map((step) => `run.${step}`),
      'schedule.tick_skipped', 'schedule.tick_missed', 'api_key.created', 'api_key.revoked',
      ...['created', 'updated', 'disabled', 'deleted'].map((step) => `webhook_endpoint.${step}`),
    ];
    expect([...EVENT_TYPE_NAMES].sort()).toEqual([...spec, 'agent.budget_exceeded', 'run.lease_expired', 'run.claim_revoked'].sort());
  });
});

describe('events: retention', () => {
  it(`removes events older than EVENT_RETENTION_DAYS (400 by default) and keeps younger ones`, async () => {
    const org = freshOrg();
    // As old rows are: written 401 days ago, so before everything else (the sweep takes the oldest by seq).
    await withDatabase(async (db) => {
      await db.query(
        `INSERT INTO events (seq, type, org_id, actor_subject, actor_kind, at) OVERRIDING SYSTEM VALUE
         VALUES (0, 'agent.created', $1, 'user:old', 'user', now() - interval '401 days')`,
        [org],
      );
      await db.query(`INSERT INTO events (type, org_id, actor_subject, actor_kind, at) VALUES ('agent.created', $1, 'user:young', 'user', now() - interval '399 days')`, [org]);
    });
    const admin = user(org, 'admin', { admin: true });
    const left = await eventually(async () => {
      const events = await auditAll(admin);
      return events.length === 1 ? events : undefined;
    }, 8000, 'the 401-day-old event removed');
    expect(left.map((event) => event.actor.subject)).toEqual(['user:young']);
  });
});
