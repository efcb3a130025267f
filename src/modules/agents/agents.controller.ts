import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../../common/errors/error-code';
import { EtagInterceptor } from '../../common/http/etag.interceptor';
import { IfMatchCondition } from '../../common/http/if-match';
import { IfMatch } from '../../common/http/if-match.decorator';
import { ValidateOnlyQueryDto } from '../../common/http/validate-only.dto';
import { ApiAgentIdParam } from '../../common/swagger/api-path-params.decorator';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/domain/principal';
import { AgentRefPipe } from './agent-ref.pipe';
import { AgentsService } from './agents.service';
import { CREATE_AGENT_EXAMPLES, CreateAgentDto, UPDATE_AGENT_EXAMPLES, UpdateAgentDto } from './dto/agent-fields.dto';
import { GetAgentQueryDto, ListAgentsQueryDto, ToggleAgentDto, UpdateAgentQueryDto } from './dto/agent-query.dto';
import { AgentRef } from './domain/agent-ref';
import { AgentListResponseDto, AgentResponseDto } from './dto/agent-response.dto';
import { AGENT_ROUTE_PROBLEMS, AGENT_WRITE_PROBLEMS } from './agent-route-problems';
import { Idempotent } from '../../infrastructure/idempotency/idempotent.decorator';

const E = ErrorCode;

