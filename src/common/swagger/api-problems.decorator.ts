import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse, ApiSchema, getSchemaPath } from '@nestjs/swagger';
import { ErrorCode } from '../errors/error-code';
import { mapErrorCode, PROBLEM_CONTENT_TYPE, problemType } from '../errors/problem';

@ApiSchema({ name: 'FieldError', description: 'One offending field of a 400.' })
export class FieldErrorDto {
  @ApiProperty({ example: 'name' }) field!: string;
  @ApiProperty({ example: 'name must be shorter than or equal to 200 characters' }) message!: string;
}

@ApiSchema({ name: 'Problem', description: 'An RFC 9457 problem document; `code` is stable and meant for programs.' })
export class ProblemDto {
  @ApiProperty({ format: 'uri', example: 'https://agentry.dev/problems/validation-failed' }) type!: string;
  @ApiProperty({ example: 'Invalid request' }) title!: string;
  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 400 }) status!: number;
  @ApiProperty({ example: 'The request has invalid fields.' }) detail!: string;
  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.VALIDATION_FAILED }) code!: ErrorCode;
  @ApiProperty({ example: '5b0e7e43-4a43-4c6e-9b8e-2f1d5a9c0e11', description: 'Also in the X-Request-Id header and in every log line of the request.' })
  requestId!: string;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'On 400: every offending field.' }) errors?: FieldErrorDto[];
}

/** What each code's example says; a Record so that a new code cannot ship without one. */
const EXAMPLE_DETAIL: Record<ErrorCode, string> = {
  [ErrorCode.VALIDATION_FAILED]: 'The request has invalid fields.',
  [ErrorCode.MALFORMED_REQUEST]: 'Body is not valid JSON.',
  [ErrorCode.UNAUTHENTICATED]: 'Send a bearer token (Authorization: Bearer <JWT>) or an API key (x-api-key).',
  [ErrorCode.FORBIDDEN]: 'You can use this agent but not manage it.',
  [ErrorCode.NOT_FOUND]: 'No agent "daily-sales-report-a3f" is visible to you.',
  [ErrorCode.ROUTE_NOT_FOUND]: 'Route GET /api/v1/agent not found.',
  [ErrorCode.METHOD_NOT_ALLOWED]: 'Method not allowed.',
  [ErrorCode.CONFLICT]: 'The agent is in a state that forbids this change.',
  [ErrorCode.AGENT_DELETED]: 'The agent is deleted; undelete it first.',
  [ErrorCode.NOT_DEPLOYED]: 'The agent has never been deployed.',
  [ErrorCode.AGENT_PAUSED]: 'The agent is paused; resume it first.',
  [ErrorCode.RUN_STATE_CONFLICT]: 'The run is succeeded; it cannot move on "outcome".',
  [ErrorCode.SCHEDULE_TRIGGER_MISSING]: 'The active variation has no schedule trigger.',
  [ErrorCode.TRANSFER_PENDING]: 'An ownership transfer is already pending for this agent.',
  [ErrorCode.URI_TOO_LONG]: 'A path segment is longer than any route parameter can be.',
  [ErrorCode.PRECONDITION_FAILED]: 'If-Match "16" does not match the current ETag "17".',
  [ErrorCode.PAYLOAD_TOO_LARGE]: 'The body is larger than 1 MiB.',
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: 'Send application/json.',
  [ErrorCode.UNPROCESSABLE]: 'The request is well-formed but breaks a rule.',
  [ErrorCode.ACCESS_LOCKOUT]: 'This accessConfig would remove your own use and manage access.',
  [ErrorCode.NOT_RUNNABLE]: 'A task needs instructions.',
  [ErrorCode.INVALID_SUB_AGENTS]: 'Sub-agent 7 would create a cycle.',
  [ErrorCode.VERSION_NOT_PUBLISHED]: 'This agent has no published version 9.',
  [ErrorCode.NOTIFICATION_CHANNEL_NOT_JOINED]: 'The Slack bot is not in channel C0123456789: type /invite @agentry-bot in that channel, then retry.',
  [ErrorCode.NOTIFICATION_REJECTED]: 'Slack refused the message to channel C0123456789: is_archived. Retrying will not help until that is fixed.',
  [ErrorCode.NOTIFICATIONS_NOT_CONFIGURED]: 'The agent has no notificationConfig; set a Slack channel with PATCH before sending a test message.',
  [ErrorCode.TOO_MANY_STREAMS]: 'You have 20 event streams open on this server, the most allowed; close one first.',
  [ErrorCode.IDEMPOTENCY_KEY_REUSED]: 'Idempotency-Key "order-4711" was first used with another request (method, path or body); use a new key for a new request.',
  [ErrorCode.IDEMPOTENCY_KEY_IN_USE]: 'The first request with Idempotency-Key "order-4711" is still in flight; retry after it finished.',
  [ErrorCode.AGENT_AT_CAPACITY]: 'The agent has 2 runs claimed or running, its limit; retry in 5 seconds.',
  [ErrorCode.RUN_INPUT_INVALID]: 'The input does not match the input schema of version 3.',
  [ErrorCode.RATE_LIMITED]: 'Rate limit "writes-caller" reached (60000 requests per 60 s); retry in 1 s.',
  [ErrorCode.SLACK_UNAVAILABLE]: 'Slack cannot be reached; nothing was written. Retry shortly.',
  [ErrorCode.DATABASE_UNAVAILABLE]: 'The database cannot be reached; retry shortly.',
  [ErrorCode.INTERNAL]: 'An unexpected error occurred; it has been logged with this request id.',
};

