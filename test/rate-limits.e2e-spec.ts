import { randomUUID } from 'node:crypto';
import { AGENTS } from './support/agents';
import { AppProcess, startApp, suiteEnv } from './support/app-process';
import { api, ApiResponse, expectProblem } from './support/http';
import { claim, runtimeKey } from './support/runs';
import { user } from './support/principals';

/**
 * Two instances on the suite's database with small budgets: reads per caller and writes per org. A
 * bucket refills a tenth of itself a second, so the refill is part of what is checked, and a slow,
 * busy machine still sends faster than that.
 */
const WINDOW_SECONDS = 10;
const READS_PER_CALLER = 30;
const WRITES_PER_ORG = 20;
const AUTH_FAILURES_PER_ADDRESS = 20;
/** Large enough to be counted in memory between syncs (domain/local-tally.ts); refills 100 a second. */
const RUNTIME_PER_CALLER = 1000;
const LIMITS = {
  RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
  RATE_LIMIT_READS_PER_CALLER: String(READS_PER_CALLER),
  RATE_LIMIT_READS_PER_ORG: '0',
  RATE_LIMIT_WRITES_PER_CALLER: '0',
  RATE_LIMIT_WRITES_PER_ORG: String(WRITES_PER_ORG),
  RATE_LIMIT_AUTH_FAILURES_PER_ADDRESS: String(AUTH_FAILURES_PER_ADDRESS),
  RATE_LIMIT_RUNTIME_PER_CALLER: String(RUNTIME_PER_CALLER),
  RATE_LIMIT_RUNTIME_PER_ORG: '100000',
};

interface Timed {
  answer: ApiResponse;
  sentAt: number;
  answeredAt: number;
}

/**
 * Sends `send()` from `concurrency` loops per instance for at least `seconds`, and on until some answers
 * were 429 (a busy machine may need longer to empty the bucket); every answer with when it was sent and came.
 */
async function hammer(instances: AppProcess[], seconds: number, send: (baseUrl: string, index: number) => Promise<ApiResponse>, concurrency = 4): Promise<Timed[]> {
  const answers: Timed[] = [];
  const started = performance.now();
  let refused = 0;
  const going = () => {
    const elapsed = performance.now() - started;
    return elapsed < 90_000 && (elapsed < seconds * 1000 || refused < 5);
  };
  await Promise.all(
    instances.flatMap((instance, i) =>
      Array.from({ length: concurrency }, async (_, loop) => {
        while (going()) {
          const sentAt = performance.now();
          const answer = await send(instance.url, i * concurrency + loop);
          if (answer.status === 429) refused += 1;
          answers.push({ answer, sentAt, answeredAt: performance.now() });
        }
      }),
    ),
  );
  return answers;
}

/**
 * A bucket of `capacity` kept empty allows its capacity plus its refill between the first request's
 * and the last counted one's statements. Those ran somewhere between their requests' sending and their
 * answers; the count must be within 10 % of the range that leaves.
 */
function expectWithinBudget(answers: Timed[], counted: (answer: ApiResponse) => boolean, capacity: number): void {
  const allowed = answers.filter(({ answer }) => counted(answer));
  const first = answers.reduce((a, b) => (a.sentAt < b.sentAt ? a : b));
  const last = allowed.reduce((a, b) => (a.answeredAt > b.answeredAt ? a : b));
  const perSecond = capacity / WINDOW_SECONDS;
  const least = capacity + (perSecond * Math.max(0, last.sentAt - first.answeredAt)) / 1000;
  const most = capacity + (perSecond * (last.answeredAt - first.sentAt)) / 1000;
  expect(allowed.length).toBeGreaterThanOrEqual(Math.floor(least * 0.9));
  expect(allowed.length).toBeLessThanOrEqual(Math.ceil(most * 1.1));
}

/** Sends batches of concurrent requests until one is refused (a sequential loop on a slow machine might never outrun the refill); that refusal. */
async function firstRefusal(send: () => Promise<ApiResponse>): Promise<ApiResponse> {
  for (let batch = 0; batch < 20; batch += 1) {
    const refused = (await Promise.all(Array.from({ length: 25 }, send))).find((answer) => answer.status === 429);
    if (refused) return refused;
  }
  throw new Error('500 requests and none refused');
}

