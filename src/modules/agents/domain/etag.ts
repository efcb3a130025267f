import { ifMatchAllows, IfMatchCondition } from '../../../common/http/if-match';

/** A strong entity tag for the agent's version, e.g. `"17"` (quotes included). */
export function formatEtag(version: number): string {
  return `"${version}"`;
}

/** Whether a write's If-Match (absent, `*`, or a list of tags) lets it change the agent at `version`. */
export function ifMatchSatisfied(condition: IfMatchCondition | undefined, version: number): boolean {
  return ifMatchAllows(condition, String(version));
}
