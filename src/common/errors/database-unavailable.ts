import { QueryRunnerAlreadyReleasedError } from 'typeorm';

/** pg's client-side query_timeout message; the database's TimeoutSafeClient closes the connection on it. */
export const QUERY_READ_TIMEOUT = 'Query read timeout';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE', 'EAI_AGAIN']);
// SQLSTATE class 08 (connection exception), 57P0x (server shutting down or starting) and 57014 (a
// statement cancelled by statement_timeout: the database is too busy or blocked to answer in time; the
// transaction is rolled back, so a retry is safe).
const SQLSTATE_UNAVAILABLE = /^(08...|57P0[1-3]|57014)$/;
const DRIVER_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection terminated unexpectedly',
  // pg's client-side query_timeout: the server did not answer within the statement timeout and a margin.
  QUERY_READ_TIMEOUT,
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
    // TypeORM releases a transaction's connection when the server ends it between two statements (a
    // restart's shutdown); the next statement or the COMMIT then fails with this, not with the cause.
    // Nothing in the service uses a connection it released itself, so here it means the server went away.
    if (current instanceof QueryRunnerAlreadyReleasedError) return true;
    current = candidate.driverError ?? candidate.cause;
  }
  return false;
}