describe('Rate limits (two instances sharing the database)', () => {
  let a: AppProcess;
  let b: AppProcess;

  beforeAll(async () => {
    // Both at once, with room for a machine busy with other suites: each is a whole service starting.
    [a, b] = await Promise.all([startApp(suiteEnv(LIMITS), { readyWithinMs: 90_000 }), startApp(suiteEnv(LIMITS), { readyWithinMs: 90_000 })]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it("keeps one caller's reads, spread over both instances, within its budget (±10 %), with 429s that say when to retry", async () => {
    const org = randomUUID();
    const reader = user(org, 'reader');
    const timed = await hammer([a, b], 3, (baseUrl) => api('GET', `${AGENTS}?pageSize=1`, { ...reader, baseUrl }));
    const answers = timed.map(({ answer }) => answer);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(answers.filter((answer) => answer.status !== 200 && answer.status !== 429)).toEqual([]);
    expect(refused.length).toBeGreaterThan(0);
    expectWithinBudget(timed, (answer) => answer.status === 200, READS_PER_CALLER);

    const problem = expectProblem(refused[0]!, 429, 'RATE_LIMITED');
    expect(problem.detail).toMatch(/"reads-caller"/);
    const retryAfter = Number(refused[0]!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    for (const answer of [answers.find((x) => x.status === 200)!, refused[0]!]) {
      expect(answer.headers.get('ratelimit-policy')).toBe(`"reads-caller";q=${READS_PER_CALLER};w=${WINDOW_SECONDS}`);
      expect(answer.headers.get('ratelimit')).toMatch(/^"reads-caller";r=\d+;t=\d+$/);
    }
    expect(refused[0]!.headers.get('ratelimit')).toMatch(/^"reads-caller";r=0;t=(9|10)$/);
  }, 120_000);

  it("shares one org budget among its callers, and answers the seeds' routes in their own error envelope", async () => {
    const org = randomUUID();
    const callers = [user(org, 'one'), user(org, 'two'), user(org, 'three')];
    // An invalid create is refused by validation, after it was counted: the cheapest write.
    const timed = await hammer([a, b], 2, (baseUrl, index) => api('POST', AGENTS, { ...callers[index % 3]!, baseUrl, body: {} }));
    const answers = timed.map(({ answer }) => answer);
    expect(answers.filter((answer) => answer.status !== 400 && answer.status !== 429)).toEqual([]);
    expectWithinBudget(timed, (answer) => answer.status === 400, WRITES_PER_ORG);
    expect(expectProblem(answers.find((answer) => answer.status === 429)!, 429, 'RATE_LIMITED').detail).toMatch(/"writes-org"/);

    // Reads have their own budget: the org's writes being spent does not stop them.
    expect((await api('GET', `${AGENTS}?pageSize=1`, { ...callers[0]!, baseUrl: a.url })).status).toBe(200);
    // The seed-002 routes (/api/agents) answer a 429 in their own envelope, with the same headers.
    const seedAnswer = await firstRefusal(() => api('PATCH', '/api/agents/no-such-agent', { ...callers[1]!, baseUrl: b.url, body: {} }));
    expect(seedAnswer.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(seedAnswer.headers.get('ratelimit-policy')).toContain('"writes-org"');
    expect(JSON.stringify(seedAnswer.body)).toMatch(/RATE_LIMITED|rate limit/i);
  }, 120_000);

  it("gives the runtime's claims their own budget: a caller out of reads and writes still claims", async () => {
    const org = randomUUID();
    const admin = user(org, 'admin', { admin: true });
    const runtime = await runtimeKey(org);
    // Spend the org's writes and the admin's reads.
    await firstRefusal(() => api('POST', AGENTS, { ...admin, baseUrl: a.url, body: {} }));
    await firstRefusal(() => api('GET', `${AGENTS}?pageSize=1`, { ...admin, baseUrl: a.url }));
    const claimed = await claim(runtime, {}, b.url);
    expect(claimed.status).toBe(204);
    expect(claimed.headers.get('ratelimit-policy')).toMatch(/^"runtime-org";q=\d+;w=10, "runtime-caller";q=\d+;w=10$/);
  }, 120_000);

  it('counts a large budget in memory on each instance and still keeps it, within 10 %, across both', async () => {
    const runtime = await runtimeKey(randomUUID());
    const timed = await hammer([a, b], 1, (baseUrl) => claim(runtime, {}, baseUrl), 12);
    const answers = timed.map(({ answer }) => answer);
    expect(answers.filter((answer) => answer.status !== 204 && answer.status !== 429)).toEqual([]);
    // Counted apart, the two instances would have allowed twice the budget.
    expectWithinBudget(timed, (answer) => answer.status === 204, RUNTIME_PER_CALLER);
    const refused = answers.find((answer) => answer.status === 429)!;
    expect(expectProblem(refused, 429, 'RATE_LIMITED').detail).toMatch(/"runtime-caller"/);
    const [, full] = /^"runtime-org";r=\d+;t=\d+, "runtime-caller";r=0;t=(\d+)$/.exec(refused.headers.get('ratelimit') ?? '') ?? [];
    // Until the bucket is full again: about its window; counted in memory, it may be overdrawn by up to
    // 10 % (as above), which takes that much longer to refill.
    expect(Number(full)).toBeGreaterThanOrEqual(WINDOW_SECONDS - 1);
    expect(Number(full)).toBeLessThanOrEqual(Math.ceil(WINDOW_SECONDS * 1.1));
  }, 120_000);

  // Last: it spends this address's failures on instance b.
  it('refuses a flood of bad tokens from one address with 429s before looking at the tokens', async () => {
    const badToken = { token: 'not.a.token' };
    const answers: ApiResponse[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (answers.length < 300) {
          answers.push(await api('GET', AGENTS, { ...badToken, baseUrl: b.url }));
        }
      }),
    );
    const elapsedSeconds = (performance.now() - started) / 1000;
    const unauthenticated = answers.filter((answer) => answer.status === 401).length;
    const refused = answers.filter((answer) => answer.status === 429);
    expect(unauthenticated + refused.length).toBe(answers.length);
    expect(unauthenticated).toBeLessThanOrEqual(Math.ceil((AUTH_FAILURES_PER_ADDRESS + (AUTH_FAILURES_PER_ADDRESS / WINDOW_SECONDS) * elapsedSeconds) * 1.1));
    expect(refused.length).toBeGreaterThan(0);
    expect(expectProblem(refused[0]!, 429, 'RATE_LIMITED').detail).toMatch(/"auth-failures-address"/);
    expect(refused[0]!.headers.get('ratelimit-policy')).toBe(`"auth-failures-address";q=${AUTH_FAILURES_PER_ADDRESS};w=${WINDOW_SECONDS}`);
    // The other instance keeps its own count: this address has failed nothing there.
    expectProblem(await api('GET', AGENTS, { ...badToken, baseUrl: a.url }), 401, 'UNAUTHENTICATED');
  }, 120_000);
});
