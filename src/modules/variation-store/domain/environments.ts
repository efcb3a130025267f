import { createHash } from 'node:crypto';

/**
 * Environments (SPEC §14): named pointers from an agent to its published versions. The pure rules:
 * names, the limit, the environment's ETag, what an event says about one, and canary routing.
 */

/** The environment that "active" means everywhere else; it exists from the first deploy and is never deleted. */
export const PRODUCTION = 'production';

/** `draft` is taken: the diff route names the draft so. */
export const ENVIRONMENT_NAME = /^(?!draft$)[a-z][a-z0-9-]{0,30}$/;

/** At most this many environments per agent, production included. */
export const MAX_ENVIRONMENTS = 20;

/** A canary split: this share of new runs goes to `version`. */
export interface CanarySplit {
  variationId: string;
  version: number;
  percent: number;
}

/** An environment as stored, with the versions it points at. */
export interface EnvironmentState {
  name: string;
  variationId: string;
  version: number;
  canary: CanarySplit | null;
  revision: number;
}

/** The environment's own strong ETag: `"env-3"`, never equal to an agent's (`"3"`), so the two cannot be mixed up. */
export function formatEnvironmentEtag(revision: number): string {
  return `"env-${revision}"`;
}

/** The opaque part of the ETag, what If-Match lists. */
export function environmentEtagValue(revision: number): string {
  return `env-${revision}`;
}

/** What `environment.updated` records of one side of a move: the versions, not the ids. */
export function environmentSnapshot(state: Pick<EnvironmentState, 'version' | 'canary'> | null): { version: number; canary: { version: number; percent: number } | null } | null {
  if (!state) return null;
  return { version: state.version, canary: state.canary ? { version: state.canary.version, percent: state.canary.percent } : null };
}

/** Why an environment moved, as `environment.updated` says. */
export type EnvironmentCause = 'deploy' | 'move' | 'promote' | 'delete';

/**
 * The canary after the primary moves to `version`: a split onto the version the primary now runs is
 * over (everyone gets it), so it is dropped.
 */
export function canaryAfterMove(canary: CanarySplit | null, version: number): CanarySplit | null {
  return canary && canary.version !== version ? canary : null;
}

/** Buckets per run: a percent is 100 buckets, so any whole percent splits exactly. */
const BUCKETS = 10_000;

/**
 * A routing key's bucket, 0–9999: a stable hash of the agent and the key, so the same customer lands
 * on the same side of a split for as long as it stands, and two agents split their customers independently.
 */
export function routingBucket(agentId: number, routingKey: string): number {
  return createHash('sha256').update(`${agentId}\u0000${routingKey}`).digest().readUInt32BE(0) % BUCKETS;
}

/**
 * Whether a new run goes to the canary: by the routing key's bucket when there is one, else by `draw`
 * (a uniform number in [0, 1), Math.random in the service, seeded in tests).
 */
export function routesToCanary(percent: number, agentId: number, routingKey: string | undefined, draw: () => number): boolean {
  const bucket = routingKey === undefined ? Math.floor(draw() * BUCKETS) : routingBucket(agentId, routingKey);
  return bucket < percent * (BUCKETS / 100);
}

/** One side of a diff: `draft`, a version number, or an environment name. */
export type DiffRef = { kind: 'draft' } | { kind: 'version'; version: number } | { kind: 'environment'; name: string };

/** Reads a diff side as given in `from` / `to` (the DTO has checked it is one of the three forms). */
export function parseDiffRef(ref: string): DiffRef {
  if (ref === 'draft') return { kind: 'draft' };
  if (/^[0-9]+$/.test(ref)) return { kind: 'version', version: Number(ref) };
  return { kind: 'environment', name: ref };
}
