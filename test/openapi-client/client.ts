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
