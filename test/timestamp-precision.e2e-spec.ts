import { AGENTS, freshOrg } from './support/agents';
import { withDatabase } from './support/database';
import { api, ApiResponse, expectProblem } from './support/http';
import { user } from './support/principals';
import { deployedAgent, getRun, insertRuns, queuedRun, report } from './support/runs';

/**
 * Issue #20 item 2: the API shows timestamps to the millisecond, so every filter on them must agree
 * with what it shows. A client syncing with `createdAfter=<the last createdAt it saw>` must not get
 * that run again, whatever sub-millisecond digits the clock had when it was written.
 */
describe('timestamps: what the API shows is what it filters on', () => {
  const org = freshOrg();
  const alice = user(org, 'alice');
  const runsOf = async (agentId: number, query: string): Promise<{ id: string; createdAt: string }[]> => {
    const listed = await api('GET', `${AGENTS}/${agentId}/runs?pageSize=100&${query}`, alice);
    expect(listed.status).toBe(200);
    return listed.body.runs;
  };
  const ids = (runs: { id: string }[]) => runs.map((run) => run.id);
  /** The shown instant with extra digits: `…44.254Z` becomes `…44.254999Z`. */
  const withMicros = (shown: string, micros: string) => shown.replace(/Z$/, `${micros}Z`);

  it('createdAfter and createdBefore exclude the run at the createdAt they name, and sub-millisecond bounds fall on the right side', async () => {
    const agent = await deployedAgent(alice);
    for (let i = 0; i < 6; i++) await queuedRun(alice, agent.id, { input: i });
    const all = await runsOf(agent.id, '');
    expect(all).toHaveLength(6);
    const shownAfter = (instant: string) => ids(all.filter((run) => run.createdAt > instant));
    const shownBefore = (instant: string) => ids(all.filter((run) => run.createdAt < instant));
    for (const { createdAt } of all) {
      expect(ids(await runsOf(agent.id, `createdAfter=${createdAt}`))).toEqual(shownAfter(createdAt));
      expect(ids(await runsOf(agent.id, `createdBefore=${createdAt}`))).toEqual(shownBefore(createdAt));
      // …44.254999Z is after a run shown at …44.254Z; …44.254001Z is before the next millisecond.
      expect(ids(await runsOf(agent.id, `createdAfter=${withMicros(createdAt, '999')}`))).toEqual(shownAfter(createdAt));
      expect(ids(await runsOf(agent.id, `createdBefore=${withMicros(createdAt, '001')}`))).toEqual(ids(all.filter((run) => run.createdAt <= createdAt)));
    }
  });

  it('pages runs that share one millisecond exactly once each, inside bounds that name that millisecond', async () => {
    const agent = await deployedAgent(alice);
    // One statement, one now(): seven runs written in the same instant, as a schedule sweep may.
    await withDatabase((db) => insertRuns(db, agent.id, 7, 'queued', 'precision-test'));
    const all = await runsOf(agent.id, '');
    expect(all).toHaveLength(7);
    const [{ createdAt }] = all;
    expect(new Set(all.map((run) => run.createdAt))).toEqual(new Set([createdAt]));
    const millisecond = (offset: number) => new Date(Date.parse(createdAt) + offset).toISOString();

    const paged: string[] = [];
    let token: string | null = null;
    do {
      const query: string = `pageSize=2&createdAfter=${millisecond(-1)}&createdBefore=${millisecond(1)}${token ? `&pageToken=${token}` : ''}`;
      const page: ApiResponse = await api('GET', `${AGENTS}/${agent.id}/runs?${query}`, alice);
      expect(page.status).toBe(200);
      paged.push(...ids(page.body.runs));
      token = page.body.nextPageToken;
    } while (token !== null);
    expect(paged).toEqual(ids(all));
    expect(await runsOf(agent.id, `createdAfter=${createdAt}`)).toEqual([]);
    expect(await runsOf(agent.id, `createdBefore=${createdAt}`)).toEqual([]);
  });

  it('stores every timestamp it shows exactly as shown', async () => {
    const admin = user(org, 'root', { admin: true });
    const agent = await deployedAgent(alice);
    const run = await queuedRun(alice, agent.id);
    await report(alice, run.id, { type: 'started' });
    const shownRun = (await getRun(alice, run.id)).body;
    const key = await api('POST', '/api/v1/api-keys', { ...admin, body: { name: 'precision', role: 'member' } });
    const transferred = await api('POST', `${AGENTS}/${agent.id}/ownership-transfer`, { ...alice, body: { to: 'user:bob' } });
    const transfer = transferred.body.pendingOwnershipTransfer;
    const agentNow = (await api('GET', `${AGENTS}/${agent.id}`, alice)).body;
    const variations = (await api('GET', `${AGENTS}/${agent.id}/variations`, alice)).body.variations;
    expect([key.status, transferred.status]).toEqual([201, 201]);

    const shown: [string, string, string, string][] = [
      ['runs', 'created_at', run.id, shownRun.createdAt],
      ['runs', 'started_at', run.id, shownRun.startedAt],
      ['run_events', 'at', run.id, shownRun.events[0].at],
      ['agents', 'created_at', String(agent.id), agentNow.createdAt],
      ['agents', 'updated_at', String(agent.id), agentNow.updatedAt],
      ['variations', 'published_at', variations[0].id, variations[0].publishedAt],
      ['api_keys', 'created_at', key.body.id, key.body.createdAt],
      ['ownership_transfers', 'requested_at', transfer.id, transfer.requestedAt],
      ['ownership_transfers', 'expires_at', transfer.id, transfer.expiresAt],
    ];
    const stored = await withDatabase(async (db) => {
      const same: [string, string, boolean][] = [];
      for (const [table, column, id, value] of shown) {
        const row = table === 'run_events' ? 'run_id::text = $1 AND seq = 1' : 'id::text = $1';
        const { rows } = await db.query(`SELECT ${column} = $2::timestamptz AS same FROM ${table} WHERE ${row}`, [id, value]);
        same.push([table, column, rows[0]?.same]);
      }
      return same;
    });
    expect(stored).toEqual(shown.map(([table, column]) => [table, column, true]));
  });

  it('keeps every timestamp column of the service at the millisecond the API shows', async () => {
    const { rows } = await withDatabase((db) =>
      db.query(
        `SELECT table_name || '.' || column_name AS "column" FROM information_schema.columns
         WHERE table_schema = current_schema() AND data_type IN ('timestamp with time zone', 'timestamp without time zone')
           AND datetime_precision <> 3
         ORDER BY 1`,
      ),
    );
    expect(rows).toEqual([]);
  });

  it('refuses bounds that are not RFC 3339 date-times with a 400 naming each field once', async () => {
    const agent = await deployedAgent(alice);
    for (const bad of ['2024-01-01T10', '2024-02-30T00:00:00Z', '2024-01-01T10:00:00', '2024-W01-1', '2024-01-01T10:00:00,5Z']) {
      const problem = expectProblem(await api('GET', `${AGENTS}/${agent.id}/runs?createdAfter=${bad}&createdBefore=${bad}`, alice), 400, 'VALIDATION_FAILED');
      expect(problem.errors.map((error: { field: string }) => error.field).sort()).toEqual(['createdAfter', 'createdBefore']);
    }
  });
});
