/**
 * Compiled (never run) by `npm run openapi:check` against types that openapi-typescript generates from
 * openapi.json: what a client written from the document must be able to say under `tsc --strict`.
 */
import type { components, operations, paths } from './generated/schema';

type Schemas = components['schemas'];

// Nullable fields are their own type or null, not `Record<string, never>`.
export const create: Schemas['CreateAgentRequest'] = {
  name: 'Sales by region',
  description: 'Sales by region',
  instructions: 'Summarise sales.',
  role: null,
  language: 'en',
  specialInstructions: null,
  modelId: null,
  notificationConfig: { slackChannelId: 'C0123456789', events: { digest: true } },
  voice: { enabled: false, pipelineMode: null },
};
export const cleared: Schemas['UpdateAgentRequest'] = { description: null, notificationConfig: null, trigger: null };

// `name` is required on create and optional on update.
// @ts-expect-error: a create without a name does not compile
export const nameless: Schemas['CreateAgentRequest'] = { description: 'no name' };
export const rename: Schemas['UpdateAgentRequest'] = { name: 'Renamed' };

// A PATCH, and every other write, can be sent without If-Match.
export const patchWithoutIfMatch: operations['updateAgent']['parameters'] = { path: { id: '42' }, query: {}, header: {} };
export const patchWithIfMatch: operations['updateAgent']['parameters'] = { path: { id: '42' }, header: { 'If-Match': '"17"' } };
export const deployWithoutIfMatch: operations['deployAgent']['parameters'] = { path: { id: 'daily-sales-report-a3f' } };

// Responses: ids are numbers, timestamps strings, nullable strings string | null.
type Agent = paths['/api/v1/agents/{id}']['get']['responses'][200]['content']['application/json'];
export function describe(agent: Agent): string {
  const id: number = agent.id;
  const description: string = agent.description ?? '';
  const channel: string | undefined = agent.notificationConfig?.slackChannelId;
  const created: string = agent.createdAt;
  return `${id} ${description} ${channel ?? ''} ${created} ${agent.variation?.instructions ?? ''}`;
}

// Problems carry a typed code.
export const problemCode: Schemas['Problem']['code'] = 'ACCESS_LOCKOUT';

// Issue #27. A reported event is one shape per type: an outcome without output does not compile.
type RunEventRequest = NonNullable<operations['reportRunEvent']['requestBody']>['content']['application/json'];
export const outcome: RunEventRequest = { type: 'outcome', output: { report: 'done' } };
export const failure: RunEventRequest = { type: 'error', error: { code: 'upstream', message: 'The CRM did not answer.' } };
// @ts-expect-error: an outcome carries its output
export const outcomeWithoutOutput: RunEventRequest = { type: 'outcome' };
// A claim with nothing in it (waitSeconds has a default) compiles; a run's error and approval may be null.
export const emptyClaim: Schemas['ClaimRunRequest'] = {};
export function errorOf(run: Schemas['Run']): string | null {
  return run.error === null ? null : `${run.error.code}: ${run.error.message} ${run.approval?.state ?? ''}`;
}
// Agent ids in paths are numbers or slugs.
export const byNumber: operations['getAgent']['parameters']['path'] = { id: 42 };
export const bySlug: operations['getAgent']['parameters']['path'] = { id: 'daily-sales-report-a3f' };
