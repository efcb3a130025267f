import { ErrorBody } from '../../common/errors/error-formats';
import { Problem } from '../../common/errors/problem';
import { snakeCasePath } from './compat.mappers';

/** Seed 002's routes: the collection and everything under it. */
export const API_AGENTS_PATH = 'api/agents';

/**
 * Seed 002's envelope for an error: `{status: "error", status_code, message, data: null, errors?}`, as
 * every answer of these routes has `data`, with the status, code and message the problem+json answer
 * would have had (the same mapping makes both), field paths in snake_case and the request id.
 */
export function toErrorEnvelope(problem: Problem): ErrorBody {
  return {
    contentType: 'application/json',
    body: {
      status: 'error',
      status_code: problem.status,
      message: problem.detail,
      data: null,
      ...(problem.errors ? { errors: problem.errors.map((error) => ({ field: snakeCasePath(error.field), message: error.message })) } : {}),
      code: problem.code,
      request_id: problem.requestId,
    },
  };
}
