import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../../common/errors/error-code';
import { ApiAgentIdParam } from '../../common/swagger/api-path-params.decorator';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { AgentRefPipe } from '../agents/agent-ref.pipe';
import { AGENT_ROUTE_PROBLEMS } from '../agents/agent-route-problems';
import { AgentRef } from '../agents/domain/agent-ref';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/domain/principal';
import { RuntimeAccess } from '../auth/runtime-access.decorator';
import { ListRunsQueryDto, RUN_EVENT_EXTRA_MODELS, RUN_EVENT_REQUEST_SCHEMA, RunDecisionDto, RunEventDto, RunListResponseDto, RunResponseDto, StartRunDto } from './dto/run.dto';
import { RunsService } from './runs.service';
import { Idempotent } from '../../infrastructure/idempotency/idempotent.decorator';

const E = ErrorCode;
const RUN_PROBLEMS = [E.UNAUTHENTICATED, E.NOT_FOUND, E.MALFORMED_REQUEST, E.DATABASE_UNAVAILABLE] as const;
const ApiRunIdParam = () => ApiParam({ name: 'runId', required: true, schema: { type: 'string', format: 'uuid' }, description: 'The run id.' });

@ApiTags('Runs')
@Controller('api/v1')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @Idempotent()
  @Post('agents/:id/runs')
  @ApiAgentIdParam()
  @ApiOperation({
    summary: 'Start a run',
    description:
      'Queues a run of the active variation, or of the published `version` asked for; an agent runtime claims it. 409 when the agent was never deployed, is paused or is deleted. ' +
      'The pinned version\'s `inputSchema` checks `input` (422 `RUN_INPUT_INVALID`, one `errors[]` entry per violation, `field` a JSON pointer); with `concurrency.onLimit: reject` a start while the agent is at its limit is 429 `AGENT_AT_CAPACITY` with `Retry-After`.',
  })
  @ApiBody({ type: StartRunDto, required: false, examples: { withInput: { summary: 'A run with input', value: { input: { region: 'EMEA', day: '2026-05-11' } } } } })
  @ApiCreatedResponse({ type: RunResponseDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS, E.VALIDATION_FAILED, E.PAYLOAD_TOO_LARGE, E.NOT_DEPLOYED, E.AGENT_PAUSED, E.AGENT_DELETED, E.VERSION_NOT_PUBLISHED, E.RUN_INPUT_INVALID, E.AGENT_AT_CAPACITY)
  startRun(@CurrentPrincipal() principal: Principal, @Body() body: StartRunDto = {}, @Param('id', AgentRefPipe) ref: AgentRef): Promise<RunResponseDto> {
    return this.runs.start(principal, ref, body ?? {});
  }

  @Get('agents/:id/runs')
  @ApiAgentIdParam()
  @ApiOperation({ summary: 'List runs', description: "The agent's runs, newest first, in keyset pages; rows without events." })
  @ApiOkResponse({ type: RunListResponseDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS, E.VALIDATION_FAILED)
  listRuns(@CurrentPrincipal() principal: Principal, @Query() query: ListRunsQueryDto, @Param('id', AgentRefPipe) ref: AgentRef): Promise<RunListResponseDto> {
    return this.runs.list(principal, ref, query);
  }

  @Get('runs/:runId')
  @ApiRunIdParam()
  @ApiOperation({ summary: 'Get a run', description: 'A run with its events, oldest first. Visible to whoever can use its agent.' })
  @ApiOkResponse({ type: RunResponseDto })
  @ApiProblems(...RUN_PROBLEMS)
  getRun(@CurrentPrincipal() principal: Principal, @Param('runId', new ParseUUIDPipe()) runId: string): Promise<RunResponseDto> {
    return this.runs.get(principal, runId);
  }

  @Idempotent()
  @Post('runs/:runId/cancel')
  @HttpCode(200)
  @ApiRunIdParam()
  @ApiOperation({
    summary: 'Cancel a run',
    description: 'By whoever started it or a manager of its agent, while it is queued, running or awaiting approval. The runtime learns it from a 409 on its next event or heartbeat.',
  })
  @ApiOkResponse({ type: RunResponseDto })
  @ApiProblems(...RUN_PROBLEMS, E.FORBIDDEN, E.RUN_STATE_CONFLICT)
  cancelRun(@CurrentPrincipal() principal: Principal, @Param('runId', new ParseUUIDPipe()) runId: string): Promise<RunResponseDto> {
    return this.runs.cancel(principal, runId);
  }

  @Idempotent()
  @Post('runs/:runId/approve')
  @HttpCode(200)
  @ApiRunIdParam()
  @ApiOperation({ summary: 'Approve a run', description: 'Answers a run awaiting approval (managers of its agent); it goes back to the queue with the decision on it.' })
  @ApiBody({ type: RunDecisionDto, required: false })
  @ApiOkResponse({ type: RunResponseDto })
  @ApiProblems(...RUN_PROBLEMS, E.VALIDATION_FAILED, E.FORBIDDEN, E.RUN_STATE_CONFLICT)
  approveRun(@CurrentPrincipal() principal: Principal, @Body() body: RunDecisionDto = {}, @Param('runId', new ParseUUIDPipe()) runId: string): Promise<RunResponseDto> {
    return this.runs.decide(principal, runId, 'approve', body ?? {});
  }

  @Idempotent()
  @Post('runs/:runId/reject')
  @HttpCode(200)
  @ApiRunIdParam()
  @ApiOperation({ summary: 'Reject a run', description: 'Answers a run awaiting approval (managers of its agent); it goes back to the queue with the decision on it.' })
  @ApiBody({ type: RunDecisionDto, required: false })
  @ApiOkResponse({ type: RunResponseDto })
  @ApiProblems(...RUN_PROBLEMS, E.VALIDATION_FAILED, E.FORBIDDEN, E.RUN_STATE_CONFLICT)
  rejectRun(@CurrentPrincipal() principal: Principal, @Body() body: RunDecisionDto = {}, @Param('runId', new ParseUUIDPipe()) runId: string): Promise<RunResponseDto> {
    return this.runs.decide(principal, runId, 'reject', body ?? {});
  }

  @Post('runs/:runId/events')
  @HttpCode(200)
  @RuntimeAccess()
  @ApiRunIdParam()
  @ApiOperation({
    summary: 'Report a run event',
    description:
      'The runtime holding the run (or a caller who can use its agent) reports `started`, `action_taken`, `approval_required`, `outcome` (with `output`) or `error` (with `error`). ' +
      'A move the status machine does not allow is 409 `RUN_STATE_CONFLICT` naming the current status. Every event extends the run\'s timeout.',
  })
  @ApiExtraModels(...RUN_EVENT_EXTRA_MODELS)
  @ApiBody({
    schema: RUN_EVENT_REQUEST_SCHEMA,
    examples: {
      started: { summary: 'Started', value: { type: 'started' } },
      actionTaken: { summary: 'An action', value: { type: 'action_taken', message: 'Fetched 42 orders from the CRM.', data: { orders: 42 } } },
      outcome: { summary: 'The result', value: { type: 'outcome', output: { report: 'EMEA sales up 4%' } } },
    },
  })
  @ApiOkResponse({ type: RunResponseDto })
  @ApiProblems(...RUN_PROBLEMS, E.VALIDATION_FAILED, E.PAYLOAD_TOO_LARGE, E.RUN_STATE_CONFLICT)
  reportRunEvent(@CurrentPrincipal() principal: Principal, @Body() body: RunEventDto, @Param('runId', new ParseUUIDPipe()) runId: string): Promise<RunResponseDto> {
    return this.runs.report(principal, runId, body);
  }

  @Post('runs/:runId/heartbeat')
  @HttpCode(200)
  @RuntimeAccess()
  @ApiRunIdParam()
  @ApiOperation({
    summary: 'Keep a run alive',
    description: 'Extends a claim not yet started (its lease) or a running run (its timeout). 409 when the run has nothing to keep alive: it was cancelled, finished, or its claim lapsed.',
  })
  @ApiOkResponse({ type: RunResponseDto })
  @ApiProblems(...RUN_PROBLEMS, E.RUN_STATE_CONFLICT)
  heartbeatRun(@CurrentPrincipal() principal: Principal, @Param('runId', new ParseUUIDPipe()) runId: string): Promise<RunResponseDto> {
    return this.runs.heartbeat(principal, runId);
  }
}
