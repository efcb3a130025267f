import { AGENTS, createAgent, deployed } from './agents';
import { api, ApiResponse } from './http';
import { auth, Caller, createApiKey } from './principals';

export const RUNTIME = '/api/v1/runtime';
export const RUNS = '/api/v1/runs';

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`: no fixed sleeps. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A deployed agent of `owner` (a deployable task unless overridden). */
export async function deployedAgent(owner: Caller, overrides: Record<string, unknown> = {}): Promise<any> {
  const agent = await createAgent(owner, overrides);
  return deployed(owner, agent.id);
}

/** A runtime API key of `org`, as request options. */
export async function runtimeKey(org: string): Promise<{ apiKey: string }> {
  return { apiKey: (await createApiKey(org, 'runtime')).apiKey };
}

export const startRun = (who: Caller, agentId: number | string, body: unknown = {}): Promise<ApiResponse> =>
  api('POST', `${AGENTS}/${agentId}/runs`, { ...auth(who), body });

/** Starts a run and fails loudly unless it is a 201. */
export async function queuedRun(who: Caller, agentId: number | string, body: unknown = {}): Promise<any> {
  const started = await startRun(who, agentId, body);
  if (started.status !== 201) throw new Error(`run start failed: ${started.status} ${JSON.stringify(started.body)}`);
  return started.body;
}

export const claim = (who: Caller, body: unknown = {}, baseUrl?: string): Promise<ApiResponse> =>
  api('POST', `${RUNTIME}/claim`, { ...auth(who), body, baseUrl });

export const report = (who: Caller, runId: string, body: unknown, baseUrl?: string): Promise<ApiResponse> =>
  api('POST', `${RUNS}/${runId}/events`, { ...auth(who), body, baseUrl });

export const heartbeat = (who: Caller, runId: string, baseUrl?: string): Promise<ApiResponse> =>
  api('POST', `${RUNS}/${runId}/heartbeat`, { ...auth(who), baseUrl });

export const getRun = (who: Caller, runId: string): Promise<ApiResponse> => api('GET', `${RUNS}/${runId}`, auth(who));

/* ---- Helpers for runs.e2e-spec, runtime.e2e-spec and runs-maintenance.e2e-spec ---- */

export type RunStatusName = 'queued' | 'running' | 'awaiting_approval' | 'succeeded' | 'failed' | 'cancelled';

/** A runtime API key with its id (its principal is `apikey:<id>`). */
export async function runtimeKeyWithId(org: string): Promise<{ apiKey: string; id: string }> {
  const created = await createApiKey(org, 'runtime');
  return { apiKey: created.apiKey, id: created.id };
}

const withIfMatch = (who: Caller, ifMatch?: string) => ({ ...auth(who), headers: ifMatch ? { 'if-match': ifMatch } : undefined });

export const pauseAgent = (who: Caller, agentId: number | string, ifMatch?: string): Promise<ApiResponse> =>
  api('POST', `${AGENTS}/${agentId}/pause`, withIfMatch(who, ifMatch));

export const resumeAgent = (who: Caller, agentId: number | string, ifMatch?: string): Promise<ApiResponse> =>
  api('POST', `${AGENTS}/${agentId}/resume`, withIfMatch(who, ifMatch));

export const discardDraft = (who: Caller, agentId: number | string, ifMatch?: string): Promise<ApiResponse> =>
  api('DELETE', `${AGENTS}/${agentId}/draft`, withIfMatch(who, ifMatch));

export const cancelRun = (who: Caller, runId: string): Promise<ApiResponse> => api('POST', `${RUNS}/${runId}/cancel`, auth(who));

export const approveRun = (who: Caller, runId: string, body?: unknown): Promise<ApiResponse> =>
  api('POST', `${RUNS}/${runId}/approve`, { ...auth(who), body });

export const rejectRun = (who: Caller, runId: string, body?: unknown): Promise<ApiResponse> =>
  api('POST', `${RUNS}/${runId}/reject`, { ...auth(who), body });

export const listRuns = (who: Caller, agentId: number | string, query = ''): Promise<ApiResponse> =>
  api('GET', `${AGENTS}/${agentId}/runs${query ? `?${query}` : ''}`, auth(who));

/** The ids of a list response's rows, in order. */
export const idsOf = (response: ApiResponse): string[] => (response.body.runs as { id: string }[]).map((run) => run.id);

/** The event types of a run (GET /runs/{id}), oldest first. */
export async function eventTypes(who: Caller, runId: string): Promise<string[]> {
  const shown = await getRun(who, runId);
  if (shown.status !== 200) throw new Error(`run read failed: ${shown.status} ${JSON.stringify(shown.body)}`);
  return (shown.body.events as { type: string }[]).map((event) => event.type);
}

/** Claims through `runtime` and fails loudly unless the claim hands over exactly `runId`. */
export async function claimed(runtime: Caller, agentId: number, runId: string, baseUrl?: string): Promise<any> {
  const response = await claim(runtime, { agentIds: [agentId] }, baseUrl);
  if (response.status !== 200 || response.body.run.id !== runId) {
    throw new Error(`claim of ${runId} failed: ${response.status} ${JSON.stringify(response.body)?.slice(0, 500)}`);
  }
  return response.body;
}

/** Sends a report and fails loudly unless it is a 200 that leaves the run in `expected`. */
export async function reported(who: Caller, runId: string, body: unknown, expected: RunStatusName, baseUrl?: string): Promise<any> {
  const response = await report(who, runId, body, baseUrl);
  if (response.status !== 200 || response.body.status !== expected) {
    throw new Error(`report ${JSON.stringify(body)} on ${runId} failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

