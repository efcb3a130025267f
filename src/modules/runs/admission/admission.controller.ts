import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../../../common/errors/error-code';
import { Idempotent } from '../../../infrastructure/idempotency/idempotent.decorator';
import { ApiAgentIdParam } from '../../../common/swagger/api-path-params.decorator';
import { ApiProblems } from '../../../common/swagger/api-problems.decorator';
import { AgentRefPipe } from '../../agents/agent-ref.pipe';
import { AGENT_ROUTE_PROBLEMS } from '../../agents/agent-route-problems';
import { AgentRef } from '../../agents/domain/agent-ref';
import { CurrentPrincipal } from '../../auth/current-principal.decorator';
import { Principal } from '../../auth/domain/principal';
import { AgentQueueDto } from './agent-queue.dto';
import { AgentQueueService } from './agent-queue.service';
import { RunReplays } from './run-replays';
import { CancelRunsDto, CancelRunsResponseDto, ReplayRunDto, RunResponseDto } from '../dto/run.dto';

const E = ErrorCode;

/** SPEC §15's routes beside the runs' own: an agent's queue, replays and bulk cancel. */
@ApiTags('Runs')
@Controller('api/v1')
export class AdmissionController {
  constructor(
    private readonly queue: AgentQueueService,
    private readonly replays: RunReplays,
  ) {}

  @Get('agents/:id/queue')
  @ApiAgentIdParam()
  @ApiOperation({
    summary: "Show an agent's queue",
    description: 'How many of its runs are queued, claimed, running and awaiting approval, the oldest queued run, and the active version\'s concurrency limit. Whoever can use the agent.',
  })
  @ApiOkResponse({ type: AgentQueueDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS)
  getAgentQueue(@CurrentPrincipal() principal: Principal, @Param('id', AgentRefPipe) ref: AgentRef): Promise<AgentQueueDto> {
    return this.queue.show(principal, ref);
  }

  @Post('runs/:runId/replay')
  @Idempotent()
  @ApiParam({ name: 'runId', required: true, schema: { type: 'string', format: 'uuid' }, description: 'The run to replay.' })
  @ApiOperation({
    summary: 'Replay a run',
    description:
      "Starts a new run of the same agent with the original's input and version, or the `input` and `version` given, linked by `replayOf`. " +
      'Access and every check are those of starting a run (the agent\'s status, the version, its input schema, its capacity).',
  })
  @ApiBody({ type: ReplayRunDto, required: false, examples: { same: { summary: 'The same input and version', value: {} }, newInput: { summary: 'Another input', value: { input: { region: 'EMEA', day: '2026-05-12' } } } } })
  @ApiCreatedResponse({ type: RunResponseDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS, E.VALIDATION_FAILED, E.PAYLOAD_TOO_LARGE, E.NOT_DEPLOYED, E.AGENT_PAUSED, E.AGENT_DELETED, E.VERSION_NOT_PUBLISHED, E.RUN_INPUT_INVALID, E.AGENT_AT_CAPACITY)
  replayRun(@CurrentPrincipal() principal: Principal, @Param('runId', new ParseUUIDPipe()) runId: string, @Body() body: ReplayRunDto = {}): Promise<RunResponseDto> {
    return this.replays.replay(principal, runId, body ?? {});
  }

  @Post('agents/:id/runs/cancel')
  @HttpCode(200)
  @Idempotent()
  @ApiAgentIdParam()
  @ApiOperation({
    summary: "Cancel an agent's runs",
    description:
      'Cancels every run of the agent in the statuses named (at least one) and, with `createdBefore`, created before that instant; answers how many. ' +
      'A manager of the agent cancels them all; anyone else who can use it only the runs they started (as for one cancel). Each gets its `cancelled` event.',
  })
  @ApiBody({ type: CancelRunsDto, examples: { queued: { summary: 'Everything still waiting', value: { status: ['queued', 'awaiting_approval'] } } } })
  @ApiOkResponse({ type: CancelRunsResponseDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS, E.VALIDATION_FAILED)
  cancelAgentRuns(@CurrentPrincipal() principal: Principal, @Param('id', AgentRefPipe) ref: AgentRef, @Body() body: CancelRunsDto): Promise<CancelRunsResponseDto> {
    return this.replays.cancelMany(principal, ref, body);
  }
}
