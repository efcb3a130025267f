import { AGENTS, deployableTask, freshOrg } from './support/agents';
import { ageJobsStartedBefore, databaseNow, lockTable, Pair, startPair, waitingWriter } from './support/crash';
import { withDatabase } from './support/database';
import { api } from './support/http';
import { user } from './support/principals';
import { claim, eventually, report, RUNS } from './support/runs';

/**
 * Issue #20: `kill -9` of an instance that has just handed out claims and holds long polls. Runtime
 * R1 works through instance a, runtime R2 through instance b (each with its own key, as two runtimes
 * would). a hands three runs to R1, which never starts them (as if R1 went down with it); a is killed
 * while R1's long polls are in the middle of claiming two more, whose claims commit after a is gone.
 * Every run must then be executed exactly once, by R2: the handed-out ones after their lease
 * (RUN_LEASE_SECONDS=2) lapses, runs queued after the kill at once. No run is handed out twice under
 * one claim, none is lost.
 */
const LEASE_SECONDS = 2;

interface Claimed {
  runId: string;
  attempt: number;
  runtime: 'R1' | 'R2';
  at: number;
}

describe('kill -9 of an instance holding claims', () => {
  let pair: Pair;
  const org = freshOrg();
  const admin = user(org, 'claims-admin', { admin: true });

  beforeAll(async () => {
    pair = await startPair('agentry_crash_claims_test', () => ({ RUN_LEASE_SECONDS: String(LEASE_SECONDS) }));
  }, 60_000);
  afterAll(async () => {
    await pair?.close();
  });

  it('puts what it handed out back after the lease, and the survivor hands every run out once', async () => {
    const [a, b] = [pair.apps.a.url, pair.apps.b.url];
    const keyFor = async (name: string) => {
      const created = await api('POST', '/api/v1/api-keys', { ...admin, baseUrl: b, body: { name, role: 'runtime' } });
      expect(created.status).toBe(201);
      return { apiKey: created.body.key as string, subject: `apikey:${created.body.id}` };
    };
    const [r1, r2] = [await keyFor('R1'), await keyFor('R2')];
    const [asR1, asR2] = [{ apiKey: r1.apiKey }, { apiKey: r2.apiKey }];
    // Two agents: R1's polls that get caught claim only the second's runs, so handed-out runs whose lease
    // lapses meanwhile (a slow machine) cannot be what they take.
    const agentIds: number[] = [];
    for (let i = 0; i < 2; i++) {
      const created = await api('POST', AGENTS, { ...admin, baseUrl: b, body: deployableTask() });
      expect((await api('POST', `${AGENTS}/${created.body.id}/deploy`, { ...admin, baseUrl: b })).status).toBe(200);
      agentIds.push(created.body.id);
    }
    const [handOutAgent, catchAgent] = agentIds as [number, number];
    const startRun = async (baseUrl: string, agentId = handOutAgent) => {
      const started = await api('POST', `${AGENTS}/${agentId}/runs`, { ...admin, baseUrl, body: {} });
      expect(started.status).toBe(201);
      return started.body.id as string;
    };

    const claims: Claimed[] = [];
    // a hands three runs to R1, which never starts them.
    const handedOut = [await startRun(a), await startRun(a), await startRun(a)];
    for (let i = 0; i < handedOut.length; i++) {
      const claimed = await claim(asR1, { agentIds: [handOutAgent], waitSeconds: 0 }, a);
      expect(claimed.status).toBe(200);
      claims.push({ runId: claimed.body.run.id, attempt: claimed.body.run.attempt, runtime: 'R1', at: Date.now() });
    }
    expect(claims.map((c) => c.runId).sort()).toEqual([...handedOut].sort());

    // Two more runs for R1's long polls on a, which are caught mid-claim: the test locks variations
    // (which the claim statement reads and the lease sweep does not), so each claim statement waits; a
    // is killed; the lock goes, and the dead instance's claim statements commit with nobody left to
    // answer. Those runs are handed out, and nobody knows.
    const caught = [await startRun(a, catchAgent), await startRun(a, catchAgent)];
    const lock = await lockTable(pair.url, 'variations', 'ACCESS EXCLUSIVE');
    let r1Polls: Promise<{ status: number; runId?: string }>[];
    try {
      r1Polls = Array.from({ length: 4 }, () =>
        claim(asR1, { agentIds: [catchAgent], waitSeconds: 20 }, a).then(
          (answer) => ({ status: answer.status, runId: answer.body?.run?.id as string | undefined }),
          () => ({ status: 0 }),
        ),
      );
      // Every poll waiting, so that each caught run has a claim statement of the dead instance waiting for it.
      // Matched by its opening: pg_stat_activity shows only a statement's first 1 KiB (track_activity_query_size).
      expect(await waitingWriter(pair.url, 'WITH RECURSIVE claimant', 4)).toBe('a');
      await pair.apps.a.kill();
    } finally {
      await lock.release();
    }
    // A sweep a was running (the lease sweep, say) would hold its queue for pg-boss's 10 s heartbeat: that much time passes, as data.
    const killedAt = await databaseNow(pair.url);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await ageJobsStartedBefore(pair.url, killedAt);
    const claimedBy = await eventually(
      () =>
        withDatabase(async (db) => {
          // Claimed by the dead instance's statements (the lease may lapse already: then the claim shows in attempt).
          const { rows } = await db.query(`SELECT claimed_by FROM runs WHERE id = ANY($1) AND (claimed_by IS NOT NULL OR attempt > 1)`, [caught]);
          return rows.length === caught.length ? rows.map((row) => row.claimed_by as string) : undefined;
        }, pair.url),
      10_000,
      'the dead instance\'s claims committed',
    );
    expect(claimedBy.filter((key) => key !== null && key !== r1.subject)).toEqual([]);

    // R2 works through b: claim, start, finish, again; new runs are queued through b.
    let stop = false;
    const refused: string[] = [];
    const r2Worker = async () => {
      while (!stop) {
        const claimed = await claim(asR2, { agentIds, waitSeconds: 1 }, b);
        if (claimed.status === 204) continue;
        expect(claimed.status).toBe(200);
        const { id, attempt } = claimed.body.run;
        claims.push({ runId: id, attempt, runtime: 'R2', at: Date.now() });
        for (const event of [{ type: 'started' }, { type: 'outcome', output: { by: 'R2' } }]) {
          const answer = await report(asR2, id, event, b);
          if (answer.status !== 200) refused.push(`${id} ${event.type}: ${answer.status}`);
        }
      }
    };
    const workers = Array.from({ length: 3 }, r2Worker);
    const queued = [await startRun(b), await startRun(b), await startRun(b)];
    const all = [...handedOut, ...caught, ...queued];

    const runs = await eventually(
      async () => {
        const listed = await Promise.all(agentIds.map((agentId) => api('GET', `${AGENTS}/${agentId}/runs?pageSize=100`, { ...admin, baseUrl: b })));
        const runs = listed.flatMap((list) => list.body.runs as { id: string; status: string }[]);
        return runs.length === all.length && runs.every((run) => run.status === 'succeeded') ? runs : undefined;
      },
      25_000,
      'every run succeeded through the survivor',
    );
    stop = true;
    await Promise.all(workers);
    const polls = await Promise.all(r1Polls!);

    expect(refused).toEqual([]);
    // R1's long polls on a died with it: none answered a run.
    expect(polls.filter((poll) => poll.runId !== undefined)).toEqual([]);
    for (const run of runs) {
      const detail = await api('GET', `${RUNS}/${run.id}`, { ...admin, baseUrl: b });
      const types = (detail.body.events as { type: string }[]).map((event) => event.type);
      const ofRun = claims.filter((c) => c.runId === run.id);
      // Executed once, by R2; every claim seen was of a different attempt (never two holders at once).
      expect({ run: run.id, started: types.filter((type) => type === 'started').length, output: detail.body.output }).toEqual({ run: run.id, started: 1, output: { by: 'R2' } });
      expect(new Set(ofRun.map((c) => c.attempt)).size).toBe(ofRun.length);
      expect(ofRun.filter((c) => c.runtime === 'R2')).toHaveLength(1);
      // A claim nobody started went back to the queue (attempt + 1) before R2 got it.
      expect(detail.body.attempt).toBe(1 + types.filter((type) => type === 'lease_expired').length);
    }
    for (const runId of [...handedOut, ...caught]) {
      const detail = await api('GET', `${RUNS}/${runId}`, { ...admin, baseUrl: b });
      expect({ runId, attempt: detail.body.attempt, leaseLapsed: detail.body.events.some((event: { type: string }) => event.type === 'lease_expired') }).toEqual({ runId, attempt: 2, leaseLapsed: true });
    }
    expect(pair.apps.b.process.exitCode).toBeNull();
  }, 90_000);
});
