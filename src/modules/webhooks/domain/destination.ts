import { isIP } from 'node:net';

/**
 * Where a webhook may be sent (SPEC §13, "No server-side request forgery"): only to public unicast
 * addresses, checked on the address the connection will actually use. Everything here is pure: name
 * resolution is passed in, so tests decide what a name resolves to and never depend on DNS.
 */

/** What an address is, as far as sending to it goes; only `public` may be sent to (and `loopback` with allowPrivate). */
export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'unique-local' | 'multicast' | 'unspecified' | 'metadata' | 'reserved';

/** A name's addresses, as `dns.lookup(name, {all: true})` answers. */
export type Resolver = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export interface DestinationPolicy {
  /** WEBHOOKS_ALLOW_PRIVATE: loopback (127.0.0.0/8, ::1, `localhost`) and plain http, for tests and local development. */
  allowPrivate: boolean;
  resolve: Resolver;
}

/** The checked destination: the URL, and the one address to connect to (pinned: never resolved again). */
export interface Destination {
  url: URL;
  address: string;
  family: 4 | 6;
}

export type DestinationCheck = { destination: Destination } | { problem: string };

export const MAX_URL_LENGTH = 2048;

/** Cloud metadata services, named apart because they are the usual target of these attacks. */
const METADATA_V4 = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', '192.0.0.192']);
const METADATA_V6 = new Set(['fd00:ec2:0:0:0:0:0:254']);

/** IPv4 ranges that are not public unicast, most specific first where they overlap. */
const V4_RANGES: readonly [string, number, AddressClass][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'private'], // carrier-grade NAT (shared address space)
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'], // IETF protocol assignments
  ['192.0.2.0', 24, 'reserved'], // documentation
  ['192.88.99.0', 24, 'reserved'], // 6to4 relay anycast
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'], // benchmarking
  ['198.51.100.0', 24, 'reserved'], // documentation
  ['203.0.113.0', 24, 'reserved'], // documentation
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // future use, and 255.255.255.255 broadcast
];

function v4ToNumber(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) return null;
  return parts.reduce((sum, part) => sum * 256 + Number(part), 0);
}

/** An IPv4 address in dotted-quad form (as URL and the resolver give them): its class. */
function classifyV4(text: string): AddressClass {
  const value = v4ToNumber(text);
  if (value === null) return 'reserved';
  if (METADATA_V4.has(text)) return 'metadata';
  for (const [base, bits, kind] of V4_RANGES) {
    const size = 2 ** (32 - bits);
    const start = v4ToNumber(base) as number;
    if (value >= start && value < start + size) return kind;
  }
  return 'public';
}

