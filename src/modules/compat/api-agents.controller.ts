import { applyDecorators, Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiParam, ApiPropertyOptional, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ErrorCode } from '../../common/errors/error-code';
import { exampleProblem } from '../../common/swagger/api-problems.decorator';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IfMatchCondition } from '../../common/http/if-match';
import { IfMatch } from '../../common/http/if-match.decorator';
import { AgentRef } from '../agents/domain/agent-ref';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/domain/principal';
import { AgentUidPipe } from './agent-uid.pipe';
import { apiRequestToWrite, toApiAgent } from './compat.mappers';
import { ApiAgentEnvelopeDto, ApiAgentListEnvelopeDto, ApiAgentUpdateDto, ApiErrorEnvelopeDto } from './dto/api-agent.dto';
import { API_AGENTS_PATH, toErrorEnvelope } from './error-envelope';
import { LiveAgentsService } from './live-agents.service';

export class ApiAgentsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 50 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) page_size?: number;

  @ApiPropertyOptional({ description: 'The next_page_token of the previous page.' }) @IsOptional() @IsString() @MaxLength(200) page_token?: string;
}

const ApiUidParam = () => ApiParam({ name: 'agent_uid', required: true, schema: { type: 'string', format: 'uuid' }, description: 'UUID of the agent.' });
/** Each documented error status, what it means here, and the code its example shows. */
const ERRORS: Record<number, [string, ErrorCode]> = {
  400: ['Invalid input (or malformed JSON); `errors` lists every offending field once.', ErrorCode.VALIDATION_FAILED],
  401: ['Missing or invalid credentials.', ErrorCode.UNAUTHENTICATED],
  403: ['The caller can use but not manage this agent, or is a `runtime` API key (which may only claim runs and report on them).', ErrorCode.FORBIDDEN],
  404: ['Not found, or not visible to the caller.', ErrorCode.NOT_FOUND],
  409: ['Deleted, or `draft` after a deploy.', ErrorCode.CONFLICT],
  412: ['If-Match does not match the current ETag.', ErrorCode.PRECONDITION_FAILED],
  414: ['A path segment is longer than any route parameter can be.', ErrorCode.URI_TOO_LONG],
  413: ['The body is larger than 1 MiB.', ErrorCode.PAYLOAD_TOO_LARGE],
  415: ['The body is not `application/json`.', ErrorCode.UNSUPPORTED_MEDIA_TYPE],
  429: ['Over a rate limit: retry after `Retry-After` seconds (`RateLimit` says what is left).', ErrorCode.RATE_LIMITED],
  422: ['A rule refused it: the Slack bot is not in the channel (`/invite` it), lock-out, not runnable.', ErrorCode.NOTIFICATION_CHANNEL_NOT_JOINED],
  503: ['The database or Slack is unavailable; retry.', ErrorCode.SLACK_UNAVAILABLE],
};

/** Errors on these routes come in the envelope, with the status and code the problem+json answer would have. */
const ApiErrorEnvelopes = (...statuses: number[]) =>
  applyDecorators(
    ...statuses.map((status) => {
      const [description, code] = ERRORS[status];
      const problem = exampleProblem(code);
      const { contentType, body } = toErrorEnvelope(problem);
      return ApiResponse({ status, description, content: { [contentType]: { schema: { $ref: getSchemaPath(ApiErrorEnvelopeDto) }, examples: { [code]: { summary: problem.title, value: body } } } } });
    }),
  );

const success = <T>(message: string, data: T, statusCode = 200) => ({ status: 'success' as const, status_code: statusCode, message, data });

/** Seed 002's API shape (`/api/agents`): snake_case in the `{status, status_code, message, data}` envelope; writes go live. */
@ApiTags('Agents (api compatibility)')
@ApiExtraModels(ApiErrorEnvelopeDto)
@Controller(API_AGENTS_PATH)
export class ApiAgentsController {
  constructor(private readonly agents: LiveAgentsService) {}

  @Get()
  @ApiOperation({ summary: 'List agents (envelope)', description: 'The agents the caller can use, newest first, in keyset pages.' })
  @ApiOkResponse({ type: ApiAgentListEnvelopeDto })
  @ApiErrorEnvelopes(400, 401, 403, 429, 503)
  async listApiAgents(@CurrentPrincipal() principal: Principal, @Query() query: ApiAgentsQueryDto): Promise<ApiAgentListEnvelopeDto> {
    const { agents, nextPageToken } = await this.agents.list(principal, { pageSize: query.page_size, pageToken: query.page_token });
    return { ...success('Agents retrieved', agents.map(toApiAgent)), next_page_token: nextPageToken };
  }

  @Get(':agent_uid')
  @ApiUidParam()
  @ApiOperation({ summary: 'Get an agent (envelope)', description: 'Its live content, in the envelope.' })
  @ApiOkResponse({ type: ApiAgentEnvelopeDto })
  @ApiErrorEnvelopes(400, 401, 403, 404, 414, 429, 503)
  async getApiAgent(@CurrentPrincipal() principal: Principal, @Param('agent_uid', AgentUidPipe) ref: AgentRef): Promise<ApiAgentEnvelopeDto> {
    return success('Agent retrieved', toApiAgent(await this.agents.get(principal, ref)));
  }

  @Patch(':agent_uid')
  @ApiUidParam()
  @ApiOperation({
    summary: 'Update an agent (envelope)',
    description:
      'Only the fields sent are written, and the write goes live (published as a new version; a pending draft gets the same fields). ' +
      '`status`: `active` publishes and resumes, `paused` pauses, `draft` only before the first deploy (409 after). `notification_config: null` clears.',
  })
  @ApiBody({
    type: ApiAgentUpdateDto,
    examples: {
      activate: { summary: 'Activating an agent', value: { status: 'active' } },
      instructions: {
        summary: 'Updating instructions',
        value: { instructions: 'You are a collections agent. When an invoice is 15+ days overdue, draft a follow-up email to the primary billing contact.' },
      },
      clearNotifications: { summary: 'Clearing notifications', value: { notification_config: null } },
    },
  })
  @ApiOkResponse({ type: ApiAgentEnvelopeDto })
  @ApiErrorEnvelopes(400, 401, 403, 404, 409, 412, 413, 414, 415, 422, 429, 503)
  async updateApiAgent(
    @CurrentPrincipal() principal: Principal,
    @Body() body: ApiAgentUpdateDto,
    @Param('agent_uid', AgentUidPipe) ref: AgentRef,
    @IfMatch() ifMatch?: IfMatchCondition,
  ): Promise<ApiAgentEnvelopeDto> {
    return success('Agent updated', toApiAgent(await this.agents.update(principal, ref, apiRequestToWrite(body), ifMatch)));
  }
}

