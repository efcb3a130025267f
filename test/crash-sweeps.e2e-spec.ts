import { AGENTS, freshOrg, scheduleTrigger } from './support/agents';
import { ageActiveJob, lockTable, Pair, startPair, waitingWriter } from './support/crash';
import { withDatabase } from './support/database';
import { postsTo } from './support/fake-slack';
import { api } from './support/http';
import { user } from './support/principals';
import { eventually } from './support/runs';

/**
 * Issue #20: `kill -9` of the instance that is sweeping, in the middle of its transaction. Two
 * instances share a database of their own; the test holds a SHARE lock on the table the sweep writes,
 * so whichever instance sweeps first is caught mid-sweep holding its row locks, and that one is
 * killed. The survivor must then do the whole sweep: one run per tick per agent (one digest per agent
 * and due time), none missing, none twice. Time moves by data: due times are set in the past.
 */
const AGENT_COUNT = 24;
const unique = () => Math.random().toString(36).slice(2, 10).toUpperCase();

/** Creates `count` agents through `baseUrl`, a few at a time. */
async function manyAgents<T>(count: number, make: () => Promise<T>): Promise<T[]> {
  const made: T[] = [];
  while (made.length < count) made.push(...(await Promise.all(Array.from({ length: Math.min(6, count - made.length) }, make))));
  return made;
}

