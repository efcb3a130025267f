import { freshOrg } from './support/agents';
import { withDatabase } from './support/database';
import { auditAll } from './support/events';
import { api, expectProblem } from './support/http';
import { auth, user } from './support/principals';
import { claim, deployedAgent, getRun, queuedRun, report, runtimeKey } from './support/runs';

/** The backoff passes by data: the wait is moved into the past, and the sweep (every 200 ms in tests) hands the run out again. */
const endBackoff = (runId: string) =>
  withDatabase((db) => db.query(`UPDATE runs SET lease_expires_at = now() - interval '1 second' WHERE id = $1 AND claimed_by IS NULL AND status = 'queued'`, [runId]));

/** Issue #25: retries (SPEC §15, `retry` in variation content; `error` events with `retryable: true`). */
describe('run retries', () => {
  const org = freshOrg();
  const admin = user(org, 'admin', { admin: true });
  const retry = { maxAttempts: 2, backoffSeconds: 3600, maxBackoffSeconds: 3600 };
  let runtime: { apiKey: string };

  beforeAll(async () => {
    runtime = await runtimeKey(org);
  });

  it('re-queues a retryable error after the backoff as the next attempt (run.retrying), until the attempts run out', async () => {
    const agent = await deployedAgent(admin, { retry });
    const run = await queuedRun(admin, agent.id, { input: { n: 1 } });
    const first = await claim(runtime, { agentIds: [agent.id] });
    expect(first.body.run).toMatchObject({ id: run.id, attempt: 1 });
    expect((await report(runtime, run.id, { type: 'started' })).status).toBe(200);
    const retried = await report(runtime, run.id, { type: 'error', retryable: true, error: { code: 'model_timeout', message: 'The model timed out.' } });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: 'queued', attempt: 2, error: null, finishedAt: null });
    // The backoff holds it: nothing to claim, the old claim can report nothing more.
    expect((await claim(runtime, { agentIds: [agent.id] })).status).toBe(204);
    expectProblem(await report(runtime, run.id, { type: 'action_taken' }), 409, 'RUN_STATE_CONFLICT');
    await endBackoff(run.id);
    const second = await claim(runtime, { agentIds: [agent.id], waitSeconds: 5 });
    expect(second.body.run).toMatchObject({ id: run.id, attempt: 2 });
    expect((await report(runtime, run.id, { type: 'started' })).status).toBe(200);
    const failed = await report(runtime, run.id, { type: 'error', retryable: true, error: { code: 'model_timeout', message: 'Again.' } });
    expect(failed.body).toMatchObject({ status: 'failed', attempt: 2, error: { code: 'model_timeout', message: 'Again.' } });
    const shown = await getRun(admin, run.id);
    expect(shown.body.events.map((event: any) => [event.attempt, event.type])).toEqual([
      [1, 'started'],
      [2, 'retrying'],
      [2, 'started'],
      [2, 'error'],
    ]);
    expect(shown.body.events[1]).toMatchObject({ message: 'The model timed out.', data: { error: { code: 'model_timeout' }, nextAttempt: 2, nextTry: 2, retryInSeconds: 3600 } });
    const logged = (await auditAll(admin, { runId: run.id, order: 'asc' })).map((event) => event.type);
    expect(logged).toEqual(['run.queued', 'run.claimed', 'run.started', 'run.retrying', 'run.claimed', 'run.started', 'run.failed']);
  }, 30_000);

  it('never retries an error not marked retryable, a run without a policy, after an outcome, or once cancelled', async () => {
    const withPolicy = await deployedAgent(admin, { retry: { maxAttempts: 5, backoffSeconds: 3600, maxBackoffSeconds: 3600 } });
    const without = await deployedAgent(admin);
    const plain = await queuedRun(admin, withPolicy.id);
    await claim(runtime, { agentIds: [withPolicy.id] });
    expect((await report(runtime, plain.id, { type: 'error', error: { code: 'bad_input', message: 'No.' } })).body.status).toBe('failed');
    const noPolicy = await queuedRun(admin, without.id);
    await claim(runtime, { agentIds: [without.id] });
    expect((await report(runtime, noPolicy.id, { type: 'error', retryable: true, error: { code: 'x', message: 'No policy.' } })).body.status).toBe('failed');

    const done = await queuedRun(admin, withPolicy.id);
    await claim(runtime, { agentIds: [withPolicy.id] });
    await report(runtime, done.id, { type: 'started' });
    expect((await report(runtime, done.id, { type: 'outcome', output: {} })).body.status).toBe('succeeded');
    expectProblem(await report(runtime, done.id, { type: 'error', retryable: true, error: { code: 'x', message: 'Late.' } }), 409, 'RUN_STATE_CONFLICT');

    const cancelled = await queuedRun(admin, withPolicy.id);
    await claim(runtime, { agentIds: [withPolicy.id] });
    await report(runtime, cancelled.id, { type: 'started' });
    expect((await report(runtime, cancelled.id, { type: 'error', retryable: true, error: { code: 'x', message: 'Flaky.' } })).body.status).toBe('queued');
    expect((await api('POST', `/api/v1/runs/${cancelled.id}/cancel`, auth(admin))).body.status).toBe('cancelled');
    await withDatabase((db) => db.query(`UPDATE runs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [cancelled.id]));
    expect((await claim(runtime, { agentIds: [withPolicy.id], waitSeconds: 1 })).status).toBe(204);
    expect((await getRun(admin, cancelled.id)).body.status).toBe('cancelled');
  }, 30_000);

  it('refuses a retry policy out of range or with a max backoff below the backoff, naming each field', async () => {
    const outOfRange = await api('POST', '/api/v1/agents', { ...auth(admin), body: { name: 'Bad retry', retry: { maxAttempts: 11, backoffSeconds: -1, maxBackoffSeconds: 5 } } });
    expect(expectProblem(outOfRange, 400, 'VALIDATION_FAILED').errors.map((error: any) => error.field).sort()).toEqual(['retry.backoffSeconds', 'retry.maxAttempts']);
    const inverted = await api('POST', '/api/v1/agents', { ...auth(admin), body: { name: 'Bad retry', retry: { maxAttempts: 3, backoffSeconds: 10, maxBackoffSeconds: 5 } } });
    expect(expectProblem(inverted, 400, 'VALIDATION_FAILED').errors).toEqual([{ field: 'retry.maxBackoffSeconds', message: 'maxBackoffSeconds must not be less than backoffSeconds' }]);
  });
});
