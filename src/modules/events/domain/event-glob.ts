import { EVENT_TYPE_NAMES, EventType } from './event-types';

/** How many globs one filter may list. */
export const MAX_GLOBS = 50;

const GLOB = /^[a-z_.*]+$/;

/** Whether `glob` matches `type`: `*` stands for any run of characters, dots included (`agent.*` matches `agent.ownership_transfer.accepted`). */
export function globMatches(glob: string, type: string): boolean {
  const pattern = glob.split('*').map((part) => part.replace(/[.]/g, '\\.')).join('.*');
  return new RegExp(`^${pattern}$`).test(type);
}

/**
 * Reads a comma-separated list of type globs (`run.*,agent.deployed`) into the event types they
 * match, in the table's order. Every glob must match at least one type: one that matches nothing is a
 * typo, and filtering on it would silently show nothing. A problem names every offending glob.
 */
export function parseTypeGlobs(text: string): { types: EventType[] } | { problem: string } {
  const globs = text.split(',');
  if (globs.length > MAX_GLOBS) return { problem: `at most ${MAX_GLOBS} comma-separated types are allowed, got ${globs.length}` };
  const bad = globs.filter((glob) => !GLOB.test(glob) || !EVENT_TYPE_NAMES.some((type) => globMatches(glob, type)));
  if (bad.length > 0) {
    return { problem: `${bad.map((glob) => JSON.stringify(glob)).join(', ')} ${bad.length === 1 ? 'matches' : 'match'} no event type; list event types or globs such as run.* separated by commas` };
  }
  return { types: EVENT_TYPE_NAMES.filter((type) => globs.some((glob) => globMatches(glob, type))) };
}
