/**
 * Each part of an IANA name starts with a capital letter (Europe/Berlin,
 * America/Port-au-Prince, Etc/GMT+2, UTC). This shape also keeps out what
 * newer runtimes accept besides zone names, such as offsets like +02:00.
 */
const IANA_NAME_SHAPE = /^[A-Z][A-Za-z0-9_+-]*(\/[A-Z][A-Za-z0-9_+-]*)*$/;

const LISTED_ZONES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('timeZone'));
const LISTED_ZONES_BY_LOWER_CASE: ReadonlySet<string> = new Set([...LISTED_ZONES].map((zone) => zone.toLowerCase()));

/**
 * Whether `name` is an IANA time zone name the runtime can compute with.
 * supportedValuesOf lists one name per zone, and not always the current
 * IANA one (Asia/Calcutta but not Asia/Kolkata; no UTC or Etc/*), so other
 * names are accepted when the runtime resolves them. The runtime matches
 * names without regard to case; we require the exact spelling so that what
 * is stored is what a reader expects.
 */
export function isIanaTimeZone(name: string): boolean {
  if (LISTED_ZONES.has(name)) return true;
  if (!IANA_NAME_SHAPE.test(name) || LISTED_ZONES_BY_LOWER_CASE.has(name.toLowerCase())) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