/** The eight 16-bit groups of an IPv6 address (`::` and a dotted IPv4 tail allowed), or null. */
export function parseV6(text: string): number[] | null {
  if (text.includes('%')) return null; // a zone id names an interface: link-local by nature
  let body = text;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    // A dotted IPv4 tail (::ffff:10.0.0.1) is the last two groups.
    const v4 = v4ToNumber(text.slice(lastColon + 1));
    if (v4 === null) return null;
    body = `${text.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const groups = (half: string) => (half === '' ? [] : half.split(':'));
  const head = groups(halves[0] ?? '');
  const rest = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if ([...head, ...rest].some((group) => !/^[0-9a-f]{1,4}$/i.test(group))) return null;
  const known = head.length + rest.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  const zeros = new Array<number>(8 - known).fill(0);
  return [...head, ...(halves.length === 2 ? zeros : []), ...rest].map((g) => (typeof g === 'number' ? g : parseInt(g, 16)));
}

const v4Of = (high: number, low: number) => [high >> 8, high & 255, low >> 8, low & 255].join('.');

/** An IPv6 address: its class. Only global unicast (2000::/3) may be public; embedded IPv4 is judged as IPv4. */
function classifyV6(text: string): AddressClass {
  const g = parseV6(text);
  if (!g) return 'reserved';
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  if (METADATA_V6.has(g.map((x) => x.toString(16)).join(':'))) return 'metadata';
  const firstFiveZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (firstFiveZero && g5 === 0 && g6 === 0 && g7 === 0) return 'unspecified';
  if (firstFiveZero && g5 === 0 && g6 === 0 && g7 === 1) return 'loopback';
  // ::ffff:a.b.c.d (IPv4-mapped), ::ffff:0:a.b.c.d (translated), ::a.b.c.d (IPv4-compatible, deprecated):
  // a socket connects to the IPv4 address, so it is judged as that.
  if (firstFiveZero && (g5 === 0xffff || g5 === 0)) return classifyV4(v4Of(g6, g7));
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0xffff && g5 === 0) return classifyV4(v4Of(g6, g7));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return classifyV4(v4Of(g6, g7)); // NAT64
  if (g0 === 0x2002) return classifyV4(v4Of(g1, g2)); // 6to4 embeds the IPv4 address that carries it
  if ((g0 & 0xfe00) === 0xfc00) return 'unique-local';
  if ((g0 & 0xffc0) === 0xfe80 || (g0 & 0xffc0) === 0xfec0) return 'link-local';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if ((g0 & 0xe000) !== 0x2000) return 'reserved'; // outside global unicast: ::/8, 64:ff9b:1::/48, 100::/64…
  if (g0 === 0x2001 && g1 === 0x0db8) return 'reserved'; // documentation
  if (g0 === 0x2001 && g1 < 0x200) return 'reserved'; // IETF protocol assignments (Teredo, ORCHID…)
  if (g0 === 0x3fff && g1 < 0x1000) return 'reserved'; // documentation (3fff::/20)
  return 'public';
}

/** The class of an IP address in text form (IPv4 dotted quad or IPv6, brackets allowed); `reserved` for anything else. */
export function classifyAddress(address: string): AddressClass {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 4) return classifyV4(bare);
  if (family === 6) return classifyV6(bare.toLowerCase());
  return 'reserved';
}

/** Whether an address of this class may be sent to under the policy. */
export const mayConnect = (kind: AddressClass, allowPrivate: boolean): boolean => kind === 'public' || (allowPrivate && kind === 'loopback');

const refusal = (kind: AddressClass, address: string) =>
  `the URL leads to ${address}, a ${kind} address; webhooks go to public addresses only`;

/**
 * What is wrong with `text` as an endpoint URL without looking anything up (scheme, length, form),
 * or null. The address check needs the resolver: checkDestination.
 */
export function urlProblem(text: string, allowPrivate: boolean): string | null {
  if (text.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) return allowPrivate ? 'must be an http or https URL' : 'must be an https URL';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.hostname === '') return 'must name a host';
  return null;
}

/**
 * Checks an endpoint URL and the address it leads to, at create and again before every send: the
 * WHATWG URL parser has already turned odd IPv4 forms (`127.1`, `0x7f000001`, `2130706433`,
 * `0177.0.0.1`) into dotted quads and IPv6 into its canonical text; a name is resolved (once) and
 * every address it has must be allowed, so a name with one private address among public ones is
 * refused; the first address is the one to connect to.
 */
export async function checkDestination(text: string, policy: DestinationPolicy): Promise<DestinationCheck> {
  const problem = urlProblem(text, policy.allowPrivate);
  if (problem) return { problem };
  const url = new URL(text);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const name = host.replace(/\.$/, '').toLowerCase();
  let addresses: { address: string; family: number }[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else if (name === 'localhost' || name.endsWith('.localhost')) {
    // RFC 6761: such names are loopback whatever a resolver says.
    addresses = [{ address: '127.0.0.1', family: 4 }];
  } else {
    try {
      addresses = [...(await policy.resolve(host))];
    } catch {
      return { problem: `the host ${host} cannot be resolved` };
    }
    if (addresses.length === 0) return { problem: `the host ${host} cannot be resolved` };
  }
  for (const { address } of addresses) {
    const kind = classifyAddress(address);
    if (!mayConnect(kind, policy.allowPrivate)) return { problem: refusal(kind, address) };
  }
  const [first] = addresses as [{ address: string; family: number }];
  return { destination: { url, address: first.address, family: first.family === 6 ? 6 : 4 } };
}