describe('kill -9 mid-sweep', () => {
  let pair: Pair;
  const org = freshOrg();
  const admin = user(org, 'crash-admin', { admin: true });

  // A pair per test: each kills one of its instances.
  beforeEach(async () => {
    pair = await startPair('agentry_crash_sweep_test');
  }, 60_000);
  afterEach(async () => {
    await pair?.close();
  });

  const via = (label: 'a' | 'b') => ({ baseUrl: pair.apps[label].url });
  const sql = <T = any>(text: string, values: unknown[] = []) => withDatabase(async (db) => (await db.query(text, values)).rows as T[], pair.url);

  it('schedules: the survivor creates exactly one run per tick per agent, and runsCount is exact', async () => {
    const agents = await manyAgents(AGENT_COUNT, async () => {
      const created = await api('POST', AGENTS, { ...admin, ...via('a'), body: { name: `Tick ${unique()}`, type: 'task', instructions: 'Tick.', trigger: scheduleTrigger('* * * * *', 'UTC') } });
      expect(created.status).toBe(201);
      const deployedAgent = await api('POST', `${AGENTS}/${created.body.id}/deploy`, { ...admin, ...via('a') });
      expect(deployedAgent.status).toBe(200);
      return deployedAgent.body as { id: number };
    });
    const ids = agents.map((agent) => agent.id);
    // Deploying planned each agent's first tick for the next minute; had that minute begun before the
    // lock below, a sweep would already have run it, and the tick made due again below would then be
    // skipped as busy (CI saw that once). So park the schedules (the UPDATE waits out a sweep in
    // flight), then undo whatever a sweep did: every agent starts from no runs.
    await sql(`UPDATE agents SET next_run_at = now() + interval '1 day' WHERE id = ANY($1)`, [ids]);
    await sql(
      `WITH gone AS (DELETE FROM runs WHERE agent_id = ANY($1))
       UPDATE agents SET runs_count = 0, last_tick_at = NULL, last_tick_run_id = NULL, skipped_ticks = 0, missed_ticks = 0 WHERE id = ANY($1)`,
      [ids],
    );

    const lock = await lockTable(pair.url, 'runs');
    let victim: 'a' | 'b' | undefined;
    try {
      // Due now: the tick of this minute, so a sweep that comes late only moves to the next tick (counted missed).
      const [{ tick }] = await sql(`UPDATE agents SET next_run_at = date_trunc('minute', now()) WHERE id = ANY($1) RETURNING date_trunc('minute', now()) AS tick`, [ids]);
      victim = await waitingWriter(pair.url, 'INSERT INTO runs');
      await pair.apps[victim].kill();
      expect(await ageActiveJob(pair.url, 'schedules-sweep')).toBe(1);
      expect(tick).toBeInstanceOf(Date);
    } finally {
      await lock.release();
    }
    const survivor = victim === 'a' ? 'b' : 'a';

    const state = () =>
      sql<{ id: number; runs: number; runsCount: number; due: boolean; lastTickAt: Date | null; lastTickRunId: string | null; scheduledFor: Date | null; missed: number }>(
        `SELECT a.id, (SELECT count(*)::int FROM runs r WHERE r.agent_id = a.id) AS runs, a.runs_count AS "runsCount", a.next_run_at <= now() AS due,
           a.last_tick_at AS "lastTickAt", a.last_tick_run_id AS "lastTickRunId", a.missed_ticks AS missed,
           (SELECT max(r.scheduled_for) FROM runs r WHERE r.agent_id = a.id) AS "scheduledFor"
         FROM agents a WHERE a.id = ANY($1) ORDER BY a.id`,
        [ids],
      );
    const swept = await eventually(async () => {
      const rows = await state();
      return rows.every((row) => !row.due && row.runs > 0) ? rows : undefined;
    }, 15_000, 'every due agent swept by the survivor');

    for (const row of swept) {
      // One run for the tick it handled; a tick that passed while no sweep ran is counted, not run.
      expect({ id: row.id, runs: row.runs, runsCount: row.runsCount, scheduledFor: row.scheduledFor }).toEqual({ id: row.id, runs: 1, runsCount: 1, scheduledFor: row.lastTickAt });
      expect(row.lastTickRunId).not.toBeNull();
      expect(row.missed).toBeLessThanOrEqual(1);
    }
    expect(await sql(`SELECT agent_id FROM runs WHERE agent_id = ANY($1) GROUP BY agent_id, scheduled_for HAVING count(*) > 1`, [ids])).toEqual([]);
    // Through the API too: the agent's runsCount and its run history agree.
    const sample = await api('GET', `${AGENTS}/${ids[0]}`, { ...admin, ...via(survivor) });
    expect(sample.body.runsCount).toBe(1);
    expect(pair.apps[survivor].process.exitCode).toBeNull();
  }, 90_000);

  it('digests: the survivor sends exactly one digest per agent and due time, and Slack gets each once', async () => {
    const agents = await manyAgents(AGENT_COUNT, async () => {
      const channel = `CMEMBER${unique()}`;
      const events = { digest: true, actionTaken: false, approvalRequired: false, outcome: false, error: false };
      const created = await api('POST', AGENTS, { ...admin, ...via('a'), body: { name: `Digest ${unique()}`, type: 'task', instructions: 'Digest.', notificationConfig: { slackChannelId: channel, events } } });
      expect(created.status).toBe(201);
      expect((await api('POST', `${AGENTS}/${created.body.id}/deploy`, { ...admin, ...via('a') })).status).toBe(200);
      // A run in the last 24 hours: a day without runs sends no digest.
      expect((await api('POST', `${AGENTS}/${created.body.id}/runs`, { ...admin, ...via('a'), body: {} })).status).toBe(201);
      return { id: created.body.id as number, channel };
    });
    const ids = agents.map((agent) => agent.id).sort((x, y) => x - y);

    const lock = await lockTable(pair.url, 'notifications');
    let victim: 'a' | 'b' | undefined;
    let dueAt: Date;
    try {
      [{ dueAt }] = await sql(`UPDATE agents SET digest_due_at = date_trunc('second', now()) - interval '1 minute' WHERE id = ANY($1) RETURNING digest_due_at AS "dueAt"`, [ids]);
      victim = await waitingWriter(pair.url, 'INSERT INTO notifications');
      await pair.apps[victim].kill();
      expect(await ageActiveJob(pair.url, 'notification-digests')).toBe(1);
    } finally {
      await lock.release();
    }
    const survivor = victim === 'a' ? 'b' : 'a';

    const digests = () =>
      sql<{ agentId: number; digestFor: Date; status: string; slackTs: string | null; channel: string }>(
        `SELECT agent_id AS "agentId", digest_for AS "digestFor", status, slack_ts AS "slackTs", channel FROM notifications WHERE event = 'digest' AND agent_id = ANY($1) ORDER BY agent_id`,
        [ids],
      );
    const sent = await eventually(async () => {
      const rows = await digests();
      return rows.length >= ids.length && rows.every((row) => row.status === 'delivered') ? rows : undefined;
    }, 15_000, 'a delivered digest for every agent');

    expect(sent.map((row) => ({ agentId: row.agentId, digestFor: row.digestFor }))).toEqual(ids.map((agentId) => ({ agentId, digestFor: dueAt })));
    for (const { id, channel } of agents) {
      const posts = await postsTo(process.env.E2E_SLACK_API_URL ?? '', channel);
      const row = sent.find((digest) => digest.agentId === id)!;
      expect({ id, posts: posts.map((post) => post.answer), ts: row.slackTs }).toEqual({ id, posts: ['ok'], ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    }
    // Each agent's next digest is planned for a later day.
    expect(await sql(`SELECT id FROM agents WHERE id = ANY($1) AND digest_due_at <= now()`, [ids])).toEqual([]);
    expect(pair.apps[survivor].process.exitCode).toBeNull();
  }, 90_000);
});
