import { ErrorCode } from '../../common/errors/error-code';

/** What every route on one agent can answer (documented with @ApiProblems); each route adds its own. */
export const AGENT_ROUTE_PROBLEMS = [ErrorCode.UNAUTHENTICATED, ErrorCode.NOT_FOUND, ErrorCode.DATABASE_UNAVAILABLE] as const;

/** What every change to an agent can answer on top: not allowed, deleted, stale If-Match. */
export const AGENT_WRITE_PROBLEMS = [...AGENT_ROUTE_PROBLEMS, ErrorCode.FORBIDDEN, ErrorCode.AGENT_DELETED, ErrorCode.PRECONDITION_FAILED] as const;
