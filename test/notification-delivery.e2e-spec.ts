import { AGENTS, deployableTask, freshOrg, scheduleTrigger } from './support/agents';
import { AppProcess, startApp, suiteEnv } from './support/app-process';
import { ownDatabase, withDatabase } from './support/database';
import { callsAbout, FakePost, postsTo, RATE_LIMIT_RETRY_AFTER_SECONDS, SLOW_ANSWER_MS } from './support/fake-slack';
import { api, expectProblem } from './support/http';
import { auth, Caller, user } from './support/principals';
import { eventually } from './support/runs';

/**
 * Issue #13: run events reach Slack through the outbox and pg-boss. The fake Slack (a real HTTP
 * server) answers chat.postMessage by channel prefix (see fake-slack.ts) and lists what each channel
 * received; each test uses channels of its own. The suite service retries after 300 ms, 1.2 s…
 * and paces each channel to one message a second.
 */
const SLACK = () => process.env.E2E_SLACK_API_URL ?? '';
const unique = () => Math.random().toString(36).slice(2, 10).toUpperCase();
const channelFor = (prefix: string) => `${prefix}${unique()}`;

/** The run API of one service instance (the suite's unless `baseUrl`), as one org's admin and runtime. */
function runApi(org: string, baseUrl?: string) {
  const admin = user(org, 'notify-admin', { admin: true });
  let runtime: Caller | undefined;
  const call = async (method: string, path: string, who: Caller, body?: unknown) => api(method, path, { ...auth(who), body, baseUrl });
  const ok = async (method: string, path: string, who: Caller, body: unknown, status: number) => {
    const response = await call(method, path, who, body);
    if (response.status !== status) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  return {
    admin,
    /** A deployed task agent notifying `channel` (toggles as given, the rest default). */
    async agent(channel: string | null, events: Record<string, boolean> = {}, overrides: Record<string, unknown> = {}) {
      const notificationConfig = channel ? { slackChannelId: channel, events } : null;
      const created = await ok('POST', AGENTS, admin, deployableTask({ notificationConfig, ...overrides }), 201);
      await ok('POST', `${AGENTS}/${created.id}/deploy`, admin, undefined, 200);
      return created as { id: number; name: string };
    },
    /** Starts a run, claims it as the org's runtime and reports `events` on it; returns the run id. */
    async run(agentId: number, events: Record<string, unknown>[]): Promise<string> {
      runtime ??= { apiKey: (await ok('POST', '/api/v1/api-keys', admin, { name: 'notify runtime', role: 'runtime' }, 201)).key };
      const run = await ok('POST', `${AGENTS}/${agentId}/runs`, admin, {}, 201);
      const claimed = await ok('POST', '/api/v1/runtime/claim', runtime, { agentIds: [agentId], waitSeconds: 10 }, 200);
      expect(claimed.run.id).toBe(run.id);
      for (const event of [{ type: 'started' }, ...events]) await ok('POST', `/api/v1/runs/${run.id}/events`, runtime, event, 200);
      return run.id as string;
    },
    log: (agentId: number, query = '', who: Caller = admin) => call('GET', `${AGENTS}/${agentId}/notifications${query}`, who),
    test: (agentId: number, who: Caller = admin) => call('POST', `${AGENTS}/${agentId}/notifications/test`, who),
  };
}

type Notification = { id: number; runId: string | null; event: string; status: string; attempts: number; lastError: string | null; slackTs: string | null; [key: string]: unknown };

/** The agent's delivery log once `done` holds for it. */
async function logWhen(api: ReturnType<typeof runApi>, agentId: number, done: (log: Notification[]) => boolean, timeoutMs = 15_000): Promise<Notification[]> {
  return eventually(
    async () => {
      const response = await api.log(agentId, '?pageSize=100');
      expect(response.status).toBe(200);
      return done(response.body.notifications) ? (response.body.notifications as Notification[]) : undefined;
    },
    timeoutMs,
    `delivery log of agent ${agentId}`,
  );
}

const allSettled = (count: number) => (log: Notification[]) => log.length === count && log.every((n) => n.status !== 'pending');
/** The ts the fake Slack gave the channel's `index`-th message. */
const fakeTs = (post: FakePost, index: number) => `${Math.floor(post.at / 1000)}.${String(index + 1).padStart(6, '0')}`;
const gaps = (posts: FakePost[]) => posts.slice(1).map((post, i) => post.at - posts[i].at);

describe('notification delivery', () => {
  const org = freshOrg();
  const notify = runApi(org);

  it('delivers each notifying event once, with Block Kit, paced per channel, and logs it', async () => {
    const channel = channelFor('CMEMBER');
    const agent = await notify.agent(channel);
    const runId = await notify.run(agent.id, [
      { type: 'action_taken', message: 'Fetched 42 orders from the CRM.' },
      { type: 'outcome', output: { report: 'EMEA up 4%' }, message: 'Report sent.' },
    ]);
    const log = await logWhen(notify, agent.id, allSettled(2));

    expect(log.map((n) => n.event)).toEqual(['outcome', 'action_taken']);
    for (const entry of log) {
      expect(entry).toEqual({
        id: expect.any(Number),
        runId,
        event: expect.any(String),
        channel,
        status: 'delivered',
        attempts: 1,
        lastError: null,
        nextAttemptAt: null,
        createdAt: expect.any(String),
        deliveredAt: expect.any(String),
        slackTs: expect.any(String),
      });
    }
    const posts = await postsTo(SLACK(), channel);
    expect(posts.map((p) => p.answer)).toEqual(['ok', 'ok']);
    expect(posts[0].text).toBe(`Agent "${agent.name}" took an action: Fetched 42 orders from the CRM.`);
    expect(posts[1].text).toBe(`Agent "${agent.name}" succeeded: Report sent.`);
    const fields = JSON.stringify(posts[1].blocks);
    for (const shown of [agent.name, 'outcome', 'succeeded', '*Version*\\n1', '*Trigger*\\nmanual', runId, 'Report sent.']) expect(fields).toContain(shown);
    // Slack allows about one message a second per channel.
    expect(gaps(posts)[0]).toBeGreaterThanOrEqual(950);
    expect(log.map((n) => n.slackTs).sort()).toEqual(posts.map(fakeTs).sort());
  });

  it('sends nothing for an event whose toggle is off, nor for an agent without a config', async () => {
    const channel = channelFor('CMEMBER');
    const agent = await notify.agent(channel, { actionTaken: false, outcome: false });
    await notify.run(agent.id, [{ type: 'action_taken', message: 'quiet' }, { type: 'error', error: { code: 'crm_down', message: 'The CRM did not answer.' } }]);
    const log = await logWhen(notify, agent.id, allSettled(1));
    expect(log).toEqual([expect.objectContaining({ event: 'error', status: 'delivered' })]);
    const posts = await postsTo(SLACK(), channel);
    expect(posts).toHaveLength(1);
    expect(posts[0].text).toBe(`Agent "${agent.name}" failed: crm_down: The CRM did not answer.`);

    const silent = await notify.agent(null);
    await notify.run(silent.id, [{ type: 'outcome', output: 1 }]);
    expect((await notify.log(silent.id)).body).toEqual({ notifications: [], nextPageToken: null });
  });

  it('writes a notification with its event and never without: a refused event notifies nobody', async () => {
    const channel = channelFor('CMEMBER');
    const agent = await notify.agent(channel);
    const runId = await notify.run(agent.id, [{ type: 'approval_required', message: 'Refund 120 EUR?' }]);
    const refused = await api('POST', `/api/v1/runs/${runId}/events`, { ...auth(notify.admin), body: { type: 'outcome', output: 1 } });
    expectProblem(refused, 409, 'RUN_STATE_CONFLICT');
    const log = await logWhen(notify, agent.id, allSettled(1));
    expect(log.map((n) => n.event)).toEqual(['approval_required']);
    const rows = await withDatabase(async (db) =>
      (
        await db.query(
          `SELECT e.type, n.id IS NOT NULL AS notified FROM run_events e LEFT JOIN notifications n ON n.run_id = e.run_id AND n.event_seq = e.seq
           WHERE e.run_id = $1 ORDER BY e.seq`,
          [runId],
        )
      ).rows,
    );
    expect(rows).toEqual([
      { type: 'started', notified: false },
      { type: 'approval_required', notified: true },
    ]);
  });

  it("waits Slack's Retry-After after a 429, then delivers on the second attempt", async () => {
    const channel = channelFor('CRATE');
    const agent = await notify.agent(channel);
    await notify.run(agent.id, [{ type: 'outcome', output: 'done' }]);
    const waiting = await logWhen(notify, agent.id, (log) => log.length === 1 && log[0].lastError === 'ratelimited', 10_000);
    expect(waiting[0]).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: expect.any(String) });
    const [delivered] = await logWhen(notify, agent.id, allSettled(1));
    expect(delivered).toMatchObject({ status: 'delivered', attempts: 2, lastError: null });
    const posts = await postsTo(SLACK(), channel);
    expect(posts.map((p) => p.answer)).toEqual(['http_429', 'ok']);
    expect(gaps(posts)[0]).toBeGreaterThanOrEqual(RATE_LIMIT_RETRY_AFTER_SECONDS * 1000 - 50);
  });

  it('retries a server error with growing waits until Slack takes the message', async () => {
    const channel = channelFor('CFLAKY');
    const agent = await notify.agent(channel);
    await notify.run(agent.id, [{ type: 'outcome', output: 'done' }]);
    const [delivered] = await logWhen(notify, agent.id, allSettled(1));
    expect(delivered).toMatchObject({ status: 'delivered', attempts: 3, lastError: null });
    const posts = await postsTo(SLACK(), channel);
    expect(posts.map((p) => p.answer)).toEqual(['http_500', 'http_500', 'ok']);
    // 300 ms then 1.2 s (±20 %), each at least the channel's one-second pace.
    const [first, second] = gaps(posts);
    expect(first).toBeGreaterThanOrEqual(950);
    expect(second).toBeGreaterThanOrEqual(960);
  });

  it('fails at once, after one attempt, when the bot was removed from the channel', async () => {
    const channel = channelFor('CKICKED');
    const agent = await notify.agent(channel);
    await notify.run(agent.id, [{ type: 'outcome', output: 'done' }]);
    const [failed] = await logWhen(notify, agent.id, allSettled(1));
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, lastError: 'not_in_channel', nextAttemptAt: null, deliveredAt: null, slackTs: null });
    // A retry would come after 300 ms plus the channel's pace: wait past it.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await postsTo(SLACK(), channel)).map((p) => p.answer)).toEqual(['not_in_channel']);
  });

  it('does not re-send a message whose answer was lost (Slack too slow): the retry finds it in the channel and logs it', async () => {
    const channel = channelFor('CSLOW');
    const agent = await notify.agent(channel);
    await notify.run(agent.id, [{ type: 'outcome', output: 'done' }]);
    const log = await logWhen(notify, agent.id, allSettled(1), 20_000);
    const posts = await postsTo(SLACK(), channel);
    expect(posts.map((p) => p.answer)).toEqual(['slow']);
    expect(log).toEqual([expect.objectContaining({ status: 'delivered', attempts: 2, lastError: null, slackTs: posts[0]!.ts })]);
    expect((await callsAbout(SLACK(), channel)).map((call) => call.method)).toEqual(['conversations.info', 'chat.postMessage', 'conversations.history']);
  });

  describe('the delivery log', () => {
    it('pages newest first, filters by status, and is for managers of the agent only', async () => {
      const channel = channelFor('CMEMBER');
      const agent = await notify.agent(channel, {}, { accessConfig: { orgAccess: 'use' } });
      await notify.run(agent.id, [{ type: 'action_taken' }, { type: 'action_taken' }, { type: 'outcome', output: 1 }]);
      const all = await logWhen(notify, agent.id, allSettled(3), 20_000);

      const first = await notify.log(agent.id, '?pageSize=2');
      expect(first.body.notifications.map((n: Notification) => n.id)).toEqual(all.slice(0, 2).map((n) => n.id));
      const second = await notify.log(agent.id, `?pageSize=2&pageToken=${encodeURIComponent(first.body.nextPageToken)}`);
      expect(second.body).toEqual({ notifications: [all[2]], nextPageToken: null });
      expect((await notify.log(agent.id, '?status=failed')).body.notifications).toEqual([]);
      expect((await notify.log(agent.id, '?status=delivered')).body.notifications).toHaveLength(3);

      expectProblem(await notify.log(agent.id, '?status=lost'), 400, 'VALIDATION_FAILED');
      expectProblem(await notify.log(agent.id, '', user(org, 'a-user')), 403, 'FORBIDDEN');
      expectProblem(await notify.log(agent.id, '', user(freshOrg(), 'stranger', { admin: true })), 404, 'NOT_FOUND');
      expectProblem(await notify.log(999_999_999), 404, 'NOT_FOUND');
    });
  });

  describe('the test message', () => {
    it("posts now and returns Slack's timestamp", async () => {
      const channel = channelFor('CMEMBER');
      const agent = await notify.agent(channel);
      const response = await notify.test(agent.id);
      expect(response.status).toBe(200);
      const posts = await postsTo(SLACK(), channel);
      expect(posts).toHaveLength(1);
      expect(response.body).toEqual({ delivered: true, channel, slackTs: expect.stringMatching(/^\d+\.\d{6}$/) });
      expect(posts[0].text).toContain(`Test message from Agentry for agent "${agent.name}"`);
      // Not a run event: the delivery log stays empty.
      expect((await notify.log(agent.id)).body.notifications).toEqual([]);
    });

    it("answers Slack's permanent refusals with 422 and an unreachable Slack with 503", async () => {
      const kicked = await notify.agent(channelFor('CKICKED'));
      expect(expectProblem(await notify.test(kicked.id), 422, 'NOTIFICATION_CHANNEL_NOT_JOINED').detail).toContain('/invite');
      const archived = await notify.agent(channelFor('CARCHIVED'));
      expect(expectProblem(await notify.test(archived.id), 422, 'NOTIFICATION_REJECTED').detail).toContain('is_archived');
      const down = await notify.agent(channelFor('CDOWN'));
      expectProblem(await notify.test(down.id), 503, 'SLACK_UNAVAILABLE');
      const slow = await notify.agent(channelFor('CSLOW'));
      const began = Date.now();
      expectProblem(await notify.test(slow.id), 503, 'SLACK_UNAVAILABLE');
      expect(Date.now() - began).toBeLessThan(SLOW_ANSWER_MS + 1500);
    });

    it("answers Slack's 429 with 503 whose Retry-After header and detail both name Slack's wait", async () => {
      const agent = await notify.agent(channelFor('CRATE'));
      const response = await notify.test(agent.id);
      const problem = expectProblem(response, 503, 'SLACK_UNAVAILABLE');
      expect(response.headers.get('retry-after')).toBe(String(RATE_LIMIT_RETRY_AFTER_SECONDS));
      expect(problem.detail).toContain(`retry in ${RATE_LIMIT_RETRY_AFTER_SECONDS} s`);
    });

    it('needs a configured channel and a manager', async () => {
      const unconfigured = await notify.agent(null, {}, { accessConfig: { orgAccess: 'use' } });
      expectProblem(await notify.test(unconfigured.id), 409, 'NOTIFICATIONS_NOT_CONFIGURED');
      expectProblem(await notify.test(unconfigured.id, user(org, 'a-user')), 403, 'FORBIDDEN');
      expectProblem(await notify.test(unconfigured.id, user(freshOrg(), 'stranger', { admin: true })), 404, 'NOT_FOUND');
    });
  });

  describe('the daily digest', () => {
    let second: AppProcess;
    beforeAll(async () => {
      // Two instances sweep digests: each agent must still get one.
      second = await startApp(suiteEnv());
    }, 60_000);
    afterAll(async () => {
      await second?.stop();
    });

    const digestDue = (agentId: number) =>
      withDatabase(async (db) => (await db.query(`SELECT digest_due_at FROM agents WHERE id = $1`, [agentId])).rows[0].digest_due_at as Date | null);
    /** Moves the agent's stored due time into the past: the digest is due now. */
    const makeDue = (agentIds: number[]) => withDatabase((db) => db.query(`UPDATE agents SET digest_due_at = now() - interval '1 minute' WHERE id = ANY($1)`, [agentIds]));
    const localTime = (date: Date, timeZone: string) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);

    it('plans 09:00 in the schedule zone when turned on, then sends one summary per agent across instances', async () => {
      const zone = 'America/New_York';
      const agents = await Promise.all(
        Array.from({ length: 6 }, async () => {
          const channel = channelFor('CMEMBER');
          const agent = await notify.agent(channel, { digest: true, outcome: false, error: false, actionTaken: false }, { trigger: scheduleTrigger('0 6 * * *', zone) });
          return { ...agent, channel };
        }),
      );
      // Turning it on sends nothing yet: the sweep plans the next 09:00 New York time.
      for (const agent of agents) {
        const due = await eventually(() => digestDue(agent.id).then((d) => d ?? undefined), 10_000, 'digest planned');
        expect(localTime(new Date(due), zone)).toBe('09:00');
        expect(new Date(due).getTime()).toBeGreaterThan(Date.now());
      }
      for (const agent of agents) {
        await notify.run(agent.id, [{ type: 'outcome', output: 1 }]);
        await notify.run(agent.id, [{ type: 'error', error: { code: 'crm_down', message: 'The CRM did not answer.' } }]);
      }
      await makeDue(agents.map((a) => a.id));

      for (const agent of agents) {
        const [digest] = await logWhen(notify, agent.id, allSettled(1), 20_000);
        expect(digest).toMatchObject({ event: 'digest', runId: null, status: 'delivered', attempts: 1 });
        const posts = await postsTo(SLACK(), agent.channel);
        expect(posts).toHaveLength(1);
        expect(posts[0].text).toBe(`Daily digest for agent "${agent.name}": 2 runs in the last 24 hours (failed: 1, succeeded: 1)`);
        expect(JSON.stringify(posts[0].blocks)).toContain('crm_down: The CRM did not answer.');
        const next = new Date((await digestDue(agent.id)) as Date);
        expect(localTime(next, zone)).toBe('09:00');
        expect(next.getTime()).toBeGreaterThan(Date.now());
      }
    });

    it('sends none for a day without runs, and uses UTC without a schedule', async () => {
      const channel = channelFor('CMEMBER');
      const agent = await notify.agent(channel, { digest: true });
      await eventually(() => digestDue(agent.id).then((d) => d ?? undefined), 10_000, 'digest planned');
      await makeDue([agent.id]);
      const next = await eventually(
        () => digestDue(agent.id).then((d) => (d && new Date(d).getTime() > Date.now() ? new Date(d) : undefined)),
        10_000,
        'digest handled',
      );
      expect(next.toISOString()).toMatch(/T09:00:00\.000Z$/);
      expect((await notify.log(agent.id)).body.notifications).toEqual([]);
      expect(await postsTo(SLACK(), channel)).toEqual([]);
    });
  });
});

