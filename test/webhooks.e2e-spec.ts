import { freshOrg } from './support/agents';
import { AppProcess, startApp, suiteEnv } from './support/app-process';
import { labelled } from './support/crash';
import { ownDatabase, withDatabase } from './support/database';
import { api, expectProblem } from './support/http';
import { eventually } from './support/runs';
import { tokenFor } from './support/tokens';
import { Answer, Receiver, Received, startReceiver, verifyWith } from './support/webhook-receiver';

/**
 * SPEC §13's webhooks against two service instances on a database of their own (their delivery
 * workers compete for the same deliveries) and real receivers on loopback. Retries wait 100 ms and a
 * try times out after 1 s, so nothing here waits minutes; time beyond that is moved in the database.
 * Every receiver is on 127.0.0.1; refused addresses are refused before any connection.
 */
const WEBHOOK_ENV = {
  // suiteEnv allows loopback, retries after 100 ms, gives a try up after 1 s and resolves names only
  // through WEBHOOKS_HOSTS (private.example.test leads to 10.0.0.5): this file relies on all of it.
  WEBHOOKS_POLL_INTERVAL_MS: '100',
};
const ENDPOINTS = '/api/v1/webhook-endpoints';

jest.setTimeout(60_000);

/** Two instances, `a` and `b`, on a database of their own. */
const pair = { url: '', apps: {} as Record<'a' | 'b', AppProcess> };
let database: { url: string; drop: () => Promise<void> } | undefined;
const receivers: Receiver[] = [];
const apps: AppProcess[] = [];

const startInstance = async (label: string) => {
  // A loaded machine (CI runs the suite beside itself) can take over 30 s to start a service.
  const app = await startApp(suiteEnv({ DATABASE_URL: labelled(pair.url, `webhooks-${label}`), ...WEBHOOK_ENV }), { readyWithinMs: 90_000 });
  apps.push(app);
  return app;
};

beforeAll(async () => {
  database = await ownDatabase('webhooks');
  pair.url = database.url;
  // Together, as a deployment starts them (one migrates, the other waits for it); afterAll stops whichever started.
  [pair.apps.a, pair.apps.b] = await Promise.all([startInstance('a'), startInstance('b')]);
}, 200_000);

afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  await Promise.all(apps.map((app) => app.stop()));
  await database?.drop();
}, 60_000);

async function receiver(answer?: (request: Received, n: number) => Answer): Promise<Receiver> {
  const started = await startReceiver(answer);
  receivers.push(started);
  return started;
}

/** An org of its own for each test, with an admin token and a member token. */
function org() {
  const id = freshOrg();
  return { id, admin: tokenFor({ org: id, sub: 'wh-admin', admin: true }), member: tokenFor({ org: id, sub: 'wh-member' }) };
}

const on = (app: 'a' | 'b' = 'a') => ({ baseUrl: pair.apps[app].url });

