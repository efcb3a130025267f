import { isIP } from 'node:net';
import { Parsed } from './network-options';

/**
 * The common webhook retry schedule (SPEC §13, as Standard Webhooks and Svix use it): the waits after
 * the 1st, 2nd, … failed try; eight tries over about 28 hours.
 */
export const DEFAULT_WEBHOOK_RETRY_DELAYS_MS: readonly number[] = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

/** Reads WEBHOOKS_RETRY_DELAYS_MS: comma-separated waits in milliseconds, 1 to 20 of them. */
export function parseRetryDelays(text: string): Parsed<number[]> {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length > 20 || parts.some((part) => !/^\d{1,9}$/.test(part))) {
    return { problem: 'must list 1 to 20 comma-separated waits in milliseconds (each at most 999999999)' };
  }
  return { value: parts.map(Number) };
}

/** Reads WEBHOOKS_HOSTS: `name=address` pairs separated by commas, each address an IP. */
export function parseHostList(text: string): Parsed<Map<string, string>> {
  const hosts = new Map<string, string>();
  for (const entry of text.split(',').map((part) => part.trim())) {
    const [name, address, ...rest] = entry.split('=');
    if (!name || !address || rest.length > 0 || !/^[a-z0-9.-]+$/i.test(name) || !isIP(address)) {
      return { problem: `"${entry}" is not name=address (an IP address), as in hooks.example.test=10.0.0.5` };
    }
    hosts.set(name.toLowerCase(), address);
  }
  return { value: hosts };
}
