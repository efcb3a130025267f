const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE', 'EAI_AGAIN']);
// SQLSTATE class 08 (connection exception) and 57P0x (server shutting down or starting).
const SQLSTATE_UNAVAILABLE = /^(08...|57P0[1-3])$/;
const DRIVER_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection terminated unexpectedly',
];

/** True when an error means "the database cannot be reached right now", as opposed to a bad query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const candidate = current as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof candidate.code === 'string' && (NETWORK_CODES.has(candidate.code) || SQLSTATE_UNAVAILABLE.test(candidate.code))) {
      return true;
    }
    if (typeof candidate.message === 'string' && DRIVER_MESSAGES.some((m) => (candidate.message as string).includes(m))) {
      return true;
    }
    current = candidate.driverError ?? candidate.cause;
  }
  return false;
}
