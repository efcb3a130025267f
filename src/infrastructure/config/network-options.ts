import { isIP } from 'node:net';

/** A parsed variable, or why it cannot be used (one sentence, for the start-up error line). */
export type Parsed<T> = { value: T } | { problem: string };

/**
 * CORS_ORIGINS: a comma-separated list of exact origins, each written as a browser writes its Origin
 * header (scheme, host, port unless the scheme's default; no path, no trailing slash), since the
 * header is compared with each entry as text. `*` is refused: allowing every page on the web is not
 * an accident one should be able to make with one character; list the origins instead.
 */
export function parseCorsOrigins(text: string): Parsed<string[]> {
  const entries = text.split(',').map((entry) => entry.trim());
  const problems = entries.map(originProblem).filter((problem): problem is string => problem !== null);
  return problems.length > 0 ? { problem: problems.join('; ') } : { value: entries };
}

function originProblem(entry: string): string | null {
  if (entry === '') return 'an entry is empty';
  if (entry === '*') return '"*" is not accepted; list each origin (https://app.example.com)';
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return `"${entry}" is not an origin such as https://app.example.com`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${entry}" is not an http or https origin`;
  return url.origin === entry ? null : `"${entry}" is not an origin as browsers send it; write "${url.origin}"`;
}

/** proxy-addr's names for the loopback, link-local and private (unique local) address ranges. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY, as Fastify's `trustProxy` takes it: `false` (X-Forwarded-For is ignored), `true`
 * (every hop is trusted: the client is the leftmost address), or a comma-separated list of the
 * proxies' addresses and CIDR ranges (and proxy-addr's names loopback, linklocal, uniquelocal).
 * A hop count is refused: Fastify 5 ignores it (it cannot tell the proxy from a client that connects
 * directly and sends its own X-Forwarded-For), and accepting it would leave the proxy untrusted.
 * Checked here, so a typo stops the service at start instead of leaving the proxies untrusted.
 */
export function parseTrustProxy(text: string): Parsed<boolean | string[]> {
  if (text === 'true') return { value: true };
  if (text === 'false') return { value: false };
  if (/^\d+$/.test(text)) return { problem: `a hop count (${text}) is not accepted; list the proxies' addresses or CIDR ranges, or true` };
  const entries = text.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => !isProxyAddress(entry));
  return bad.length === 0
    ? { value: entries }
    : { problem: `must be true, false, or a comma-separated list of addresses and CIDR ranges; not ${bad.map((entry) => JSON.stringify(entry)).join(', ')}` };
}

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}
