import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createRuntime, type Runtime } from '@agentry/client/runtime';
import { createAgentryClient, streamRun, unwrap, type StreamedEvent } from '@agentry/client';
import { AppProcess, startApp, suiteEnv } from './support/app-process';
import { freshOrg } from './support/agents';
import { withDatabase } from './support/database';
import { api } from './support/http';
import { openApiMismatches } from './support/openapi-validation';
import { auth, createApiKey, user } from './support/principals';
import { deployedAgent, eventually, getRun, queuedRun, RUNS } from './support/runs';

/**
 * Issue #27: the runtime kit (clients/typescript) against the real service, two instances on one
 * database. Its traffic goes through a fetch that checks every answer against openapi.json too.
 */
const mismatches: string[] = [];
const checkedFetch: typeof fetch = async (input, init) => {
  const request = input instanceof Request ? input : new Request(input, init);
  const response = await fetch(request);
  const contentType = response.headers.get('content-type') ?? '';
  const url = new URL(request.url);
  if (/event-stream/.test(contentType)) {
    mismatches.push(...openApiMismatches(request.method, url.pathname, { status: response.status, headers: response.headers, hasBody: true }));
    return response;
  }
  const text = await response.clone().text();
  const body = /json/.test(contentType) && text !== '' ? JSON.parse(text) : text;
  mismatches.push(...openApiMismatches(request.method, url.pathname, { status: response.status, headers: response.headers, body, hasBody: text !== '' }));
  return response;
};

