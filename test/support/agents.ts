import { randomBytes, randomUUID } from 'node:crypto';
import { api, ApiResponse } from './http';
import { auth, Caller } from './principals';

export const AGENTS = '/api/v1/agents';

/** Tool ids for an agent's `tools`: any UUID will do, the service keeps them as given. */
export const TOOL_A = '11111111-1111-4111-8111-111111111111';
export const TOOL_B = '22222222-2222-4222-8222-222222222222';
export const TOOL_C = '33333333-3333-4333-8333-333333333333';

/** A body that deploys as it is: a task agent with instructions. */
export function deployableTask(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: `Task ${randomBytes(3).toString('hex')}`, type: 'task', instructions: 'You summarise things.', ...overrides };
}

/** A workflow body with a valid two-node graph, so it deploys as it is. */
export function deployableWorkflow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: `Flow ${randomBytes(3).toString('hex')}`,
    type: 'workflow',
    workflowStructure: {
      nodes: [
        { id: 'fetch', type: 'http' },
        { id: 'report', type: 'llm', name: 'Report', config: { model: 'x' }, position: { x: 1, y: 2 } },
      ],
      edges: [{ id: 'e1', source: 'fetch', target: 'report' }],
    },
    ...overrides,
  };
}

export const scheduleTrigger = (cron = '0 9 * * 1-5', timezone = 'Europe/Berlin') => ({ type: 'schedule', schedule: { cron, timezone } });

/** A fresh organization, so list tests can count exactly what they created. */
export function freshOrg(): string {
  return `00000000-0000-0000-0000-${randomBytes(6).toString('hex')}`;
}

export const uuid = () => randomUUID();

/** Creates an agent as `who` (a deployable task unless overridden) and fails loudly if the service refuses. */
export async function createAgent(who: Caller, overrides: Record<string, unknown> = {}): Promise<any> {
  const response = await api('POST', AGENTS, { ...auth(who), body: deployableTask(overrides) });
  if (response.status !== 201) throw new Error(`create failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export function getAgent(who: Caller, id: number | string, view?: 'draft' | 'active'): Promise<ApiResponse> {
  return api('GET', `${AGENTS}/${id}${view ? `?view=${view}` : ''}`, auth(who));
}

export function patchAgent(
  who: Caller,
  id: number | string,
  body: unknown,
  options: { updateMask?: string; ifMatch?: string } = {},
): Promise<ApiResponse> {
  const query = options.updateMask === undefined ? '' : `?updateMask=${encodeURIComponent(options.updateMask)}`;
  return api('PATCH', `${AGENTS}/${id}${query}`, { ...auth(who), body, headers: options.ifMatch ? { 'if-match': options.ifMatch } : undefined });
}

export function deploy(who: Caller, id: number | string, ifMatch?: string): Promise<ApiResponse> {
  return api('POST', `${AGENTS}/${id}/deploy`, { ...auth(who), headers: ifMatch ? { 'if-match': ifMatch } : undefined });
}

/** Deploys and fails loudly unless it is a 200. */
export async function deployed(who: Caller, id: number | string): Promise<any> {
  const response = await deploy(who, id);
  if (response.status !== 200) throw new Error(`deploy failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Patches and fails loudly unless it is a 200. */
export async function patched(who: Caller, id: number | string, body: unknown, options: { updateMask?: string; ifMatch?: string } = {}): Promise<any> {
  const response = await patchAgent(who, id, body, options);
  if (response.status !== 200) throw new Error(`patch failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/**
 * Waits, when the current minute has less than 10 s left, until the next one began. A test that makes
 * this minute's tick due expects that tick's run; a sweep after the next minute began would run the
 * newer tick instead (only the latest due tick runs), so such a test starts clear of the minute's end.
 */
export async function clearOfMinuteEnd(): Promise<void> {
  const seconds = new Date().getSeconds();
  if (seconds >= 50) await new Promise((resolve) => setTimeout(resolve, (61 - seconds) * 1000));
}
