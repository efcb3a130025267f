import { freshOrg } from './support/agents';
import { AppProcess, startApp, suiteEnv } from './support/app-process';
import { api, expectProblem } from './support/http';
import { createApiKey, user } from './support/principals';
import { claim, deployedAgent, getRun, queuedRun, report } from './support/runs';
import { tokenFor } from './support/tokens';

/**
 * Issue #20, item 1: a revoked key (or a token that lapsed) gets nothing from the moment the
 * revocation commits, on every instance, including claims already waiting; the run stays for the
 * other runtimes. Instance B shares the suite's database with no clock skew and a 3 s maximum token
 * age, so a token lapses mid-wait within seconds.
 */
const MAX_TOKEN_AGE_SECONDS = 3;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const revoke = (org: string, id: string, baseUrl?: string) =>
  api('DELETE', `/api/v1/api-keys/${id}`, { ...user(org, 'revoker', { admin: true }), baseUrl });

describe('runs: a revoked or lapsed claimant gets nothing', () => {
  const org = freshOrg();
  const alice = user(org, 'alice', { admin: true });
  let b: AppProcess;

  beforeAll(async () => {
    b = await startApp(suiteEnv({ AUTH_CLOCK_SKEW_SECONDS: '0', AUTH_MAX_TOKEN_AGE_SECONDS: String(MAX_TOKEN_AGE_SECONDS) }));
  });
  afterAll(async () => {
    await b?.stop();
  });

  /** A claim waiting with `key` on `claimUrl` while the key is revoked on `revokeUrl`, then a run is started. */
  async function revokeWhileWaiting(claimUrl?: string, revokeUrl?: string): Promise<void> {
    const agent = await deployedAgent(alice);
    const doomed = await createApiKey(org, 'runtime');
    const other = await createApiKey(org, 'runtime');
    const waiting = claim(doomed, { agentIds: [agent.id], waitSeconds: 10 }, claimUrl);
    await pause(500);
    expect((await revoke(org, doomed.id, revokeUrl)).status).toBe(204);
    await pause(500);
    const run = await queuedRun(alice, agent.id);
    const answered = await waiting;
    expectProblem(answered, 401, 'UNAUTHENTICATED');
    expect(answered.headers.get('www-authenticate')).toBe('Bearer');
    const claimed = await claim(other, { agentIds: [agent.id], waitSeconds: 5 }, claimUrl);
    expect(claimed.status).toBe(200);
    expect(claimed.body.run).toMatchObject({ id: run.id, attempt: 1 });
  }

  it('ends a claim waiting with a key revoked meanwhile with 401, and the run goes to another runtime', async () => {
    await revokeWhileWaiting();
  });

  it('does so when the claim waits on another instance than the one that revoked the key', async () => {
    await revokeWhileWaiting(b.url, undefined);
  });

  /** A claim waiting on B with `token`, which lapses mid-wait; a run started after that goes elsewhere. */
  async function lapseWhileWaiting(token: string, lapsesAt: number): Promise<void> {
    const agent = await deployedAgent(alice);
    const other = await createApiKey(org, 'runtime');
    const waiting = claim(token, { agentIds: [agent.id], waitSeconds: 10 }, b.url);
    await pause(lapsesAt - Date.now() + 300);
    const run = await queuedRun(alice, agent.id);
    const answered = await waiting;
    expect(expectProblem(answered, 401, 'UNAUTHENTICATED').detail).toMatch(/expired|maximum token age/);
    const claimed = await claim(other, { agentIds: [agent.id], waitSeconds: 5 }, b.url);
    expect(claimed.body.run).toMatchObject({ id: run.id, attempt: 1 });
  }

  it("ends an org admin's claim whose token expires while it waits", async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    await lapseWhileWaiting(tokenFor({ org, sub: 'expiring-admin', admin: true, claims: { exp } }), exp * 1000);
  });

  it("ends an org admin's claim whose token passes the maximum token age while it waits", async () => {
    const iat = Math.floor(Date.now() / 1000);
    // jose refuses once the age exceeds the maximum, counted in whole seconds.
    await lapseWhileWaiting(tokenFor({ org, sub: 'ageing-admin', admin: true, claims: { iat } }), (iat + MAX_TOKEN_AGE_SECONDS + 1) * 1000);
  });

  it('puts the runs a revoked key claimed but never started back in the queue, attempt unchanged; started ones run on', async () => {
    const agent = await deployedAgent(alice);
    const doomed = await createApiKey(org, 'runtime');
    const other = await createApiKey(org, 'runtime');
    const started = await queuedRun(alice, agent.id);
    expect((await claim(doomed, { agentIds: [agent.id] })).body.run.id).toBe(started.id);
    expect((await report(doomed, started.id, { type: 'started' })).status).toBe(200);
    const claimedOnly = await queuedRun(alice, agent.id);
    expect((await claim(doomed, { agentIds: [agent.id] })).body.run.id).toBe(claimedOnly.id);

    expect((await revoke(org, doomed.id)).status).toBe(204);

    const back = (await getRun(alice, claimedOnly.id)).body;
    expect(back).toMatchObject({ status: 'queued', attempt: 1, claimedAt: null });
    expect(back.events.map((e: { type: string }) => e.type)).toEqual(['claim_revoked']);
    expect((await getRun(alice, started.id)).body).toMatchObject({ status: 'running', attempt: 1 });
    const reclaimed = await claim(other, { agentIds: [agent.id] }, b.url);
    expect(reclaimed.status).toBe(200);
    expect(reclaimed.body.run).toMatchObject({ id: claimedOnly.id, attempt: 1 });
    expectProblem(await report(doomed, claimedOnly.id, { type: 'started' }), 401, 'UNAUTHENTICATED');
  });

  it('leaves no run claimed by a key revoked while it claims in parallel', async () => {
    const agent = await deployedAgent(alice);
    const doomed = await createApiKey(org, 'runtime');
    const other = await createApiKey(org, 'runtime');
    const runs = new Set<string>();
    for (let i = 0; i < 6; i++) runs.add((await queuedRun(alice, agent.id)).id);
    const claims = Array.from({ length: 6 }, (_, i) => claim(doomed, { agentIds: [agent.id] }, i % 2 ? b.url : undefined));
    const revoked = revoke(org, doomed.id);
    await Promise.all(claims);
    expect((await revoked).status).toBe(204);
    const reclaimed = new Set<string>();
    for (let i = 0; i < 6; i++) reclaimed.add((await claim(other, { agentIds: [agent.id] })).body?.run?.id);
    expect(reclaimed).toEqual(runs);
  });
});
