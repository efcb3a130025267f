import { INT32_MAX } from '../../../common/validation/int32';

/** How a path names an agent: its numeric id or its slug (`/api/v1`), or its UUID (the compatibility routes). */
export type AgentRef = { id: number } | { slug: string } | { uid: string };

/** The agents column and value a reference looks up (each is unique in the org and indexed). */
export function refColumn(ref: AgentRef): ['id', number] | ['slug', string] | ['uid', string] {
  if ('id' in ref) return ['id', ref.id];
  return 'slug' in ref ? ['slug', ref.slug] : ['uid', ref.uid];
}


/** A path segment names an agent by numeric id or by slug; ids beyond the column's range name nothing. */
export function parseAgentRef(segment: string): AgentRef | null {
  if (/^\d+$/.test(segment)) {
    const id = Number(segment);
    return id >= 1 && id <= INT32_MAX ? { id } : null;
  }
  return /^[a-z0-9-]{1,80}$/.test(segment) ? { slug: segment } : null;
}
