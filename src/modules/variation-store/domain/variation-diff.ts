import { canonicalJson } from './content-hash';
import { CONTENT_FIELDS, type VariationContent } from './variation-content';

export interface FieldChange {
  field: keyof VariationContent;
  active: unknown;
  draft: unknown;
}

/**
 * The fields in which the draft differs from the active variation, compared by
 * meaning (key order inside objects is ignored) like contentHash. Before the
 * first deploy there is no active variation and every field counts as changed.
 */
export function diffContent(active: VariationContent | null, draft: VariationContent): FieldChange[] {
  return CONTENT_FIELDS.filter(
    (field) => active === null || canonicalJson(active[field]) !== canonicalJson(draft[field]),
  ).map((field) => ({ field, active: active === null ? null : active[field], draft: draft[field] }));
}
