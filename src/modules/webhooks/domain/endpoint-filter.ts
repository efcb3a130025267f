import { globMatches } from '../../events/domain/event-glob';
import { EVENT_TYPE_NAMES } from '../../events/domain/event-types';

/** How many type globs and agent ids one endpoint may list. */
export const MAX_ENDPOINT_TYPES = 50;
export const MAX_ENDPOINT_AGENTS = 100;

const GLOB = /^[a-z_.*]{1,100}$/;

/**
 * An endpoint's `types`: event types or globs of them (`run.*`, `*`), each matching at least one
 * type the log knows, so a typo is a 400 instead of an endpoint that silently never hears anything.
 * Every offending entry is named.
 */
export function typeGlobProblems(globs: readonly string[]): string[] {
  const problems: string[] = [];
  if (globs.length === 0) problems.push('must list at least one event type or glob (`*` for every type)');
  if (globs.length > MAX_ENDPOINT_TYPES) problems.push(`must list at most ${MAX_ENDPOINT_TYPES} types`);
  const bad = globs.filter((glob) => !GLOB.test(glob) || !EVENT_TYPE_NAMES.some((type) => globMatches(glob, type)));
  if (bad.length > 0) {
    problems.push(`${bad.map((glob) => JSON.stringify(glob)).join(', ')} ${bad.length === 1 ? 'matches' : 'match'} no event type; list event types or globs such as run.*`);
  }
  return problems;
}

/** What an endpoint listens to: its type globs, and the agents it is limited to (null: every event of the org). */
export interface EndpointFilter {
  types: readonly string[];
  agentIds: readonly number[] | null;
}

/**
 * Whether an event goes to the endpoint: its type matches one of the globs, and, for an endpoint
 * limited to some agents, it is an event of one of them (an event of no agent, such as
 * `api_key.created`, goes only to endpoints not limited to agents).
 */
export function endpointWants(filter: EndpointFilter, event: { type: string; agentId: number | null }): boolean {
  if (filter.agentIds !== null && (event.agentId === null || !filter.agentIds.includes(event.agentId))) return false;
  return filter.types.some((glob) => globMatches(glob, event.type));
}