describe('notification delivery across a restart, and the attempt limit', () => {
  let database: { url: string; drop: () => Promise<void> };
  let app: AppProcess | undefined;
  const org = freshOrg();
  // A database of its own: this service gives up after three tries, which the suite service must not apply to its tests.
  const env = () => suiteEnv({ DATABASE_URL: database.url, NOTIFY_MAX_ATTEMPTS: '3', NOTIFY_RETRY_BASE_MS: '100' });

  beforeAll(async () => {
    database = await ownDatabase('agentry_notify_test');
    app = await startApp(env());
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await database?.drop();
  });

  it('gives up after NOTIFY_MAX_ATTEMPTS tries', async () => {
    const notify = runApi(org, app?.url);
    const channel = channelFor('CDOWN');
    const agent = await notify.agent(channel);
    await notify.run(agent.id, [{ type: 'outcome', output: 'done' }]);
    const [failed] = await logWhen(notify, agent.id, allSettled(1), 20_000);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, lastError: 'http_500', nextAttemptAt: null });
    expect((await postsTo(SLACK(), channel)).map((p) => p.answer)).toEqual(['http_500', 'http_500', 'http_500']);
  });

  it('delivers what was pending when the service stopped after it starts again, each exactly once', async () => {
    const channel = channelFor('CMEMBER');
    let notify = runApi(org, app?.url);
    const agent = await notify.agent(channel);
    // Six notifications on one channel take six seconds at one a second: most are pending at the stop.
    await notify.run(agent.id, [{ type: 'action_taken' }, { type: 'action_taken' }, { type: 'action_taken' }, { type: 'action_taken' }, { type: 'action_taken' }, { type: 'outcome', output: 1 }]);
    expect(await app?.stop()).toBe(0);
    app = undefined;
    const pendingAtStop = await withDatabase(
      async (db) => (await db.query(`SELECT count(*)::int AS n FROM notifications WHERE agent_id = $1 AND status = 'pending'`, [agent.id])).rows[0].n as number,
      database.url,
    );
    expect(pendingAtStop).toBeGreaterThan(0);

    app = await startApp(env());
    notify = runApi(org, app.url);
    const log = await logWhen(notify, agent.id, allSettled(6), 30_000);
    expect(log.every((n) => n.status === 'delivered')).toBe(true);
    const posts = await postsTo(SLACK(), channel);
    expect(posts).toHaveLength(6);
    expect(log.map((n) => n.slackTs).sort()).toEqual(posts.map(fakeTs).sort());
  });
});

