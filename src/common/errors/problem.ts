import { ErrorCode } from './error-code';
import { FieldError } from './field-error';

/** An RFC 9457 problem document as Agentry sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemMapping {
  status: number;
  title: string;
}

/** The one table from error code to HTTP; exhaustive so a new code cannot ship unmapped. */
export function mapErrorCode(code: ErrorCode): ProblemMapping {
  switch (code) {
    case ErrorCode.VALIDATION_FAILED:
      return { status: 400, title: 'Invalid request' };
    case ErrorCode.MALFORMED_REQUEST:
      return { status: 400, title: 'Malformed request' };
    case ErrorCode.UNAUTHENTICATED:
      return { status: 401, title: 'Authentication required' };
    case ErrorCode.FORBIDDEN:
      return { status: 403, title: 'Forbidden' };
    case ErrorCode.NOT_FOUND:
      return { status: 404, title: 'Not found' };
    case ErrorCode.ROUTE_NOT_FOUND:
      return { status: 404, title: 'No such route' };
    case ErrorCode.METHOD_NOT_ALLOWED:
      return { status: 405, title: 'Method not allowed' };
    case ErrorCode.CONFLICT:
      return { status: 409, title: 'Conflict' };
    case ErrorCode.AGENT_DELETED:
      return { status: 409, title: 'Agent is deleted' };
    case ErrorCode.NOT_DEPLOYED:
      return { status: 409, title: 'Agent is not deployed' };
    case ErrorCode.AGENT_PAUSED:
      return { status: 409, title: 'Agent is paused' };
    case ErrorCode.RUN_STATE_CONFLICT:
      return { status: 409, title: 'Run is in another status' };
    case ErrorCode.SCHEDULE_TRIGGER_MISSING:
      return { status: 409, title: 'No schedule to activate' };
    case ErrorCode.TRANSFER_PENDING:
      return { status: 409, title: 'Ownership transfer already pending' };
    case ErrorCode.PRECONDITION_FAILED:
      return { status: 412, title: 'Precondition failed' };
    case ErrorCode.PAYLOAD_TOO_LARGE:
      return { status: 413, title: 'Payload too large' };
    case ErrorCode.URI_TOO_LONG:
      return { status: 414, title: 'URI too long' };
    case ErrorCode.UNSUPPORTED_MEDIA_TYPE:
      return { status: 415, title: 'Unsupported media type' };
    case ErrorCode.UNPROCESSABLE:
      return { status: 422, title: 'Unprocessable request' };
    case ErrorCode.ACCESS_LOCKOUT:
      return { status: 422, title: 'Change would lock you out' };
    case ErrorCode.NOT_RUNNABLE:
      return { status: 422, title: 'Draft cannot run' };
    case ErrorCode.INVALID_SUB_AGENTS:
      return { status: 422, title: 'Invalid sub-agents' };
    case ErrorCode.VERSION_NOT_PUBLISHED:
      return { status: 422, title: 'No such published version' };
    case ErrorCode.NOTIFICATION_CHANNEL_NOT_JOINED:
      return { status: 422, title: 'Slack bot is not in the channel' };
    case ErrorCode.NOTIFICATION_REJECTED:
      return { status: 422, title: 'Slack refused the message' };
    case ErrorCode.NOTIFICATIONS_NOT_CONFIGURED:
      return { status: 409, title: 'Notifications are not configured' };
    case ErrorCode.TOO_MANY_STREAMS:
      return { status: 429, title: 'Too many open streams' };
    case ErrorCode.IDEMPOTENCY_KEY_REUSED:
      return { status: 422, title: 'Idempotency key used for another request' };
    case ErrorCode.IDEMPOTENCY_KEY_IN_USE:
      return { status: 409, title: 'A request with this idempotency key is in flight' };
    case ErrorCode.AGENT_AT_CAPACITY:
      return { status: 429, title: 'Agent at capacity' };
    case ErrorCode.RUN_INPUT_INVALID:
      return { status: 422, title: 'Run input does not match the input schema' };
    case ErrorCode.RATE_LIMITED:
      return { status: 429, title: 'Rate limit reached' };
    case ErrorCode.SLACK_UNAVAILABLE:
      return { status: 503, title: 'Slack is unavailable' };
    case ErrorCode.DATABASE_UNAVAILABLE:
      return { status: 503, title: 'Database unavailable' };
    case ErrorCode.INTERNAL:
      return { status: 500, title: 'Internal error' };
  }
}

export function problemType(code: ErrorCode): string {
  return `https://agentry.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`;
}