export const OUTCOME = { type: 'outcome', output: { ok: true } } as const;
export const FAILURE = { type: 'error', error: { code: 'boom', message: 'It broke.' } } as const;

/**
 * A fresh run of `agentId` brought to `state` by `runtime` (which holds its claim) and `owner`:
 * 'claimed' is queued with a claim; 'unclaimed' is queued with none. The agent's queue must hold no
 * other unclaimed run, since the claim takes the oldest.
 */
export async function runIn(
  state: 'unclaimed' | 'claimed' | Exclude<RunStatusName, 'queued'>,
  owner: Caller,
  runtime: Caller,
  agentId: number,
): Promise<string> {
  const run = await queuedRun(owner, agentId);
  if (state === 'unclaimed') return run.id;
  if (state === 'cancelled') {
    const cancelled = await cancelRun(owner, run.id);
    if (cancelled.status !== 200) throw new Error(`cancel failed: ${cancelled.status} ${JSON.stringify(cancelled.body)}`);
    return run.id;
  }
  await claimed(runtime, agentId, run.id);
  if (state === 'claimed') return run.id;
  if (state === 'failed') {
    await reported(runtime, run.id, FAILURE, 'failed');
    return run.id;
  }
  await reported(runtime, run.id, { type: 'started' }, 'running');
  if (state === 'awaiting_approval') await reported(runtime, run.id, { type: 'approval_required', message: 'May I?' }, 'awaiting_approval');
  if (state === 'succeeded') await reported(runtime, run.id, OUTCOME, 'succeeded');
  return run.id;
}

/** A claim request that the test abandons (the connection is closed) after `abortAfterMs`. */
export async function abandonedClaim(who: { apiKey: string }, body: unknown, abortAfterMs: number, baseUrl = process.env.E2E_BASE_URL): Promise<'aborted' | number> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), abortAfterMs);
  try {
    const response = await fetch(`${baseUrl}${RUNTIME}/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': who.apiKey },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    await response.text();
    return response.status;
  } catch (error) {
    if ((error as Error).name === 'AbortError') return 'aborted';
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
