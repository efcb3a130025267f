import { AGENTS, deployableTask } from './agents';
import { api, expectProblem } from './http';
import { Auth } from './principals';
import { claim, report, RUNS } from './runs';

/** Short database timeouts for a service under an outage test, so a request that cannot be served fails in seconds. */
export const OUTAGE_DB_ENV = { DB_CONNECT_TIMEOUT_MS: '1000', DB_STATEMENT_TIMEOUT_MS: '2000' };
/**
 * Longest any request may take under OUTAGE_DB_ENV, outage or not: waiting for a connection, then one
 * statement and the client's 1 s margin over the statement timeout, and some slack for a loaded machine.
 */
export const MAX_REQUEST_MS = Number(OUTAGE_DB_ENV.DB_CONNECT_TIMEOUT_MS) + Number(OUTAGE_DB_ENV.DB_STATEMENT_TIMEOUT_MS) + 1000 + 1500;

/** One write the load made, and how the service answered (status 0: it did not answer in time). */
export interface Attempt {
  kind: 'patch' | 'event';
  target: number | string;
  value: string;
  status: number;
  startedAt: number;
  endedAt: number;
  retryAfter: string | null;
  etag?: string;
}

/**
 * Writers that PATCH agents and report run events against one instance while a test takes its
 * database away (issue #14's outage, issue #20's restart): each writer has its own agent and running
 * run, so its writes are ordered, and every answer is recorded for the checks below.
 */
export class WriteLoad {
  readonly attempts: Attempt[] = [];
  private stopped = false;
  private running: Promise<void>[] = [];

  private constructor(
    private readonly baseUrl: string,
    private readonly owner: Auth,
    private readonly runtime: { apiKey: string },
    private readonly agents: number[],
    private readonly runs: string[],
    private readonly requestTimeoutMs: number,
  ) {}

  /** Sets up `writers` agents with a running run each (as `owner`, through `baseUrl`). */
  static async prepare(baseUrl: string, owner: Auth, writers: number, requestTimeoutMs: number): Promise<WriteLoad> {
    const via = { baseUrl };
    const key = await api('POST', '/api/v1/api-keys', { ...owner, body: { name: 'load runtime', role: 'runtime' }, ...via });
    expect(key.status).toBe(201);
    const runtime = { apiKey: key.body.key as string };
    const agents: number[] = [];
    const runs: string[] = [];
    for (let writer = 0; writer < writers; writer++) {
      const created = await api('POST', AGENTS, { ...owner, body: deployableTask(), ...via });
      expect(created.status).toBe(201);
      expect((await api('POST', `${AGENTS}/${created.body.id}/deploy`, { ...owner, ...via })).status).toBe(200);
      expect((await api('POST', `${AGENTS}/${created.body.id}/runs`, { ...owner, body: {}, ...via })).status).toBe(201);
      const claimed = await claim(runtime, { agentIds: [created.body.id], waitSeconds: 0 }, baseUrl);
      expect(claimed.status).toBe(200);
      expect((await report(runtime, claimed.body.run.id, { type: 'started' }, baseUrl)).status).toBe(200);
      agents.push(created.body.id);
      runs.push(claimed.body.run.id);
    }
    return new WriteLoad(baseUrl, owner, runtime, agents, runs, requestTimeoutMs);
  }

  start(): void {
    this.running = this.agents.map(async (agentId, writer) => {
      for (let sequence = 0; !this.stopped; sequence++) {
        await this.send('patch', agentId, `writer ${writer} patch ${sequence}`);
        await this.send('event', this.runs[writer]!, `writer ${writer} event ${sequence}`);
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }

  /** Whether a write begun after `since` succeeded. */
  succeededAfter(since: number): boolean {
    return this.attempts.some((a) => a.startedAt > since && a.status >= 200 && a.status < 300);
  }

  /** Waits (up to 20 s) until a write begun after `since` succeeds; false if none did. */
  async recoveredAfter(since: number): Promise<boolean> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !this.succeededAfter(since)) await new Promise((resolve) => setTimeout(resolve, 100));
    return this.succeededAfter(since);
  }

  /** Every answer a success or a 503 with Retry-After, none slower than `maxMs`. */
  expectOnlySuccessOr503(maxMs: number): void {
    expect(this.attempts.filter((a) => !(a.status >= 200 && a.status < 300) && !(a.status === 503 && /^\d+$/.test(a.retryAfter ?? '')))).toEqual([]);
    expect(this.attempts.filter((a) => a.endedAt - a.startedAt > maxMs)).toEqual([]);
  }

  /** Writes begun at `from` or later and answered by `to`: while the database was away. */
  during(from: number, to: number): Attempt[] {
    return this.attempts.filter((a) => a.startedAt >= from && a.endedAt <= to);
  }

  /**
   * Every acknowledged run event is in its run; every agent holds its writer's last acknowledged
   * PATCH, or a later one whose answer was lost, at a version no older than the acknowledged one.
   */
  async expectAcknowledgedWritesKept(): Promise<void> {
    const via = { baseUrl: this.baseUrl };
    for (const [writer, runId] of this.runs.entries()) {
      const run = await api('GET', `${RUNS}/${runId}`, { ...this.owner, ...via });
      expect(run.status).toBe(200);
      const stored = new Set((run.body.events as { message?: string }[]).map((event) => event.message));
      const acknowledged = this.attempts.filter((a) => a.kind === 'event' && a.target === runId && a.status === 200).map((a) => a.value);
      expect({ writer, missing: acknowledged.filter((message) => !stored.has(message)) }).toEqual({ writer, missing: [] });
    }
    for (const [writer, agentId] of this.agents.entries()) {
      const patches = this.attempts.filter((a) => a.kind === 'patch' && a.target === agentId).sort((x, y) => x.startedAt - y.startedAt);
      const lastAcknowledged = patches.map((a, index) => ({ a, index })).filter(({ a }) => a.status === 200).pop();
      expect(lastAcknowledged).toBeDefined();
      const agent = await api('GET', `${AGENTS}/${agentId}`, { ...this.owner, ...via });
      const allowed = patches.slice(lastAcknowledged!.index).map((a) => a.value);
      expect({ writer, description: allowed.includes(agent.body.description) }).toEqual({ writer, description: true });
      expect(Number(JSON.parse(agent.headers.get('etag')!))).toBeGreaterThanOrEqual(Number(JSON.parse(lastAcknowledged!.a.etag!)));
    }
  }

  get firstAgent(): number {
    return this.agents[0]!;
  }

  private async send(kind: Attempt['kind'], target: number | string, value: string): Promise<void> {
    const startedAt = Date.now();
    const path = kind === 'patch' ? `${AGENTS}/${target}` : `${RUNS}/${target}/events`;
    const body = kind === 'patch' ? { description: value } : { type: 'action_taken', message: value };
    const who = kind === 'patch' ? this.owner : this.runtime;
    let status = 0;
    let retryAfter: string | null = null;
    let etag: string | undefined;
    try {
      const response = await api(kind === 'patch' ? 'PATCH' : 'POST', path, { ...who, body, baseUrl: this.baseUrl, signal: AbortSignal.timeout(this.requestTimeoutMs) });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      etag = response.headers.get('etag') ?? undefined;
      if (status >= 400) expectProblem(response, 503, 'DATABASE_UNAVAILABLE');
    } catch (error) {
      if (!(error instanceof Error && error.name === 'TimeoutError')) throw error;
      // status 0: the request hung; the checks report it.
    }
    this.attempts.push({ kind, target, value, status, startedAt, endedAt: Date.now(), retryAfter, etag });
  }
}
