import type { Client } from 'pg';
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

/**
 * Writes `count` runs of a deployed agent straight into the table, in one statement (one now(), so
 * one created_at): a history the API would take minutes to make, or runs created in the same instant.
 */
export const insertRuns = (db: Client, agentId: number, count: number, status: 'queued' | 'succeeded', createdBy: string) =>
  db.query(
    `INSERT INTO runs (id, org_id, agent_id, variation_id, variation_version, status, trigger, input, created_by, finished_at)
     SELECT gen_random_uuid(), a.org_id, a.id, a.active_variation_id, a.latest_version, $2::varchar, 'manual', '{}', $4,
       CASE WHEN $2::varchar = 'succeeded' THEN now() END
     FROM agents a, generate_series(1, $3) WHERE a.id = $1`,
    [agentId, status, count, createdBy],
  );

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
