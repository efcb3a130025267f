/**
 * A request's If-Match precondition (RFC 9110 §13.1.1), parsed once at the edge so use cases take a
 * typed value: `*`, or the strong entity tags the client listed. Weak tags never match a strong
 * comparison, and a malformed header lists nothing, so it matches nothing.
 */
export type IfMatchCondition = { readonly anyTag: true } | { readonly anyTag: false; readonly strongTags: readonly string[] };

// One element of an If-Match list (RFC 9110 §8.8.3): an optional, case-sensitive `W/`, then a quoted opaque tag.
// The tag may be missing because list recipients must accept empty elements.
const LIST_ELEMENT = /[ \t]*(?:(W\/)?"([\x21\x23-\x7e\x80-\xff]*)")?[ \t]*(?:,|$)/y;

export function parseIfMatch(header: string): IfMatchCondition {
  if (header.trim() === '*') return { anyTag: true };
  const strongTags: string[] = [];
  const element = new RegExp(LIST_ELEMENT);
  for (let position = 0; position < header.length; position = element.lastIndex) {
    element.lastIndex = position;
    const parts = element.exec(header);
    if (parts === null) return { anyTag: false, strongTags: [] };
    const [, weak, opaque] = parts;
    if (weak === undefined && opaque !== undefined) strongTags.push(opaque);
  }
  return { anyTag: false, strongTags };
}

/** True when there is no condition, it is `*`, or it lists the current tag's opaque value. */
export function ifMatchAllows(condition: IfMatchCondition | undefined, currentOpaqueTag: string): boolean {
  if (condition === undefined || condition.anyTag) return true;
  return condition.strongTags.includes(currentOpaqueTag);
}