async function createEndpoint(token: string, body: Record<string, unknown>, app: 'a' | 'b' = 'a'): Promise<any> {
  const created = await api('POST', ENDPOINTS, { token, body, ...on(app) });
  if (created.status !== 201) throw new Error(`create failed: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body;
}

/** One event of the org (`api_key.created`), through a real write. */
async function emitEvent(token: string, name = 'k'): Promise<void> {
  const created = await api('POST', '/api/v1/api-keys', { token, body: { name, role: 'member' }, ...on('b') });
  if (created.status !== 201) throw new Error(`api key: ${created.status}`);
}

/**
 * The org's `webhook_endpoint.disabled` events once `count` are listed. The list shows settled events
 * only (those below the log's horizon), so one committed with the endpoint's change can wait behind any
 * older transaction still open on the database (another test's, a sweep's) before it is listed.
 */
const disabledEvents = (token: string, count: number): Promise<any[]> =>
  eventually(async () => {
    const { events } = (await api('GET', '/api/v1/events?type=webhook_endpoint.disabled', { token, ...on() })).body;
    return events.length >= count ? events : undefined;
  }, 10_000, `${count} webhook_endpoint.disabled event(s)`);

const deliveries = async (token: string, endpointId: string, query = '') => (await api('GET', `${ENDPOINTS}/${endpointId}/deliveries${query}`, { token, ...on() })).body;

describe('webhook endpoints', () => {
  it('creates an endpoint showing its secret once, lists, reads, changes and deletes it, each change an event without the secret', async () => {
    const { admin } = org();
    const hook = await receiver();
    const created = await createEndpoint(admin, { url: hook.url, types: ['run.*', 'agent.deployed'], description: 'Approvals' });
    expect(created).toMatchObject({ url: hook.url, types: ['run.*', 'agent.deployed'], agentIds: null, description: 'Approvals', enabled: true, disabledReason: null });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);

    const listed = await api('GET', ENDPOINTS, { token: admin, ...on() });
    const { secret: _secret, ...shown } = created;
    expect(listed.body.endpoints).toEqual([shown]);
    const got = await api('GET', `${ENDPOINTS}/${created.id}`, { token: admin, ...on('b') });
    expect(got.body).not.toHaveProperty('secret');

    const patched = await api('PATCH', `${ENDPOINTS}/${created.id}`, { token: admin, body: { types: ['*'], agentIds: [1, 2], description: null }, ...on() });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ types: ['*'], agentIds: [1, 2], description: null, url: hook.url });

    const rotated = await api('POST', `${ENDPOINTS}/${created.id}/rotate-secret`, { token: admin, ...on() });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.secret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);

    expect((await api('DELETE', `${ENDPOINTS}/${created.id}`, { token: admin, ...on() })).status).toBe(204);
    expectProblem(await api('GET', `${ENDPOINTS}/${created.id}`, { token: admin, ...on() }), 404, 'NOT_FOUND');

    const events = await eventually(async () => {
      const page = await api('GET', '/api/v1/events?type=webhook_endpoint.*&order=asc', { token: admin, ...on() });
      return page.body.events?.length === 4 ? page.body.events : undefined;
    });
    expect(events.map((e: any) => e.type)).toEqual(['webhook_endpoint.created', 'webhook_endpoint.updated', 'webhook_endpoint.updated', 'webhook_endpoint.deleted']);
    expect(events[0].data).toEqual({ endpointId: created.id, url: hook.url, types: ['run.*', 'agent.deployed'], agentIds: null, description: 'Approvals', enabled: true });
    expect(events[1].data.changes).toEqual([
      { field: 'types', before: ['run.*', 'agent.deployed'], after: ['*'] },
      { field: 'agentIds', before: null, after: [1, 2] },
      { field: 'description', before: 'Approvals', after: null },
    ]);
    expect(events[2].data).toMatchObject({ secretRotated: true });
    const text = JSON.stringify(events);
    expect(text).not.toContain(created.secret);
    expect(text).not.toContain(rotated.body.secret);
  });

  it('is for org admins only (403), and another org’s endpoint is 404 on every route', async () => {
    const a = org();
    const b = org();
    const hook = await receiver();
    const endpoint = await createEndpoint(a.admin, { url: hook.url });
    const delivery = (await api('POST', `${ENDPOINTS}/${endpoint.id}/test`, { token: a.admin, ...on() })).body;
    const routes: [string, string, unknown?][] = [
      ['GET', `${ENDPOINTS}/${endpoint.id}`],
      ['PATCH', `${ENDPOINTS}/${endpoint.id}`, { description: 'x' }],
      ['DELETE', `${ENDPOINTS}/${endpoint.id}`],
      ['POST', `${ENDPOINTS}/${endpoint.id}/rotate-secret`],
      ['POST', `${ENDPOINTS}/${endpoint.id}/test`],
      ['GET', `${ENDPOINTS}/${endpoint.id}/deliveries`],
      ['POST', `${ENDPOINTS}/${endpoint.id}/deliveries/${delivery.id}/redeliver`],
    ];
    for (const [method, path, body] of [...routes, ['GET', ENDPOINTS], ['POST', ENDPOINTS, { url: hook.url }]] as [string, string, unknown?][]) {
      expectProblem(await api(method, path, { token: a.member, body, ...on() }), 403, 'FORBIDDEN');
    }
    for (const [method, path, body] of routes) expectProblem(await api(method, path, { token: b.admin, body, ...on() }), 404, 'NOT_FOUND');
    expect((await api('GET', ENDPOINTS, { token: b.admin, ...on() })).body.endpoints).toEqual([]);
    // Still there, untouched.
    expect((await api('GET', `${ENDPOINTS}/${endpoint.id}`, { token: a.admin, ...on() })).body.description).toBeNull();
  });

  it('refuses URLs that lead to private, link-local or metadata addresses (by name too), lists every bad field, and caps an org at 20', async () => {
    const { admin, id: orgId } = org();
    for (const url of ['http://10.0.0.1/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::ffff:10.0.0.1]/hook', 'http://[fd00:ec2::254]/', 'http://private.example.test/hook', 'http://unknown.example.test/hook']) {
      const problem = expectProblem(await api('POST', ENDPOINTS, { token: admin, body: { url }, ...on() }), 400, 'VALIDATION_FAILED');
      expect({ url, errors: problem.errors }).toEqual({ url, errors: [{ field: 'url', message: expect.stringMatching(/private|link-local|metadata|unique-local|cannot be resolved/) }] });
    }
    const both = expectProblem(await api('POST', ENDPOINTS, { token: admin, body: { url: 'ftp://x', types: ['run.*', 'run.succeded'], enabled: 'yes' }, ...on() }), 400);
    expect(both.errors.map((e: any) => e.field).sort()).toEqual(['enabled', 'types', 'url']);
    expectProblem(await api('POST', ENDPOINTS, { token: admin, body: { url: `http://127.0.0.1/${'a'.repeat(2048)}` }, ...on() }), 400);
    expectProblem(await api('POST', ENDPOINTS, { token: admin, body: { url: 'http://127.0.0.1/', agentIds: [2147483648] }, ...on() }), 400);

    const hook = await receiver();
    await createEndpoint(admin, { url: hook.url, enabled: false });
    // 19 more by data (creating them one by one is slow on a loaded machine), then the 21st is refused.
    await withDatabase(
      (db) => db.query(`INSERT INTO webhook_endpoints (id, org_id, url, types, enabled, secret) SELECT gen_random_uuid(), $1, $2, '{*}', false, 'whsec_x' FROM generate_series(1, 19)`, [orgId, hook.url]),
      pair.url,
    );
    expect((await api('GET', ENDPOINTS, { token: admin, ...on() })).body.endpoints).toHaveLength(20);
    expectProblem(await api('POST', ENDPOINTS, { token: admin, body: { url: hook.url }, ...on() }), 409, 'CONFLICT');
    expect(hook.received).toEqual([]);
  });
});

