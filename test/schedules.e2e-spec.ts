import { AGENTS, clearOfMinuteEnd, createAgent, deployed, freshOrg, getAgent, patched, scheduleTrigger } from './support/agents';
import { AppProcess, startApp, suiteEnv } from './support/app-process';
import { withDatabase } from './support/database';
import { api, expectProblem } from './support/http';
import { user } from './support/principals';
import { claim, eventually, report, runtimeKey } from './support/runs';

/**
 * Issue #12: due ticks become runs exactly once across two service instances that both sweep every
 * 200 ms. Time moves by setting the stored next tick into the past, never by waiting for a minute.
 */
describe('schedules', () => {
  const org = freshOrg();
  const alice = user(org, 'alice', { admin: true });
  let second: AppProcess;

  beforeAll(async () => {
    second = await startApp(suiteEnv());
  });
  afterAll(async () => {
    await second?.stop();
  });

  /** A deployed agent whose schedule is on (the first deploy of a schedule turns it on). */
  async function scheduledAgent(cron = '* * * * *', timezone = 'UTC'): Promise<any> {
    return deployed(alice, (await createAgent(alice, { trigger: scheduleTrigger(cron, timezone) })).id);
  }

  const setNextTick = (agentId: number, sql: string) => withDatabase((db) => db.query(`UPDATE agents SET next_run_at = ${sql} WHERE id = $1`, [agentId]));
  const scheduledRuns = async (agentId: number) => (await api('GET', `${AGENTS}/${agentId}/runs?trigger=schedule`, alice)).body.runs;
  const scheduleOf = async (agentId: number) => (await api('GET', `${AGENTS}/${agentId}/schedule`, alice)).body;

  it('creates one run for a due tick, with scheduledFor = the tick, and moves the next tick on', async () => {
    // Created and made due within one minute, so neither its own next tick nor a newer one fires first.
    await clearOfMinuteEnd();
    const agent = await scheduledAgent();
    expect(agent).toMatchObject({ isScheduleActive: true, nextRunAt: expect.any(String) });
    expect(new Date(agent.nextRunAt).getTime()).toBeGreaterThan(Date.now());
    const [{ tick }] = (await withDatabase((db) => db.query(`UPDATE agents SET next_run_at = date_trunc('minute', now()) WHERE id = $1 RETURNING next_run_at AS tick`, [agent.id]))).rows;
    const [run] = await eventually(async () => ((await scheduledRuns(agent.id)).length > 0 ? scheduledRuns(agent.id) : undefined), 10_000, 'a scheduled run');
    expect(run).toMatchObject({ trigger: 'schedule', scheduledFor: new Date(tick).toISOString(), status: 'queued', variationVersion: 1 });
    const after = (await getAgent(alice, agent.id)).body;
    expect(new Date(after.nextRunAt).getTime()).toBeGreaterThan(new Date(tick).getTime());
    expect(after.runsCount).toBe(1);
    const schedule = await scheduleOf(agent.id);
    expect(schedule).toEqual({
      cron: '* * * * *',
      timezone: 'UTC',
      active: true,
      nextTicks: expect.any(Array),
      nextRunAt: after.nextRunAt,
      lastTick: { at: new Date(tick).toISOString(), runId: run.id },
      skippedTicks: 0,
      missedTicks: 0,
    });
    expect(schedule.nextTicks).toHaveLength(5);
    expect(schedule.nextTicks[0]).toBe(after.nextRunAt);
  });

  it('creates exactly one run per tick for many agents while two instances sweep', async () => {
    const agents = await Promise.all(Array.from({ length: 12 }, () => scheduledAgent()));
    await withDatabase((db) => db.query(`UPDATE agents SET next_run_at = date_trunc('minute', now()) WHERE id = ANY($1::int[])`, [agents.map((a) => a.id)]));
    for (const agent of agents) {
      await eventually(async () => ((await scheduledRuns(agent.id)).length > 0 ? true : undefined), 10_000, `a run of agent ${agent.id}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 600));
    for (const agent of agents) expect(await scheduledRuns(agent.id)).toHaveLength(1);
    const duplicates = await withDatabase((db) =>
      db.query(`SELECT agent_id FROM runs WHERE agent_id = ANY($1::int[]) GROUP BY agent_id, scheduled_for HAVING count(*) > 1`, [agents.map((a) => a.id)]),
    );
    expect(duplicates.rows).toEqual([]);
  });

  it("marks a scheduled run capacity-limited exactly when its version has a concurrency limit", async () => {
    const limited = await deployed(alice, (await createAgent(alice, { trigger: scheduleTrigger('* * * * *', 'UTC'), concurrency: { limit: 1, onLimit: 'queue' } })).id);
    const unlimited = await scheduledAgent();
    const ids = [limited.id, unlimited.id];
    await withDatabase((db) => db.query(`UPDATE agents SET next_run_at = date_trunc('minute', now()) WHERE id = ANY($1::int[])`, [ids]));
    for (const id of ids) await eventually(async () => ((await scheduledRuns(id)).length > 0 ? true : undefined), 10_000, `a run of agent ${id}`);
    const flags = await withDatabase((db) => db.query(`SELECT agent_id, capacity_limited FROM runs WHERE agent_id = ANY($1::int[]) AND trigger = 'schedule'`, [ids]));
    expect(Object.fromEntries(flags.rows.map((row) => [row.agent_id, row.capacity_limited]))).toEqual({ [limited.id]: true, [unlimited.id]: false });
  });

  it('after downtime runs only the latest missed tick and counts the others as missed', async () => {
    await clearOfMinuteEnd();
    const agent = await scheduledAgent();
    const [{ latest }] = (
      await withDatabase((db) =>
        db.query(`UPDATE agents SET next_run_at = date_trunc('minute', now()) - interval '10 minutes' WHERE id = $1 RETURNING date_trunc('minute', now()) AS latest`, [agent.id]),
      )
    ).rows;
    const runs = await eventually(async () => ((await scheduledRuns(agent.id)).length > 0 ? scheduledRuns(agent.id) : undefined), 10_000, 'the catch-up run');
    expect(runs).toHaveLength(1);
    expect([new Date(latest).toISOString(), new Date(new Date(latest).getTime() + 60_000).toISOString()]).toContain(runs[0].scheduledFor);
    const schedule = await scheduleOf(agent.id);
    expect(schedule.missedTicks).toBeGreaterThanOrEqual(10);
    expect(schedule.missedTicks).toBeLessThanOrEqual(11);
  });

  it('does not replay a tick older than SCHEDULE_CATCHUP_SECONDS: it is counted as missed', async () => {
    const agent = await scheduledAgent('0 0 1 1 *');
    await setNextTick(agent.id, `'2026-01-01T00:00:00Z'`);
    const schedule = await eventually(async () => {
      const current = await scheduleOf(agent.id);
      return current.missedTicks > 0 ? current : undefined;
    }, 10_000, 'the missed tick');
    expect(schedule).toMatchObject({ missedTicks: 1, lastTick: { at: '2026-01-01T00:00:00.000Z', runId: null } });
    expect(await scheduledRuns(agent.id)).toEqual([]);
    expect(new Date(schedule.nextRunAt).getUTCFullYear()).toBeGreaterThan(2026);
  });

  it('skips a tick while the previous scheduled run is queued or running, but not while it awaits approval', async () => {
    const runtime = await runtimeKey(org);
    const agent = await scheduledAgent();
    await setNextTick(agent.id, `date_trunc('minute', now()) - interval '1 minute'`);
    const [first] = await eventually(async () => ((await scheduledRuns(agent.id)).length === 1 ? scheduledRuns(agent.id) : undefined), 10_000, 'the first run');
    await setNextTick(agent.id, `date_trunc('minute', now())`);
    await eventually(async () => ((await scheduleOf(agent.id)).skippedTicks === 1 ? true : undefined), 10_000, 'the skipped tick');
    expect(await scheduledRuns(agent.id)).toHaveLength(1);

    const claimed = await claim(runtime, { agentIds: [agent.id] });
    expect(claimed.body.run.id).toBe(first.id);
    await report(runtime, first.id, { type: 'started' });
    await report(runtime, first.id, { type: 'approval_required', message: 'OK?' });
    await setNextTick(agent.id, `now() - interval '1 second'`);
    await eventually(async () => ((await scheduledRuns(agent.id)).length === 2 ? true : undefined), 10_000, 'a run beside the one awaiting approval');
    expect((await scheduleOf(agent.id)).skippedTicks).toBe(1);
  });

  it('applies state changes at once: toggle, pause, resume, delete, and a deploy without a schedule', async () => {
    const agent = await scheduledAgent('0 9 * * *', 'Europe/Berlin');
    const off = await api('POST', `${AGENTS}/${agent.id}/toggle`, { ...alice, body: { active: false } });
    expect(off.body).toMatchObject({ isScheduleActive: false, nextRunAt: null });
    expect(await scheduleOf(agent.id)).toMatchObject({ active: false, nextRunAt: null, cron: '0 9 * * *', timezone: 'Europe/Berlin' });
    const on = await api('POST', `${AGENTS}/${agent.id}/toggle`, { ...alice, body: { active: true } });
    expect(new Date(on.body.nextRunAt).getTime()).toBeGreaterThan(Date.now());
    expect((await scheduleOf(agent.id)).nextTicks[0]).toBe(on.body.nextRunAt);

    expect((await api('POST', `${AGENTS}/${agent.id}/pause`, alice)).body.nextRunAt).toBeNull();
    expect((await scheduleOf(agent.id)).active).toBe(false);
    expect((await api('POST', `${AGENTS}/${agent.id}/resume`, alice)).body.nextRunAt).toBe(on.body.nextRunAt);

    expect((await api('DELETE', `${AGENTS}/${agent.id}`, alice)).body).toMatchObject({ nextRunAt: null, isScheduleActive: false });
    await api('POST', `${AGENTS}/${agent.id}/undelete`, alice);
    expect((await api('POST', `${AGENTS}/${agent.id}/toggle`, { ...alice, body: { active: true } })).body.nextRunAt).toBe(on.body.nextRunAt);

    await patched(alice, agent.id, { trigger: null });
    const unscheduled = await api('POST', `${AGENTS}/${agent.id}/deploy`, alice);
    expect(unscheduled.body).toMatchObject({ isScheduleActive: false, nextRunAt: null });
    expect(await scheduleOf(agent.id)).toMatchObject({ cron: null, active: false, nextTicks: [], nextRunAt: null });
  });

  it.each(['  0 9 * * 1-5  ', '\t0 9 * * 1-5\n', '0  9 * *   1-5'])('a cron with extra whitespace (%j) deploys and shows its ticks', async (cron) => {
    const agent = await createAgent(alice, { trigger: scheduleTrigger(cron, 'Europe/Berlin') });
    const live = await deployed(alice, agent.id);
    expect(live.isScheduleActive).toBe(true);
    const schedule = await api('GET', `${AGENTS}/${agent.id}/schedule`, alice);
    expect(schedule.status).toBe(200);
    expect(schedule.body.nextTicks).toHaveLength(5);
    expect(new Date(schedule.body.nextTicks[0]).toLocaleString('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' })).toBe('09:00');
  });

  it('shows the schedule only to those who can use the agent', async () => {
    const agent = await scheduledAgent();
    expectProblem(await api('GET', `${AGENTS}/${agent.id}/schedule`, user(org, 'stranger')), 404, 'NOT_FOUND');
    expectProblem(await api('GET', `${AGENTS}/${agent.id}/schedule`, user(freshOrg(), 'alice', { admin: true })), 404, 'NOT_FOUND');
  });
});
