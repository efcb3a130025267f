import { Client } from 'pg';
import { freshOrg } from './support/agents';
import { AppProcess, startApp, suiteEnv } from './support/app-process';
import { withDatabase } from './support/database';
import { append, appendOn, auditAll, EVENTS, newEvent } from './support/events';
import { api } from './support/http';
import { user } from './support/principals';
import { SseStream } from './support/sse';

/**
 * Issue #22: no reader ever skips an event, even when a transaction that began writing first commits
 * last (SPEC §13: a plain sequence is not commit order). A test client holds a writing transaction
 * open while others commit, as a slow use case would; readers (the audit route with `after`, and
 * streams on two instances) must not move past it, and get it once it commits, exactly once, in order.
 */
const STREAM = '/api/v1/events/stream';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('event log order', () => {
  let b: AppProcess;
  const opened: SseStream[] = [];
  const open = async (path: string, who: any, options: { baseUrl?: string; lastEventId?: string } = {}) => {
    const stream = await SseStream.open(path, who, options);
    opened.push(stream);
    expect(stream.status).toBe(200);
    return stream;
  };

  beforeAll(async () => {
    b = await startApp(suiteEnv());
  });
  afterEach(() => {
    for (const stream of opened.splice(0)) stream.close();
  });
  afterAll(async () => {
    await b?.stop();
  });

  /** Polls the audit route oldest first after the last id it got, as a syncing client would. */
  async function poll(who: any, after: string, until: (got: any[]) => boolean, timeoutMs = 8000): Promise<any[]> {
    const got: any[] = [];
    const deadline = Date.now() + timeoutMs;
    while (!until(got)) {
      if (Date.now() > deadline) throw new Error(`poller got ${got.length} events within ${timeoutMs} ms`);
      const page = await api('GET', `${EVENTS}?order=asc&pageSize=100&after=${got.at(-1)?.id ?? after}`, who);
      expect(page.status).toBe(200);
      got.push(...page.body.events);
      if (page.body.events.length === 0) await pause(50);
    }
    return got;
  }

  it('holds readers before an open writing transaction, then delivers its event exactly once, first, when it commits', async () => {
    const org = freshOrg();
    const admin = user(org, 'admin', { admin: true });
    await append(newEvent(org, 'agent.created', { data: { n: 'start' } }));
    const [start] = await auditAll(admin);
    const onA = await open(`${STREAM}?after=${start.id}`, admin);
    const onB = await open(STREAM, admin, { baseUrl: b.url });
    await pause(300);

    const held = new Client({ connectionString: process.env.E2E_DATABASE_URL });
    await held.connect();
    try {
      await held.query('BEGIN');
      await appendOn(held, [newEvent(org, 'agent.updated', { data: { n: 'held' } })]);
      for (const n of [1, 2, 3]) await append(newEvent(org, 'agent.updated', { data: { n } }));
      // A reader ordering by the sequence alone would now take 1, 2 and 3 and move past the held event's seq.
      const committedSeqs = await withDatabase(async (db) => (await db.query(`SELECT seq::int FROM events WHERE org_id = $1 ORDER BY seq`, [org])).rows.map((r) => r.seq));
      expect(committedSeqs).toHaveLength(4);

      const deadline = Date.now() + 1500;
      while (Date.now() < deadline) {
        const page = await api('GET', `${EVENTS}?order=asc&after=${start.id}`, admin);
        expect(page.body.events).toEqual([]);
        await pause(100);
      }
      expect([onA.messages, onB.messages]).toEqual([[], []]);

      await held.query('COMMIT');
      const heldSeq = await withDatabase(async (db) => (await db.query(`SELECT seq::int FROM events WHERE org_id = $1 AND data->>'n' = 'held'`, [org])).rows[0].seq);
      expect(heldSeq).toBeLessThan(committedSeqs.at(-1));
    } finally {
      await held.end();
    }

    const polled = await poll(admin, start.id, (got) => got.length >= 4);
    expect(polled.map((event) => event.data.n)).toEqual(['held', 1, 2, 3]);
    for (const stream of [onA, onB]) {
      await stream.until((s) => s.messages.length === 4);
      expect(stream.ids).toEqual(polled.map((event) => event.id));
    }
    await pause(300);
    expect([onA.messages.length, onB.messages.length, (await poll(admin, polled[3].id, () => true)).length]).toEqual([4, 4, 0]);
  });

  it('gives a client cut off twice while 8 writers append, resuming with Last-Event-ID on either instance, the whole log once and in order', async () => {
    const org = freshOrg();
    const admin = user(org, 'admin', { admin: true });
    const TRANSACTIONS = 20;
    let first = await open(STREAM, admin);
    const [startedAt] = await Promise.all([auditAll(admin), pause(300)]);
    expect(startedAt).toEqual([]);

    // Each writer's transactions take their ids early and commit after a random pause, so commit order differs from id order.
    const writers = Array.from({ length: 8 }, async (_, writer) => {
      const db = new Client({ connectionString: process.env.E2E_DATABASE_URL });
      await db.connect();
      try {
        for (let t = 0; t < TRANSACTIONS; t++) {
          await db.query('BEGIN');
          const count = 1 + ((writer + t) % 3);
          await appendOn(db, Array.from({ length: count }, (_, i) => newEvent(org, 'run.action_taken', { data: { writer, t, i } })));
          await pause(Math.random() * 30);
          await db.query('COMMIT');
        }
      } finally {
        await db.end();
      }
    });
    const total = Array.from({ length: 8 }, (_, w) => Array.from({ length: TRANSACTIONS }, (_, t) => 1 + ((w + t) % 3)).reduce((a, c) => a + c, 0)).reduce((a, c) => a + c, 0);
    const poller = poll(admin, '0'.repeat(32), (got) => got.length >= total, 9000);

    const received: string[][] = [];
    for (const [cutAt, next] of [[40, b.url], [120, undefined]] as const) {
      await first.until((s) => received.flat().length + s.ids.length >= cutAt, 8000, `${cutAt} events before the cut`);
      first.close();
      received.push(first.ids);
      first = await open(STREAM, admin, { baseUrl: next, lastEventId: received.flat().at(-1) });
    }
    await Promise.all(writers);
    await first.until((s) => received.flat().length + s.ids.length >= total, 8000, 'every event');
    await pause(300);
    received.push(first.ids);

    const union = received.flat();
    const log = (await auditAll(admin, { order: 'asc' })).map((event) => event.id);
    expect(log).toHaveLength(total);
    expect(new Set(union).size).toBe(union.length);
    expect(union).toEqual(log);
    expect(union).toEqual([...union].sort());
    expect((await poller).map((event) => event.id)).toEqual(log);
  });
});
