/** A strong entity tag for the agent's version, e.g. `"17"` (quotes included). */
export function formatEtag(version: number): string {
  return `"${version}"`;
}

// One element of an If-Match list (RFC 9110 §8.8.3): an optional, case-sensitive `W/`, then a quoted opaque tag.
// The tag may be missing because list recipients must accept empty elements.
const LIST_ELEMENT = /[ \t]*(?:(W\/)?"([\x21\x23-\x7e\x80-\xff]*)")?[ \t]*(?:,|$)/y;

/**
 * RFC 9110 §13.1.1: true when the header is absent, is `*`, or lists a strong tag equal to the
 * current one. Weak tags never match a strong comparison; a malformed header matches nothing.
 */
export function ifMatchSatisfied(header: string | undefined, version: number): boolean {
  if (header === undefined) return true;
  if (header.trim() === '*') return true;
  const current = String(version);
  const element = new RegExp(LIST_ELEMENT);
  let matched = false;
  for (let position = 0; position < header.length; position = element.lastIndex) {
    element.lastIndex = position;
    const parts = element.exec(header);
    if (parts === null) return false;
    const [, weak, opaque] = parts;
    if (weak === undefined && opaque === current) matched = true;
  }
  return matched;
}