@ApiTags('Agents')
@UseInterceptors(EtagInterceptor)
@Controller('api/v1/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Idempotent()
  @Post()
  @ApiOperation({
    summary: 'Create an agent',
    description: 'Creates an agent in status `draft` with one draft variation; the caller becomes its owner. Deploy it to make it active.',
  })
  @ApiBody({ type: CreateAgentDto, examples: CREATE_AGENT_EXAMPLES })
  @ApiCreatedResponse({ type: AgentResponseDto, description: 'The new agent, draft view.' })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS, E.VALIDATION_FAILED, E.MALFORMED_REQUEST, E.PAYLOAD_TOO_LARGE, E.INVALID_SUB_AGENTS, E.NOTIFICATION_CHANNEL_NOT_JOINED, E.ACCESS_LOCKOUT, E.SLACK_UNAVAILABLE)
  createAgent(@CurrentPrincipal() principal: Principal, @Query() query: ValidateOnlyQueryDto, @Body() dto: CreateAgentDto): Promise<AgentResponseDto> {
    return this.agents.create(principal, dto, query.validateOnly);
  }

  @Get()
  @ApiOperation({
    summary: 'List agents',
    description: 'The agents the caller can use, newest first, in keyset pages: pass `nextPageToken` back as `pageToken` with the same filters.',
  })
  @ApiOkResponse({ type: AgentListResponseDto })
  @ApiProblems(E.UNAUTHENTICATED, E.VALIDATION_FAILED, E.DATABASE_UNAVAILABLE)
  listAgents(@CurrentPrincipal() principal: Principal, @Query() query: ListAgentsQueryDto): Promise<AgentListResponseDto> {
    return this.agents.list(principal, query);
  }

  @Get(':id')
  @ApiAgentIdParam()
  @ApiOperation({
    summary: 'Get an agent',
    description: '`view=draft` (the default) shows the pending draft, or the active content when there is none; `view=active` shows the deployed variation (404 if never deployed).',
  })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS, E.VALIDATION_FAILED)
  getAgent(@CurrentPrincipal() principal: Principal, @Query() query: GetAgentQueryDto, @Param('id', AgentRefPipe) ref: AgentRef): Promise<AgentResponseDto> {
    return this.agents.get(principal, ref, query.view);
  }

  @Patch(':id')
  @ApiAgentIdParam()
  @ApiOperation({
    summary: 'Update an agent',
    description:
      'Writes into the draft (AIP-134). Without `updateMask`, every field present in the body is written, absent fields are untouched and `null` clears. ' +
      'With `updateMask`, only the listed top-level fields are written and a listed but absent field is reset to its default. ' +
      'Lists (`tools`, `subAgents`, `grants`) are replaced whole. `accessConfig` and `notificationConfig` apply at once. All or nothing.',
  })
  @ApiBody({ type: UpdateAgentDto, examples: UPDATE_AGENT_EXAMPLES })
  @ApiOkResponse({ type: AgentResponseDto, description: 'The agent, draft view.' })
  @ApiProblems(...AGENT_WRITE_PROBLEMS, E.VALIDATION_FAILED, E.MALFORMED_REQUEST, E.PAYLOAD_TOO_LARGE, E.ACCESS_LOCKOUT, E.INVALID_SUB_AGENTS, E.NOTIFICATION_CHANNEL_NOT_JOINED, E.SLACK_UNAVAILABLE)
  updateAgent(
    @CurrentPrincipal() principal: Principal,
    @Query() query: UpdateAgentQueryDto,
    @Body() dto: UpdateAgentDto,
    @Param('id', AgentRefPipe) ref: AgentRef,
    @IfMatch() ifMatch?: IfMatchCondition,
  ): Promise<AgentResponseDto> {
    return this.agents.update(principal, ref, dto, query.updateMask, ifMatch, query.validateOnly);
  }

  @Post(':id/toggle')
  @HttpCode(200)
  @ApiAgentIdParam()
  @ApiOperation({
    summary: 'Switch the schedule on or off',
    description: 'Without a body, flips `isScheduleActive`; `{"active": true|false}` sets it. Turning it on needs a deployed schedule trigger (409 otherwise).',
  })
  @ApiBody({ type: ToggleAgentDto, required: false })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(...AGENT_WRITE_PROBLEMS, E.VALIDATION_FAILED, E.SCHEDULE_TRIGGER_MISSING)
  toggleAgentSchedule(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: ToggleAgentDto = {},
    @Param('id', AgentRefPipe) ref: AgentRef,
    @IfMatch() ifMatch?: IfMatchCondition,
  ): Promise<AgentResponseDto> {
    return this.agents.toggle(principal, ref, dto?.active, ifMatch);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiAgentIdParam()
  @ApiOperation({
    summary: 'Pause an agent',
    description: 'Switches a deployed agent off: new runs get 409, queued runs are held (not handed to runtimes), no schedule ticks. Content, versions and `isScheduleActive` are kept. Pausing a paused agent changes nothing.',
  })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(...AGENT_WRITE_PROBLEMS, E.NOT_DEPLOYED)
  pauseAgent(@CurrentPrincipal() principal: Principal, @Param('id', AgentRefPipe) ref: AgentRef, @IfMatch() ifMatch?: IfMatchCondition): Promise<AgentResponseDto> {
    return this.agents.pause(principal, ref, ifMatch);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiAgentIdParam()
  @ApiOperation({
    summary: 'Resume a paused agent',
    description: 'Held runs can be claimed again; the schedule, if on, continues from the next tick (no catch-up). Resuming an active agent changes nothing.',
  })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(...AGENT_WRITE_PROBLEMS, E.NOT_DEPLOYED)
  resumeAgent(@CurrentPrincipal() principal: Principal, @Param('id', AgentRefPipe) ref: AgentRef, @IfMatch() ifMatch?: IfMatchCondition): Promise<AgentResponseDto> {
    return this.agents.resume(principal, ref, ifMatch);
  }

  @Delete(':id')
  @ApiAgentIdParam()
  @ApiOperation({ summary: 'Delete an agent', description: 'Soft delete: status `deleted`, `deletedAt` set, the schedule stops. Answers the agent; undelete brings it back.' })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(...AGENT_WRITE_PROBLEMS)
  deleteAgent(@CurrentPrincipal() principal: Principal, @Param('id', AgentRefPipe) ref: AgentRef, @IfMatch() ifMatch?: IfMatchCondition): Promise<AgentResponseDto> {
    return this.agents.remove(principal, ref, ifMatch);
  }

  @Post(':id/undelete')
  @HttpCode(200)
  @ApiAgentIdParam()
  @ApiOperation({ summary: 'Undelete an agent', description: 'Back to `active` when it was deployed before, else `draft`.' })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS, E.FORBIDDEN, E.PRECONDITION_FAILED, E.CONFLICT)
  undeleteAgent(@CurrentPrincipal() principal: Principal, @Param('id', AgentRefPipe) ref: AgentRef, @IfMatch() ifMatch?: IfMatchCondition): Promise<AgentResponseDto> {
    return this.agents.undelete(principal, ref, ifMatch);
  }
}
