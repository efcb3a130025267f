import { EnvironmentState, routesToCanary } from '../../variation-store/domain/environments';

/** Where a new run goes: the version it is pinned to, and how it got there. */
export interface RunTarget {
  variationId: string;
  version: number;
  /** The environment it was started on; null when a version was asked for by number. */
  environment: string | null;
  /** Which side of the environment's split it landed on; null with an explicit version. */
  routedTo: 'primary' | 'canary' | null;
}

/**
 * A run started on an environment (SPEC §14): its primary version, or its canary for the canary's
 * share, by a stable hash of `routingKey` when given (the same key sees the same version while the
 * split stands), else by `draw` (uniform in [0, 1)).
 */
export function routeRun(environment: EnvironmentState, agentId: number, routingKey: string | undefined, draw: () => number): RunTarget {
  const { canary } = environment;
  if (canary && routesToCanary(canary.percent, agentId, routingKey, draw)) {
    return { variationId: canary.variationId, version: canary.version, environment: environment.name, routedTo: 'canary' };
  }
  return { variationId: environment.variationId, version: environment.version, environment: environment.name, routedTo: 'primary' };
}