describe('notifications without SLACK_BOT_TOKEN (log transport)', () => {
  let database: { url: string; drop: () => Promise<void> };
  let app: AppProcess;
  const org = freshOrg();

  beforeAll(async () => {
    // A database of its own: on the shared one this service would write the suite's notifications to its log.
    database = await ownDatabase('agentry_log_transport_test');
    app = await startApp({ DATABASE_URL: database.url, AUTH_JWT_SECRET: process.env.E2E_JWT_SECRET, LOG_LEVEL: 'info' });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await database?.drop();
  });

  it('says at start that channels are accepted unverified', () => {
    expect(app.output()).toContain('SLACK_BOT_TOKEN not set: notification channels are accepted unverified and notifications are written to the log');
  });

  it('accepts a channel without asking Slack, and delivers through the same pipeline to the log', async () => {
    const notify = runApi(org, app.url);
    const agent = await notify.agent('CNOTMEMBER03', { actionTaken: false });
    const agentView = await api('GET', `${AGENTS}/${agent.id}`, { ...auth(notify.admin), baseUrl: app.url });
    expect(agentView.body.notificationConfig).toEqual({
      slackChannelId: 'CNOTMEMBER03',
      events: { actionTaken: false, approvalRequired: true, outcome: true, error: true, digest: false },
    });
    await notify.run(agent.id, [{ type: 'action_taken' }, { type: 'outcome', output: 1, message: 'Logged, not posted.' }]);
    const log = await logWhen(notify, agent.id, allSettled(1));
    expect(log).toEqual([expect.objectContaining({ event: 'outcome', status: 'delivered', attempts: 1, slackTs: null })]);
    expect(app.output()).toContain(`Notification for CNOTMEMBER03: Agent \\"${agent.name}\\" succeeded: Logged, not posted.`);
    expect(await notify.test(agent.id)).toMatchObject({ status: 200, body: { delivered: true, channel: 'CNOTMEMBER03', slackTs: null } });
  });
});