describe('the webhook delivery log', () => {
  it('is newest first by number whatever the ids’ digits, on every page', async () => {
    const { id: orgId, admin } = org();
    const endpoint = await createEndpoint(admin, { url: (await receiver()).url, types: ['api_key.created'] });
    // Ids far past the sequence's, across a change in digit count: as text, 9… would sort before 10….
    const ids = ['9999999999998', '9999999999999', '10000000000000', '10000000000001'];
    await withDatabase(async (db) => {
      for (const id of ids) {
        await db.query(
          `INSERT INTO webhook_deliveries (id, endpoint_id, org_id, message_id, type, body, status, attempts) OVERRIDING SYSTEM VALUE
           VALUES ($1, $2, $3, $4, 'webhook.test', '{}', 'delivered', 1)`,
          [id, endpoint.id, orgId, `msg_order_${id}`],
        );
      }
    }, pair.url);
    const first = await deliveries(admin, endpoint.id, '?pageSize=2');
    const second = await deliveries(admin, endpoint.id, `?pageSize=2&pageToken=${first.nextPageToken}`);
    expect([...first.deliveries, ...second.deliveries].map((delivery: { id: unknown }) => String(delivery.id))).toEqual([...ids].reverse());
    expect(second.nextPageToken).toBeNull();
  });

  it('removes finished deliveries older than WEBHOOK_DELIVERY_RETENTION_DAYS (30 by default) with their tries; keeps pending, younger and recently retried ones', async () => {
    const { id: orgId, admin } = org();
    const endpoint = await createEndpoint(admin, { url: (await receiver()).url, types: ['api_key.created'] });
    // Deliveries as old ones are, written straight into the log (the sweep runs every 200 ms here).
    const ids = await withDatabase(async (db) => {
      const insert = async (label: string, status: string, ageDays: number, lastTryAgeDays = ageDays): Promise<string> => {
        // The delivery and its try in one statement: between two, the sweep could remove the delivery before its try was written.
        const { rows } = await db.query(
          `WITH d AS (
             INSERT INTO webhook_deliveries (endpoint_id, org_id, message_id, type, body, status, attempts, created_at)
             VALUES ($1, $2, $3, 'webhook.test', '{}', $4, 1, now() - make_interval(days => $5)) RETURNING id),
           t AS (
             INSERT INTO webhook_delivery_tries (delivery_id, try, at, finished_at, status_code)
             SELECT id, 1, now() - make_interval(days => $6), now() - make_interval(days => $6), 200 FROM d)
           SELECT id::text AS id FROM d`,
          [endpoint.id, orgId, `msg_retention_${label}`, status, ageDays, lastTryAgeDays],
        );
        return rows[0].id;
      };
      return {
        oldDelivered: await insert('old-delivered', 'delivered', 31),
        oldFailed: await insert('old-failed', 'failed', 31),
        oldPending: await insert('old-pending', 'pending', 31),
        young: await insert('young', 'delivered', 29),
        retriedYesterday: await insert('retried', 'delivered', 31, 1),
      };
    }, pair.url);
    const left = await eventually(async () => {
      const listed = (await deliveries(admin, endpoint.id)).deliveries as { id: string }[];
      return listed.length === 3 ? listed : undefined;
    }, 10_000);
    expect(left.map((delivery) => String(delivery.id)).sort()).toEqual([ids.oldPending, ids.young, ids.retriedYesterday].sort());
    const tries = await withDatabase((db) => db.query(`SELECT count(*)::int AS n FROM webhook_delivery_tries WHERE delivery_id = ANY($1::bigint[])`, [[ids.oldDelivered, ids.oldFailed]]), pair.url);
    expect(tries.rows[0].n).toBe(0);
  });
});