describe('the runtime kit against two service instances', () => {
  let second: AppProcess;
  const runtimes: Runtime[] = [];

  beforeAll(async () => {
    second = await startApp(suiteEnv());
  });
  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((runtime) => runtime.stop()));
    expect(mismatches.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await second?.stop();
  });

  const baseUrls = () => [process.env.E2E_BASE_URL!, second.url];

  it('runs 200 runs with 8 kit runtimes, each exactly once', async () => {
    const org = freshOrg();
    const alice = user(org, 'alice', { admin: true });
    const key = (await createApiKey(org, 'runtime')).apiKey;
    const agent = await deployedAgent(alice);
    const executions = new Map<string, number>();
    for (let index = 0; index < 8; index++) {
      runtimes.push(
        createRuntime({
          baseUrl: baseUrls()[index % 2],
          key,
          agentIds: [agent.id],
          concurrency: 2,
          waitSeconds: 5,
          fetch: checkedFetch,
          handler: async ({ run, action }) => {
            executions.set(run.id, (executions.get(run.id) ?? 0) + 1);
            await action('echo', { n: (run.input as { n: number }).n });
            return { echo: run.input };
          },
        }),
      );
    }
    const ids: string[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const started = await Promise.all(Array.from({ length: 10 }, (_, i) => queuedRun(alice, agent.id, { input: { n: batch * 10 + i } })));
      ids.push(...started.map((run) => run.id));
    }
    const statuses = await eventually(
      async () => {
        const { rows } = await withDatabase((db) => db.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM runs WHERE agent_id = $1 GROUP BY status`, [agent.id]));
        const done = rows.find((row) => row.status === 'succeeded');
        return done && Number(done.n) === 200 ? rows : undefined;
      },
      150_000,
      '200 runs succeeded',
    );
    expect(statuses).toEqual([{ status: 'succeeded', n: '200' }]);
    expect(executions.size).toBe(200);
    expect([...executions.values()].every((count) => count === 1)).toBe(true);
    const { rows } = await withDatabase((db) =>
      db.query<{ starts: string; outputs: string }>(
        `SELECT count(*) FILTER (WHERE e.type = 'started') AS starts, count(*) FILTER (WHERE e.type = 'outcome') AS outputs
           FROM run_events e JOIN runs r ON r.id = e.run_id WHERE r.agent_id = $1`,
        [agent.id],
      ),
    );
    expect(rows[0]).toEqual({ starts: '200', outputs: '200' });
    const sample = (await getRun(alice, ids[123])).body;
    expect(sample).toMatchObject({ status: 'succeeded', attempt: 1, output: { echo: { n: 123 } } });
  }, 180_000);

  it('aborts a running handler when its run is cancelled, within about a heartbeat', async () => {
    const org = freshOrg();
    const alice = user(org, 'alice', { admin: true });
    const key = (await createApiKey(org, 'runtime')).apiKey;
    const agent = await deployedAgent(alice);
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolveStart) => (started = resolveStart));
    let abortedAt: number | undefined;
    runtimes.push(
      createRuntime({
        baseUrl: second.url,
        key,
        agentIds: [agent.id],
        waitSeconds: 5,
        fetch: checkedFetch,
        handler: ({ signal }) => {
          started();
          return new Promise((_resolve, reject) =>
            signal.addEventListener('abort', () => {
              abortedAt = Date.now();
              reject(signal.reason);
            }),
          );
        },
      }),
    );
    const run = await queuedRun(alice, agent.id);
    await handlerStarted;
    const cancelledAt = Date.now();
    expect((await api('POST', `${RUNS}/${run.id}/cancel`, auth(alice))).status).toBe(200);
    await eventually(async () => abortedAt, 10_000, 'the handler aborted');
    // The kit checks a running run every cancelCheckMs (500 ms by default); the measured delay is in the log.
    process.stdout.write(`cancel reached the handler after ${abortedAt! - cancelledAt} ms\n`);
    const cancelled = (await getRun(alice, run.id)).body;
    expect(cancelled).toMatchObject({ status: 'cancelled' });
    expect(cancelled.events.map((event: { type: string }) => event.type)).toEqual(['started', 'cancelled']);
  });

  it('round-trips an approval: the handler asks, a manager approves, a handler resumes with the decision; the run stream follows it to the end', async () => {
    const org = freshOrg();
    const alice = user(org, 'alice', { admin: true });
    const key = (await createApiKey(org, 'runtime')).apiKey;
    const agent = await deployedAgent(alice);
    const calls: (string | null)[] = [];
    runtimes.push(
      createRuntime({
        baseUrl: process.env.E2E_BASE_URL!,
        key,
        agentIds: [agent.id],
        waitSeconds: 5,
        fetch: checkedFetch,
        handler: async ({ approval, requestApproval }) => {
          calls.push(approval?.state ?? null);
          if (!approval) return requestApproval('Send the report to 1,200 customers?', { recipients: 1200 });
          return { sent: approval.state === 'approved', comment: approval.comment };
        },
      }),
    );
    const run = await queuedRun(alice, agent.id);
    const options = { baseUrl: second.url, token: (alice as { token: string }).token, fetch: checkedFetch };
    const streamed: StreamedEvent[] = [];
    const following = (async () => {
      for await (const event of streamRun(options, run.id)) streamed.push(event);
    })();
    await eventually(async () => ((await getRun(alice, run.id)).body.status === 'awaiting_approval' ? true : undefined), 15_000, 'awaiting approval');
    const client = createAgentryClient(options);
    const approved = await unwrap(client.POST('/api/v1/runs/{runId}/approve', { params: { path: { runId: run.id } }, body: { comment: 'Go ahead.' } }));
    expect(approved.approval).toMatchObject({ state: 'approved', comment: 'Go ahead.' });
    await following;
    const finished = (await getRun(alice, run.id)).body;
    expect(finished).toMatchObject({ status: 'succeeded', output: { sent: true, comment: 'Go ahead.' }, approval: { state: 'approved' } });
    expect(calls).toEqual([null, 'approved']);
    expect(streamed.map((event) => event.type)).toEqual(
      expect.arrayContaining(['run.queued', 'run.started', 'run.approval_required', 'run.approved', 'run.succeeded']),
    );
    expect(streamed.at(-1)?.type).toBe('run.succeeded');
  });

  it('a killed kit process leaves its started run to time out, never to a second execution', async () => {
    const fast = await startApp(suiteEnv({ RUN_LEASE_SECONDS: '1', RUN_TIMEOUT_SECONDS: '2' }));
    const org = freshOrg();
    const alice = user(org, 'alice', { admin: true });
    const key = (await createApiKey(org, 'runtime')).apiKey;
    const agent = await deployedAgent(alice);
    const child = spawn(process.execPath, [resolve(__dirname, 'support/kit-runtime.mjs'), '--url', fast.url, '--key', key, '--agent', String(agent.id)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
    try {
      const run = await queuedRun(alice, agent.id);
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await eventually(async () => (output.includes(`RUN ${run.id}`) ? true : undefined), 15_000, 'the kit process started the run');
      child.kill('SIGKILL');
      await exited;
      const executions: string[] = [];
      runtimes.push(
        createRuntime({ baseUrl: fast.url, key, agentIds: [agent.id], waitSeconds: 1, fetch: checkedFetch, handler: ({ run: other }) => void executions.push(other.id) }),
      );
      const failed = await eventually(async () => {
        const body = (await getRun(alice, run.id)).body;
        return body.status === 'failed' ? body : undefined;
      }, 20_000, 'timed out');
      expect(failed.error).toMatchObject({ code: 'timed_out' });
      expect(failed.events.filter((event: { type: string }) => event.type === 'started')).toHaveLength(1);
      expect(failed.attempt).toBe(1);
      expect(executions).toEqual([]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await fast.stop();
    }
  }, 90_000);
});
