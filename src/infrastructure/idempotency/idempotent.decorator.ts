import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ErrorCode } from '../../common/errors/error-code';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH } from './idempotency-key';

export const IDEMPOTENT = 'agentry:idempotent';

export interface IdempotentOptions {
  /**
   * Whether what the use case's unit of work returns is the route's answer as sent (true for the
   * /api/v1 routes). Only then can a key whose write committed but whose answer was lost (the instance
   * died in between) replay it; otherwise such a repeat answers 409 naming what happened.
   */
  answerIsResult?: boolean;
  /** Top-level fields of the answer never stored (a secret shown once): a replay answers without them. */
  secretFields?: string[];
}

/**
 * Makes a POST honour `Idempotency-Key` (SPEC §15, the IETF httpapi draft): one line on the route,
 * the rest is IdempotencyInterceptor's (global) and the unit of work's. Documents the header, the
 * replay header and the two codes in Swagger.
 */
export const Idempotent = (options: IdempotentOptions = {}) =>
  applyDecorators(
    SetMetadata(IDEMPOTENT, { answerIsResult: true, secretFields: [], ...options }),
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: false,
      description:
        `Optional; 1–${MAX_IDEMPOTENCY_KEY_LENGTH} printable characters, bare or quoted (\`"…"\`), unique per request you mean (a UUID). Kept 24 h per caller: ` +
        `a repeat with the same method, path and body replays the first answer (status, body, ETag, Location) with \`${IDEMPOTENT_REPLAYED_HEADER}: true\`; ` +
        'another request with the same key is 422 `IDEMPOTENCY_KEY_REUSED`; a repeat while the first is still in flight is 409 `IDEMPOTENCY_KEY_IN_USE`. ' +
        'A first request that failed without writing anything frees its key.',
      schema: { type: 'string', minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH },
    }),
    ApiProblems(ErrorCode.IDEMPOTENCY_KEY_REUSED, ErrorCode.IDEMPOTENCY_KEY_IN_USE),
  );
