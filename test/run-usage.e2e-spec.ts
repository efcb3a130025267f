import { freshOrg, getAgent } from './support/agents';
import { withDatabase } from './support/database';
import { auditAll } from './support/events';
import { api, expectProblem } from './support/http';
import { auth, user } from './support/principals';
import { postsTo } from './support/fake-slack';
import { claim, deployedAgent, eventually, getRun, queuedRun, report, runtimeKey } from './support/runs';

const USAGE = '/api/v1/usage';
const usage = (model: string, costUsd: number, tokens = 100) => ({ model, inputTokens: tokens, outputTokens: tokens / 2, cachedTokens: tokens / 4, reasoningTokens: 0, costUsd });
const today = () => new Date().toISOString().slice(0, 10);

/** Issue #25: usage on run events, summed on the run, reported by GET /usage, and monthly budgets (SPEC §15). */
describe('run usage and budgets', () => {
  const org = freshOrg();
  const admin = user(org, 'admin', { admin: true });
  const bob = user(org, 'bob');
  let runtime: { apiKey: string };

  beforeAll(async () => {
    runtime = await runtimeKey(org);
  });

  /** A claimed, started run of the agent. */
  async function runningRun(agentId: number): Promise<string> {
    const run = await queuedRun(admin, agentId);
    expect((await claim(runtime, { agentIds: [agentId] })).body.run.id).toBe(run.id);
    expect((await report(runtime, run.id, { type: 'started' })).status).toBe(200);
    return run.id;
  }

  const query = (who: typeof admin, params: Record<string, string | number>) =>
    api('GET', `${USAGE}?${new URLSearchParams(Object.fromEntries(Object.entries(params).map(([key, value]) => [key, String(value)])))}`, auth(who));

  it('sums the usage of action_taken and outcome events on the run, null until one reports it', async () => {
    const agent = await deployedAgent(admin);
    const runId = await runningRun(agent.id);
    expect((await getRun(admin, runId)).body.usage).toBeNull();
    expect((await report(runtime, runId, { type: 'action_taken', usage: usage('gpt-4o', 0.1) })).body.usage).toEqual({ inputTokens: 100, outputTokens: 50, cachedTokens: 25, reasoningTokens: 0, costUsd: 0.1 });
    expect((await report(runtime, runId, { type: 'action_taken' })).body.usage.costUsd).toBe(0.1);
    const done = await report(runtime, runId, { type: 'outcome', output: { ok: true }, usage: { ...usage('claude', 0.2, 400), reasoningTokens: 7 } });
    expect(done.body).toMatchObject({ status: 'succeeded', usage: { inputTokens: 500, outputTokens: 250, cachedTokens: 125, reasoningTokens: 7, costUsd: 0.3 } });
    expect((await getRun(admin, runId)).body.usage).toEqual(done.body.usage);
  });

  it('refuses bad usage with 400, every bad field listed once, and writes nothing', async () => {
    const agent = await deployedAgent(admin);
    const runId = await runningRun(agent.id);
    const bad = { model: '', inputTokens: -1, outputTokens: 1.5, cachedTokens: 2147483648, reasoningTokens: 'many', costUsd: 1e7 };
    const problem = expectProblem(await report(runtime, runId, { type: 'action_taken', usage: bad }), 400, 'VALIDATION_FAILED');
    expect(problem.errors.map((error: { field: string }) => error.field).sort()).toEqual(
      ['usage.cachedTokens', 'usage.costUsd', 'usage.inputTokens', 'usage.model', 'usage.outputTokens', 'usage.reasoningTokens'].sort(),
    );
    const missing = expectProblem(await report(runtime, runId, { type: 'outcome', output: null, usage: { model: 'gpt-4o', costUsd: -0.01 } }), 400, 'VALIDATION_FAILED');
    expect(missing.errors.map((error: { field: string }) => error.field).sort()).toEqual(['usage.cachedTokens', 'usage.costUsd', 'usage.inputTokens', 'usage.outputTokens', 'usage.reasoningTokens']);
    expectProblem(await report(runtime, runId, { type: 'action_taken', usage: null }), 400, 'VALIDATION_FAILED');
    const run = await getRun(admin, runId);
    expect(run.body).toMatchObject({ status: 'running', usage: null });
  });

  it('reports the org usage grouped by agent, day and model from the rollup; others see only an agent they can use', async () => {
    const usageOrg = freshOrg();
    const boss = user(usageOrg, 'boss', { admin: true });
    const carol = user(usageOrg, 'carol');
    const key = await runtimeKey(usageOrg);
    const first = await deployedAgent(boss);
    const second = await deployedAgent(boss);
    for (const [agentId, model, cost] of [[first.id, 'gpt-4o', 0.25], [first.id, 'claude', 0.5], [second.id, 'gpt-4o', 1]] as const) {
      const run = await queuedRun(boss, agentId);
      await claim(key, { agentIds: [agentId] });
      await report(key, run.id, { type: 'started' });
      expect((await report(key, run.id, { type: 'outcome', output: null, usage: usage(model, cost) })).status).toBe(200);
    }
    // Yesterday's row, by data: the claude usage moves one day back.
    await withDatabase((db) => db.query(`UPDATE usage_daily SET day = day - 1 WHERE agent_id = $1 AND model = 'claude'`, [first.id]));
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const range = { from: yesterday, to: today() };

    const byAgent = await query(boss, { ...range, groupBy: 'agent' });
    expect(byAgent.status).toBe(200);
    expect(byAgent.body.groups.map((group: any) => [group.key, group.costUsd, group.events]).sort()).toEqual([[String(first.id), 0.75, 2], [String(second.id), 1, 1]].sort());
    expect(byAgent.body.total).toMatchObject({ key: 'total', inputTokens: 300, costUsd: 1.75, events: 3 });
    const byDay = await query(boss, { ...range, groupBy: 'day' });
    expect(byDay.body.groups.map((group: any) => [group.key, group.costUsd])).toEqual([[yesterday, 0.5], [today(), 1.25]]);
    const byModel = await query(boss, { ...range, groupBy: 'model', agentId: first.id });
    expect(byModel.body.groups.map((group: any) => [group.key, group.costUsd])).toEqual([['claude', 0.5], ['gpt-4o', 0.25]]);
    expect((await query(boss, { from: today(), to: today(), groupBy: 'model' })).body.groups.map((group: any) => group.key)).toEqual(['gpt-4o']);

    // Not an admin: an agent is required, and one they cannot use is not found.
    expectProblem(await query(carol, { ...range, groupBy: 'agent' }), 400, 'VALIDATION_FAILED');
    expectProblem(await query(carol, { ...range, groupBy: 'agent', agentId: first.id }), 404, 'NOT_FOUND');
    const invalid = expectProblem(await query(boss, { from: '2026-02-30', to: 'soon', groupBy: 'week', agentId: 0 }), 400, 'VALIDATION_FAILED');
    expect(invalid.errors.map((error: { field: string }) => error.field).sort()).toEqual(['agentId', 'from', 'groupBy', 'to']);
    expectProblem(await query(boss, { from: today(), to: yesterday, groupBy: 'day' }), 400, 'VALIDATION_FAILED');
  });

  it('pauses the agent once, with one agent.budget_exceeded, when an event crosses its monthly budget', async () => {
    const agent = await deployedAgent(admin, { budget: { monthlyUsd: 1, onExceeded: 'pause' } });
    expect((await getAgent(admin, agent.id)).body).toMatchObject({ variation: { budget: { monthlyUsd: 1, onExceeded: 'pause' } } });
    const a = await runningRun(agent.id);
    const b = await runningRun(agent.id);
    await report(runtime, a, { type: 'action_taken', usage: usage('gpt-4o', 0.6) });
    expect((await getAgent(admin, agent.id)).body.status).toBe('active');
    expect((await report(runtime, b, { type: 'action_taken', usage: usage('gpt-4o', 0.6) })).status).toBe(200);
    expect((await getAgent(admin, agent.id)).body.status).toBe('paused');
    // Further spend this month crosses nothing again; the runs already running finish as reported.
    expect((await report(runtime, a, { type: 'outcome', output: null, usage: usage('gpt-4o', 0.5) })).body.status).toBe('succeeded');
    const events = (await auditAll(admin, { agentId: String(agent.id), order: 'asc' })).filter((event) => event.type.startsWith('agent.budget') || event.type === 'agent.paused');
    expect(events.map((event) => event.type)).toEqual(['agent.budget_exceeded', 'agent.paused']);
    expect(events[0]).toMatchObject({ actor: { kind: 'runtime' }, data: { month: today().slice(0, 7), spentUsd: 1.2, monthlyUsd: 1, onExceeded: 'pause' } });

  });

  it('only notifies with onExceeded notify: one event and one Slack message a month', async () => {
    const channel = `CMEMBERBUDGET${Date.now() % 100_000}`;
    // Only the budget notifies: every run-event toggle is off.
    const events = { actionTaken: false, approvalRequired: false, outcome: false, error: false, digest: false };
    const notifying = await deployedAgent(admin, { budget: { monthlyUsd: 0.5, onExceeded: 'notify' }, notificationConfig: { slackChannelId: channel, events } });
    const c = await runningRun(notifying.id);
    await report(runtime, c, { type: 'action_taken', usage: usage('gpt-4o', 0.6) });
    await report(runtime, c, { type: 'action_taken', usage: usage('gpt-4o', 0.6) });
    expect((await getAgent(admin, notifying.id)).body.status).toBe('active');
    const notified = (await auditAll(admin, { agentId: String(notifying.id) })).filter((event) => event.type === 'agent.budget_exceeded');
    expect(notified).toHaveLength(1);
    const posts = await eventually(async () => {
      const found = await postsTo(process.env.E2E_SLACK_API_URL ?? '', channel);
      return found.length > 0 ? found : undefined;
    }, 10_000, 'the budget message');
    expect(posts.map((post) => post.text)).toEqual([`Agent "${notifying.name}" passed its monthly budget: $0.6 of $0.5 in ${today().slice(0, 7)}. It keeps running.`]);
    const log = await api('GET', `/api/v1/agents/${notifying.id}/notifications`, auth(admin));
    expect(log.body.notifications.map((notification: any) => notification.event)).toEqual(['budget_exceeded']);
  });

  it('refuses an invalid budget with 400', async () => {
    const problem = expectProblem(
      await api('POST', '/api/v1/agents', { ...auth(bob), body: { name: 'Budgeted', type: 'task', budget: { monthlyUsd: -1, onExceeded: 'stop' } } }),
      400,
      'VALIDATION_FAILED',
    );
    expect(problem.errors.map((error: { field: string }) => error.field).sort()).toEqual(['budget.monthlyUsd', 'budget.onExceeded']);
  });
});
