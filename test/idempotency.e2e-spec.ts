import { randomUUID } from 'node:crypto';
import { AGENTS, createAgent, deployableTask, freshOrg } from './support/agents';
import { AppProcess, startApp, suiteEnv } from './support/app-process';
import { withDatabase } from './support/database';
import { api, ApiResponse, expectProblem } from './support/http';
import { auth, Caller, user } from './support/principals';
import { deployedAgent, RUNS } from './support/runs';

/**
 * Issue #25: Idempotency-Key (SPEC §15, IETF httpapi draft). The database decides between instances:
 * whatever the interleaving, one request acts and the others replay its answer or are told it is in flight.
 */
const post = (who: Caller, path: string, key: string | undefined, body?: unknown, baseUrl?: string): Promise<ApiResponse> =>
  api('POST', path, { ...auth(who), body, baseUrl, headers: key === undefined ? undefined : { 'idempotency-key': key } });

const runsOf = (agentId: number) => withDatabase(async (db) => (await db.query(`SELECT id FROM runs WHERE agent_id = $1`, [agentId])).rows.map((row) => row.id as string));

describe('Idempotency-Key', () => {
  let b: AppProcess;

  beforeAll(async () => {
    b = await startApp(suiteEnv());
  }, 60_000);
  afterAll(async () => {
    await b?.stop();
  });

  it('20 identical starts at once across two instances make exactly one run; the rest replay it or are told it is in flight', async () => {
    const owner = user(freshOrg(), 'owner');
    const agent = await deployedAgent(owner);
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(owner, `${AGENTS}/${agent.id}/runs`, key, { input: { n: 1 } }, i % 2 === 0 ? undefined : b.url)),
    );
    const runs = await runsOf(agent.id);
    expect(runs).toHaveLength(1);
    const created = answers.filter((answer) => answer.status === 201);
    const inFlight = answers.filter((answer) => answer.status === 409);
    expect(created.length + inFlight.length).toBe(20);
    expect(created.filter((answer) => answer.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    for (const answer of created) expect(answer.body.id).toBe(runs[0]);
    for (const answer of inFlight) {
      expectProblem(answer, 409, 'IDEMPOTENCY_KEY_IN_USE');
      expect(answer.headers.get('retry-after')).toBe('1');
    }
    // Once the first answered, every repeat, on either instance, replays it.
    for (const baseUrl of [undefined, b.url]) {
      const again = await post(owner, `${AGENTS}/${agent.id}/runs`, key, { input: { n: 1 } }, baseUrl);
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(created.find((answer) => answer.headers.get('idempotent-replayed') !== 'true')?.body);
    }
    expect(await runsOf(agent.id)).toHaveLength(1);
  }, 60_000);

  it('replays status, body and ETag; another body with the key is 422; the same body with its fields reordered and the key quoted is a replay', async () => {
    const owner = user(freshOrg(), 'owner');
    const key = `create-${randomUUID()}`;
    const body = deployableTask({ name: 'Idempotent agent', description: 'once' });
    const first = await post(owner, AGENTS, key, body);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = await post(owner, AGENTS, `"${key}"`, reordered);
    expect({ status: again.status, body: again.body, etag: again.headers.get('etag'), replayed: again.headers.get('idempotent-replayed') }).toEqual({
      status: 201,
      body: first.body,
      etag: first.headers.get('etag'),
      replayed: 'true',
    });
    expectProblem(await post(owner, AGENTS, key, { ...body, description: 'twice' }), 422, 'IDEMPOTENCY_KEY_REUSED');
    // Another path with the key is another request too.
    expectProblem(await post(owner, `${AGENTS}/${first.body.id}/deploy`, key), 422, 'IDEMPOTENCY_KEY_REUSED');
    const listed = await api('GET', `${AGENTS}?q=Idempotent`, auth(owner));
    expect(listed.body.agents).toHaveLength(1);
  });

  it('keys are per caller: another caller with the same key acts on its own', async () => {
    const org = freshOrg();
    const key = randomUUID();
    const a = await post(user(org, 'a'), AGENTS, key, deployableTask({ name: 'Mine' }));
    const other = await post(user(org, 'b'), AGENTS, key, deployableTask({ name: 'Mine' }));
    expect([a.status, other.status]).toEqual([201, 201]);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    expect(other.body.id).not.toBe(a.body.id);
  });

  it('refuses keys that are empty, longer than 255 characters or not printable with 400 naming the header, and acts on none', async () => {
    const owner = user(freshOrg(), 'owner');
    for (const key of ['x'.repeat(256), 'tab\there', '""']) {
      const refused = await post(owner, AGENTS, key, deployableTask({ name: 'Never' }));
      expect(expectProblem(refused, 400, 'VALIDATION_FAILED').errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
    }
    expect((await post(owner, AGENTS, 'k'.repeat(255), deployableTask({ name: 'Longest key' }))).status).toBe(201);
    const listed = await api('GET', AGENTS, auth(owner));
    expect(listed.body.agents.map((agent: any) => agent.name)).toEqual(['Longest key']);
  });

  it('a request that failed without writing frees its key: the corrected request acts', async () => {
    const owner = user(freshOrg(), 'owner');
    const key = randomUUID();
    expectProblem(await post(owner, AGENTS, key, { name: '' }), 400, 'VALIDATION_FAILED');
    const corrected = await post(owner, AGENTS, key, deployableTask({ name: 'Corrected' }));
    expect(corrected.status).toBe(201);
    expect(corrected.headers.get('idempotent-replayed')).toBeNull();
  });

  it('covers run actions (cancel), API keys (the secret is never stored, so a replay answers without it) and the seed 001 create', async () => {
    const org = freshOrg();
    const admin = user(org, 'admin', { admin: true });
    const agent = await deployedAgent(admin);
    const run = await post(admin, `${AGENTS}/${agent.id}/runs`, undefined, {});
    const cancelKey = randomUUID();
    const cancelled = await post(admin, `${RUNS}/${run.body.id}/cancel`, cancelKey);
    expect(cancelled.status).toBe(200);
    const cancelledAgain = await post(admin, `${RUNS}/${run.body.id}/cancel`, cancelKey);
    expect({ status: cancelledAgain.status, body: cancelledAgain.body, replayed: cancelledAgain.headers.get('idempotent-replayed') }).toEqual({
      status: 200,
      body: cancelled.body,
      replayed: 'true',
    });
    // Without the key the same call is a new one, and the run is no longer cancellable.
    expectProblem(await post(admin, `${RUNS}/${run.body.id}/cancel`, undefined), 409, 'RUN_STATE_CONFLICT');

    const keyKey = randomUUID();
    const created = await post(admin, '/api/v1/api-keys', keyKey, { name: 'ci', role: 'member' });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^pk_live_/);
    const replayed = await post(admin, '/api/v1/api-keys', keyKey, { name: 'ci', role: 'member' });
    const { key: secret, ...withoutSecret } = created.body;
    expect({ status: replayed.status, body: replayed.body, replayed: replayed.headers.get('idempotent-replayed') }).toEqual({ status: 201, body: withoutSecret, replayed: 'true' });
    const stored = await withDatabase(async (db) => (await db.query(`SELECT response_body::text AS body FROM idempotency_keys WHERE key = $1`, [keyKey])).rows[0].body as string);
    expect(stored).not.toContain(secret);

    const chatKey = randomUUID();
    const chat = { fullName: 'Support Bot', systemPrompt: 'Help.', isActive: true };
    const first = await post(admin, '/v2/chat/agents', chatKey, chat);
    expect(first.status).toBe(201);
    const second = await post(admin, '/v2/chat/agents', chatKey, chat);
    expect({ status: second.status, body: second.body, replayed: second.headers.get('idempotent-replayed') }).toEqual({ status: 201, body: first.body, replayed: 'true' });
  });

  it('keeps keys 24 hours: an older key is gone (swept, or replaced when reused) and the request acts again', async () => {
    const owner = user(freshOrg(), 'owner');
    const key = randomUUID();
    const body = deployableTask({ name: 'Yesterday' });
    const first = await post(owner, AGENTS, key, body);
    await withDatabase((db) => db.query(`UPDATE idempotency_keys SET created_at = now() - interval '24 hours 1 second' WHERE key = $1`, [key]));
    const after = await post(owner, AGENTS, key, body);
    expect(after.status).toBe(201);
    expect(after.headers.get('idempotent-replayed')).toBeNull();
    expect(after.body.id).not.toBe(first.body.id);
    const other = randomUUID();
    await post(owner, AGENTS, other, deployableTask({ name: 'Swept' }));
    await withDatabase((db) => db.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1`, [other]));
    const swept = async () => withDatabase(async (db) => ((await db.query(`SELECT 1 FROM idempotency_keys WHERE key = $1`, [other])).rowCount === 0 ? true : undefined));
    const deadline = Date.now() + 10_000;
    while (!(await swept())) {
      if (Date.now() > deadline) throw new Error('the key past 24 h was not swept');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it('a crashed first try: never committed, its key is taken over after the hold; committed, it replays and never acts twice', async () => {
    const owner = user(freshOrg(), 'owner');
    const agent = await deployedAgent(owner);
    const path = `${AGENTS}/${agent.id}/runs`;
    const key = randomUUID();
    const first = await post(owner, path, key, {});
    // As if the instance died after the write committed but before it stored its answer.
    await withDatabase((db) => db.query(`UPDATE idempotency_keys SET state = 'committed', response_headers = NULL, locked_until = now() WHERE key = $1`, [key]));
    const recovered = await post(owner, path, key, {});
    expect({ status: recovered.status, id: recovered.body.id, replayed: recovered.headers.get('idempotent-replayed') }).toEqual({ status: 201, id: first.body.id, replayed: 'true' });
    // As if it died before committing anything: the hold lapses and the next try acts.
    const lost = randomUUID();
    await withDatabase((db) =>
      db.query(
        `INSERT INTO idempotency_keys (org_id, caller, key, fingerprint, state, token, locked_until)
         SELECT org_id, caller, $1, fingerprint, 'in_flight', gen_random_uuid(), now() + interval '30 seconds' FROM idempotency_keys WHERE key = $2`,
        [lost, key],
      ),
    );
    expectProblem(await post(owner, path, lost, {}), 409, 'IDEMPOTENCY_KEY_IN_USE');
    await withDatabase((db) => db.query(`UPDATE idempotency_keys SET locked_until = now() WHERE key = $1`, [lost]));
    const taken = await post(owner, path, lost, {});
    expect(taken.status).toBe(201);
    expect(taken.headers.get('idempotent-replayed')).toBeNull();
    expect(await runsOf(agent.id)).toHaveLength(2);
  });
});