describe('webhook delivery', () => {
  it('delivers each matching event once, signed per Standard Webhooks, with the event as data; the log shows the try', async () => {
    const { admin, id: orgId } = org();
    const hook = await receiver(() => ({ status: 200, body: 'thanks' }));
    const other = await receiver();
    const endpoint = await createEndpoint(admin, { url: hook.url, types: ['api_key.*'] });
    await createEndpoint(admin, { url: other.url, types: ['run.*'] });
    await emitEvent(admin, 'first');
    await emitEvent(admin, 'second');

    await eventually(async () => (hook.received.length >= 2 ? true : undefined));
    const payloads = hook.received.map((request) => verifyWith(endpoint.secret, request));
    expect(payloads.map((p) => [p.type, p.data.data.name])).toEqual(expect.arrayContaining([['api_key.created', 'first'], ['api_key.created', 'second']]));
    expect(payloads[0]!.data).toMatchObject({ type: 'api_key.created', orgId, actor: { subject: 'user:wh-admin', kind: 'user' } });
    expect(payloads[0]!.timestamp).toBe(payloads[0]!.data.at);
    expect(hook.received[0]!.webhookId).toBe(`msg_${payloads[0]!.data.id}`);
    expect(() => verifyWith(`whsec_${Buffer.alloc(24, 1).toString('base64')}`, hook.received[0]!)).toThrow();

    const log = await eventually(async () => {
      const body = await deliveries(admin, endpoint.id);
      return body.deliveries.every((d: any) => d.status === 'delivered') && body.deliveries.length === 2 ? body : undefined;
    });
    expect(log.deliveries[0]).toMatchObject({ type: 'api_key.created', status: 'delivered', attempts: 1, nextAttemptAt: null, deliveredAt: expect.any(String) });
    expect(log.deliveries[0].tries).toEqual([{ try: 1, at: expect.any(String), statusCode: 200, latencyMs: expect.any(Number), error: null, responseBody: 'thanks' }]);
    expect(other.received).toEqual([]);
    expect(hook.received).toHaveLength(2);
  });

  it('signs with both secrets for 24 hours after a rotation, then with the new one alone', async () => {
    const { admin } = org();
    const hook = await receiver();
    const endpoint = await createEndpoint(admin, { url: hook.url, types: ['api_key.created'] });
    const rotated = (await api('POST', `${ENDPOINTS}/${endpoint.id}/rotate-secret`, { token: admin, ...on() })).body;
    await emitEvent(admin);
    const during = await eventually(async () => hook.received[0]);
    expect(during.signature.split(' ')).toHaveLength(2);
    expect(verifyWith(rotated.secret, during).type).toBe('api_key.created');
    expect(verifyWith(endpoint.secret, during).type).toBe('api_key.created');

    // 24 hours later, by data.
    await withDatabase((db) => db.query(`UPDATE webhook_endpoints SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1`, [endpoint.id]), pair.url);
    await emitEvent(admin);
    const after = await eventually(async () => hook.received[1]);
    expect(after.signature.split(' ')).toHaveLength(1);
    expect(verifyWith(rotated.secret, after).type).toBe('api_key.created');
    expect(() => verifyWith(endpoint.secret, after)).toThrow();
  });

  it('retries a 500 with the same webhook-id until a 2xx, each try in the log; a 429’s Retry-After is waited', async () => {
    const { admin } = org();
    const flaky = await receiver((_request, n) => (n <= 2 ? { status: 500, body: 'x'.repeat(3000) } : { status: 204 }));
    const limited = await receiver((_request, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 }));
    const flakyEndpoint = await createEndpoint(admin, { url: flaky.url, types: ['api_key.created'] });
    const limitedEndpoint = await createEndpoint(admin, { url: limited.url, types: ['api_key.created'] });
    await emitEvent(admin);

    await eventually(async () => (flaky.received.length >= 3 && limited.received.length >= 2 ? true : undefined), 15_000);
    expect(new Set(flaky.received.map((r) => r.webhookId)).size).toBe(1);
    for (const request of flaky.received) verifyWith(flakyEndpoint.secret, request);
    const [delivery] = (await eventually(async () => {
      const body = await deliveries(admin, flakyEndpoint.id);
      return body.deliveries[0]?.status === 'delivered' ? body : undefined;
    })).deliveries;
    expect(delivery.webhookId).toBe(flaky.received[0]!.webhookId);
    expect(delivery.tries.map((t: any) => [t.try, t.statusCode])).toEqual([[1, 500], [2, 500], [3, 204]]);
    expect(delivery.tries[0].error).toBe('The receiver answered 500.');
    expect(Buffer.byteLength(delivery.tries[0].responseBody)).toBe(1024);
    // Never more requests than tries, though two instances work the queue.
    expect(flaky.received).toHaveLength(3);

    // The schedule says 100 ms; the receiver asked for 2 s.
    expect(limited.received[1]!.at - limited.received[0]!.at).toBeGreaterThanOrEqual(1900);
    expect(new Set(limited.received.map((r) => r.webhookId)).size).toBe(1);
    const limitedLog = await deliveries(admin, limitedEndpoint.id);
    expect(limitedLog.deliveries[0].tries[0]).toMatchObject({ statusCode: 429 });
  });

  it('disables an endpoint at once on 410, with a webhook_endpoint.disabled event, and sends it nothing more', async () => {
    const { admin } = org();
    const gone = await receiver(() => ({ status: 410 }));
    const endpoint = await createEndpoint(admin, { url: gone.url, types: ['api_key.created'] });
    await emitEvent(admin);
    const disabled = await eventually(async () => {
      const body = (await api('GET', `${ENDPOINTS}/${endpoint.id}`, { token: admin, ...on() })).body;
      return body.enabled ? undefined : body;
    });
    expect(disabled.disabledReason).toBe('The endpoint answered 410 Gone.');
    const events = await disabledEvents(admin, 1);
    expect(events).toEqual([expect.objectContaining({ type: 'webhook_endpoint.disabled', actor: { subject: 'system', kind: 'system' }, data: { endpointId: endpoint.id, url: gone.url, reason: 'The endpoint answered 410 Gone.' } })]);
    expect((await deliveries(admin, endpoint.id)).deliveries[0]).toMatchObject({ status: 'failed', attempts: 1 });
    await emitEvent(admin);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(gone.received).toHaveLength(1);
    expectProblem(await api('POST', `${ENDPOINTS}/${endpoint.id}/test`, { token: admin, ...on() }), 409, 'CONFLICT');
  });

  it('disables an endpoint after 50 failed tries in a row, and after 24 hours of failures', async () => {
    const { admin } = org();
    const failing = await receiver(() => ({ status: 500 }));
    const streak = await createEndpoint(admin, { url: failing.url, types: ['api_key.created'] });
    const day = await createEndpoint(admin, { url: `${failing.url}?day`, types: ['api_key.created'] });
    // 49 failures so far, and one failing for a day, by data.
    await withDatabase(async (db) => {
      await db.query(`UPDATE webhook_endpoints SET consecutive_failures = 49, failing_since = now() WHERE id = $1`, [streak.id]);
      await db.query(`UPDATE webhook_endpoints SET consecutive_failures = 3, failing_since = now() - interval '24 hours 1 second' WHERE id = $1`, [day.id]);
    }, pair.url);
    await emitEvent(admin);
    const reasons = await eventually(async () => {
      const listed = (await api('GET', ENDPOINTS, { token: admin, ...on() })).body.endpoints;
      return listed.every((e: any) => !e.enabled) ? Object.fromEntries(listed.map((e: any) => [e.id, e.disabledReason])) : undefined;
    });
    expect(reasons).toEqual({ [streak.id]: '50 tries in a row failed.', [day.id]: 'Every try failed for 24 hours.' });
    const events = await disabledEvents(admin, 2);
    expect(new Set(events.map((event: any) => event.data.endpointId))).toEqual(new Set([streak.id, day.id]));
  });

  it('keeps a hanging endpoint from delaying a healthy one: the healthy one gets every event while the hanging one has not answered once', async () => {
    const { admin } = org();
    const hanging = await receiver(() => 'hang');
    const healthy = await receiver();
    const slow = await createEndpoint(admin, { url: hanging.url, types: ['api_key.created'] });
    await createEndpoint(admin, { url: healthy.url, types: ['api_key.created'] });
    for (let i = 0; i < 20; i++) await emitEvent(admin, `k${i}`);
    await eventually(async () => (new Set(healthy.received.map((r) => r.webhookId)).size === 20 ? true : undefined), 15_000, 'the healthy endpoint has all 20');
    // Two instances, each at most 4 tries in flight to one endpoint: the rest of their 32 slots each served the healthy one.
    expect(hanging.maxOpen).toBeLessThanOrEqual(8);
    expect(hanging.received.length).toBeGreaterThan(0);
    const log = await eventually(async () => {
      const body = await deliveries(admin, slow.id, '?pageSize=100');
      return body.deliveries.some((d: any) => d.tries.some((t: any) => t.error)) ? body : undefined;
    });
    const timedOut = log.deliveries.flatMap((d: any) => d.tries).find((t: any) => t.error);
    expect(timedOut).toMatchObject({ statusCode: null, error: 'No answer within 1000 ms.' });
  });

  it('checks the address again at send time: an endpoint whose URL now leads to a private address is not connected to', async () => {
    const { admin } = org();
    const hook = await receiver();
    const endpoint = await createEndpoint(admin, { url: hook.url, types: ['api_key.created'] });
    // As if the name had been re-pointed after creation (set by data: the API refuses it).
    await withDatabase((db) => db.query(`UPDATE webhook_endpoints SET url = 'http://private.example.test/hook' WHERE id = $1`, [endpoint.id]), pair.url);
    await emitEvent(admin);
    // A try is listed from its claim on, its outcome all null until it is recorded: wait for the outcome.
    const log = await eventually(async () => {
      const body = await deliveries(admin, endpoint.id);
      return body.deliveries[0]?.tries[0]?.latencyMs !== null && body.deliveries[0]?.tries.length >= 1 ? body : undefined;
    });
    expect(log.deliveries[0].tries[0]).toMatchObject({ statusCode: null, latencyMs: 0, error: 'Not sent: the URL leads to 10.0.0.5, a private address; webhooks go to public addresses only.' });
    expect(hook.received).toEqual([]);
  });

  it('never sends one try twice from two instances: 40 events, each received exactly once', async () => {
    const { admin } = org();
    const hook = await receiver();
    await createEndpoint(admin, { url: hook.url, types: ['api_key.created'] });
    await Promise.all(Array.from({ length: 40 }, (_, i) => emitEvent(admin, `p${i}`)));
    await eventually(async () => (hook.received.length >= 40 ? true : undefined), 15_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ids = hook.received.map((r) => r.webhookId);
    expect(new Set(ids).size).toBe(40);
    expect(ids).toHaveLength(40);
  });

  it('pages the delivery log newest first, filters by status, sends a test event and redelivers with the same webhook-id', async () => {
    const { admin } = org();
    const hook = await receiver((request) => (request.body.includes('"fail-me"') ? { status: 400 } : { status: 200 }));
    const endpoint = await createEndpoint(admin, { url: hook.url, types: ['api_key.created'] });
    await emitEvent(admin, 'one');
    await emitEvent(admin, 'two');
    await emitEvent(admin, 'fail-me');
    await eventually(async () => ((await deliveries(admin, endpoint.id)).deliveries.length === 3 ? true : undefined));
    const test = await api('POST', `${ENDPOINTS}/${endpoint.id}/test`, { token: admin, ...on() });
    expect(test.status).toBe(202);
    expect(test.body).toMatchObject({ type: 'webhook.test', eventId: null, status: 'pending', webhookId: expect.stringMatching(/^msg_test_/) });

    await eventually(async () => ((await deliveries(admin, endpoint.id, '?status=failed')).deliveries.length === 1 ? true : undefined), 15_000);
    const testRequest = hook.received.find((r) => r.webhookId === test.body.webhookId);
    expect(verifyWith(endpoint.secret, testRequest!)).toMatchObject({ type: 'webhook.test', data: { endpointId: endpoint.id } });

    const first = await deliveries(admin, endpoint.id, '?pageSize=2');
    expect(first.deliveries).toHaveLength(2);
    const second = await deliveries(admin, endpoint.id, `?pageSize=2&pageToken=${first.nextPageToken}`);
    expect(second.deliveries).toHaveLength(2);
    expect(second.nextPageToken).toBeNull();
    const ids = [...first.deliveries, ...second.deliveries].map((d: any) => d.id);
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
    expect(first.deliveries[0].id).toBe(test.body.id);
    const failed = (await deliveries(admin, endpoint.id, '?status=failed')).deliveries[0];
    expect(failed.tries).toHaveLength(8);
    expect((await deliveries(admin, endpoint.id, '?status=delivered')).deliveries).toHaveLength(3);
    expectProblem(await api('GET', `${ENDPOINTS}/${endpoint.id}/deliveries?status=lost`, { token: admin, ...on() }), 400, 'VALIDATION_FAILED');

    const delivered = (await deliveries(admin, endpoint.id, '?status=delivered')).deliveries.find((d: any) => d.type === 'api_key.created');
    const before = hook.received.filter((r) => r.webhookId === delivered.webhookId).length;
    const again = await api('POST', `${ENDPOINTS}/${endpoint.id}/deliveries/${delivered.id}/redeliver`, { token: admin, ...on('b') });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: delivered.id, status: 'pending', webhookId: delivered.webhookId });
    await eventually(async () => (hook.received.filter((r) => r.webhookId === delivered.webhookId).length === before + 1 ? true : undefined));
    const redelivered = await eventually(async () => {
      const row = (await deliveries(admin, endpoint.id, '?status=delivered')).deliveries.find((d: any) => d.id === delivered.id);
      return row?.tries.length === 2 ? row : undefined;
    });
    expect(redelivered.tries.map((t: any) => t.statusCode)).toEqual([200, 200]);
    expectProblem(await api('POST', `${ENDPOINTS}/${endpoint.id}/deliveries/999999999/redeliver`, { token: admin, ...on() }), 404, 'NOT_FOUND');
    expectProblem(await api('POST', `${ENDPOINTS}/${endpoint.id}/deliveries/abc/redeliver`, { token: admin, ...on() }), 404, 'NOT_FOUND');
  });

  it('loses nothing when every instance is killed mid-delivery: a new instance sends the try again after its lease', async () => {
    const { admin } = org();
    const hook = await receiver((_request, n) => (n === 1 ? 'hang' : { status: 200 }));
    const endpoint = await createEndpoint(admin, { url: hook.url, types: ['api_key.created'] });
    await emitEvent(admin);
    await eventually(async () => (hook.received.length === 1 ? true : undefined));
    await Promise.all([pair.apps.a.kill(), pair.apps.b.kill()]);
    const restarted = await startInstance('restarted');
    await eventually(async () => (hook.received.length === 2 ? true : undefined), 15_000);
    expect(hook.received[1]!.webhookId).toBe(hook.received[0]!.webhookId);
    verifyWith(endpoint.secret, hook.received[1]!);
    const log = await eventually(async () => {
      const body = (await api('GET', `${ENDPOINTS}/${endpoint.id}/deliveries`, { token: admin, baseUrl: restarted.url })).body;
      return body.deliveries[0]?.status === 'delivered' ? body : undefined;
    });
    expect(log.deliveries[0].tries).toEqual([
      expect.objectContaining({ try: 1, statusCode: null, error: 'No outcome was recorded: the sending instance stopped.' }),
      expect.objectContaining({ try: 2, statusCode: 200 }),
    ]);
  });
});