const STATUS_DESCRIPTION: Record<number, string> = {
  400: 'Invalid input; `errors` lists every offending field.',
  401: 'Missing or invalid credentials.',
  403: 'Not allowed for this caller.',
  404: 'Not found, or not visible to the caller.',
  409: 'The resource is in a state that forbids this change.',
  412: 'If-Match does not match the current ETag; nothing was changed.',
  413: 'Body over 1 MiB.',
  422: 'Well-formed but rejected by a rule (see `code`).',
  429: 'Over a rate limit (`RATE_LIMITED`: retry after `Retry-After` seconds; `RateLimit` says what is left), or too many at once for this caller.',
  503: 'A dependency (database, Slack) is unavailable; retry after `Retry-After` seconds.',
};

export function exampleProblem(code: ErrorCode): ProblemDto {
  const { status, title } = mapErrorCode(code);
  return {
    type: problemType(code),
    title,
    status,
    detail: EXAMPLE_DETAIL[code],
    code,
    requestId: '5b0e7e43-4a43-4c6e-9b8e-2f1d5a9c0e11',
    ...(code === ErrorCode.VALIDATION_FAILED ? { errors: [{ field: 'name', message: 'name must be shorter than or equal to 200 characters' }] } : {}),
    ...(code === ErrorCode.RUN_INPUT_INVALID ? { errors: [{ field: '/region', message: 'must be equal to one of the allowed values' }] } : {}),
  };
}

/**
 * Documents a route's problem+json answers by the codes it can return: one response per status,
 * each with an example per code, so Swagger UI shows a 409 as a 409 and names its `code`. On a method
 * it adds to what another ApiProblems (a shared decorator such as `@Idempotent()`) documented for the
 * same status, instead of replacing it.
 */
/** Where @nestjs/swagger keeps a method's responses (its DECORATORS.API_RESPONSE, not exported by the package). */
const API_RESPONSE_METADATA = 'swagger/apiResponse';

type ProblemExamples = Record<string, { summary: string; value: ProblemDto }>;

export const ApiProblems = (...listed: ErrorCode[]) => {
  // Every authenticated route is rate limited (the AuthGuard counts it), so each says so.
  const codes = listed.includes(ErrorCode.UNAUTHENTICATED) && !listed.includes(ErrorCode.RATE_LIMITED) ? [...listed, ErrorCode.RATE_LIMITED] : listed;
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const { status } = mapErrorCode(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const examplesOf = (statusCodes: ErrorCode[]): ProblemExamples =>
    Object.fromEntries(statusCodes.map((code) => [code, { summary: mapErrorCode(code).title, value: exampleProblem(code) }]));
  const response = (status: number, statusCodes: ErrorCode[], earlier: ProblemExamples = {}, described = false) =>
    ApiResponse({
      status,
      // Swagger's own merge joins descriptions; a status already described keeps its one line.
      description: described ? '' : (STATUS_DESCRIPTION[status] ?? mapErrorCode(statusCodes[0]).title),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) }, examples: { ...earlier, ...examplesOf(statusCodes) } } },
    });
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (!descriptor) return applyDecorators(...[...byStatus].map(([status, statusCodes]) => response(status, statusCodes)))(target, key as string, descriptor as never);
    const documented = (Reflect.getMetadata(API_RESPONSE_METADATA, descriptor.value as object) ?? {}) as Record<string, { content?: Record<string, { examples?: ProblemExamples }> }>;
    for (const [status, statusCodes] of byStatus) {
      const earlier = documented[status]?.content?.[PROBLEM_CONTENT_TYPE]?.examples;
      response(status, statusCodes, earlier, earlier !== undefined)(target, key as string, descriptor);
    }
    return descriptor;
  };
};
