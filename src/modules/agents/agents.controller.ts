import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../../common/errors/error-code';
import { IfMatch } from '../../common/http/if-match.decorator';
import { ApiAgentIdParam, ApiVariationIdParam } from '../../common/swagger/api-path-params.decorator';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/domain/principal';
import { AgentDraftsService } from './agent-drafts.service';
import { AgentsService } from './agents.service';
import { CREATE_AGENT_EXAMPLES, CreateAgentDto, UPDATE_AGENT_EXAMPLES, UpdateAgentDto } from './dto/agent-fields.dto';
import { GetAgentQueryDto, ListAgentsQueryDto, PageQueryDto, ToggleAgentDto, UpdateAgentQueryDto } from './dto/agent-query.dto';
import {
  AgentDiffResponseDto,
  AgentListResponseDto,
  AgentResponseDto,
  VariationDetailDto,
  VariationListResponseDto,
} from './dto/agent-response.dto';
import { EtagInterceptor } from './etag.interceptor';

const E = ErrorCode;
/** Every agent route can answer these; each route adds its own. */
const COMMON = [E.UNAUTHENTICATED, E.NOT_FOUND, E.DATABASE_UNAVAILABLE] as const;
const WRITE = [...COMMON, E.FORBIDDEN, E.AGENT_DELETED, E.PRECONDITION_FAILED] as const;

@ApiTags('Agents')
@UseInterceptors(EtagInterceptor)
@Controller('api/v1/agents')
export class AgentsController {
  constructor(
    private readonly agents: AgentsService,
    private readonly drafts: AgentDraftsService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Create an agent',
    description: 'Creates an agent in status `draft` with one draft variation; the caller becomes its owner. Deploy it to make it active.',
  })
  @ApiBody({ type: CreateAgentDto, examples: CREATE_AGENT_EXAMPLES })
  @ApiCreatedResponse({ type: AgentResponseDto, description: 'The new agent, draft view.' })
  @ApiProblems(...COMMON, E.VALIDATION_FAILED, E.MALFORMED_REQUEST, E.PAYLOAD_TOO_LARGE, E.INVALID_SUB_AGENTS, E.NOTIFICATION_CHANNEL_NOT_JOINED, E.ACCESS_LOCKOUT, E.SLACK_UNAVAILABLE)
  createAgent(@CurrentPrincipal() principal: Principal, @Body() dto: CreateAgentDto): Promise<AgentResponseDto> {
    return this.agents.create(principal, dto);
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
  @ApiProblems(...COMMON, E.VALIDATION_FAILED)
  getAgent(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query() query: GetAgentQueryDto): Promise<AgentResponseDto> {
    return this.agents.get(principal, id, query.view);
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
  @ApiProblems(...WRITE, E.VALIDATION_FAILED, E.MALFORMED_REQUEST, E.PAYLOAD_TOO_LARGE, E.ACCESS_LOCKOUT, E.INVALID_SUB_AGENTS, E.NOTIFICATION_CHANNEL_NOT_JOINED, E.SLACK_UNAVAILABLE)
  updateAgent(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query() query: UpdateAgentQueryDto,
    @Body() dto: UpdateAgentDto,
    @IfMatch() ifMatch?: string,
  ): Promise<AgentResponseDto> {
    return this.drafts.update(principal, id, dto, query.updateMask, ifMatch);
  }

  @Post(':id/deploy')
  @HttpCode(200)
  @ApiAgentIdParam()
  @ApiOperation({
    summary: 'Deploy the draft',
    description: 'Publishes the draft as the next version and makes it active. With nothing to publish it is a no-op that answers 200 and the agent unchanged.',
  })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(...WRITE, E.NOT_RUNNABLE)
  deployAgent(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @IfMatch() ifMatch?: string): Promise<AgentResponseDto> {
    return this.drafts.deploy(principal, id, ifMatch);
  }

  @Get(':id/diff')
  @ApiAgentIdParam()
  @ApiOperation({ summary: 'Compare draft and active', description: 'Field by field, what deploy would publish.' })
  @ApiOkResponse({ type: AgentDiffResponseDto })
  @ApiProblems(...COMMON, E.FORBIDDEN)
  getAgentDiff(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<AgentDiffResponseDto> {
    return this.drafts.diff(principal, id);
  }

  @Get(':id/variations')
  @ApiAgentIdParam()
  @ApiOperation({ summary: 'List variations', description: "The agent's variation history, newest first, in keyset pages." })
  @ApiOkResponse({ type: VariationListResponseDto })
  @ApiProblems(...COMMON, E.FORBIDDEN, E.VALIDATION_FAILED)
  listAgentVariations(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query() query: PageQueryDto): Promise<VariationListResponseDto> {
    return this.drafts.history(principal, id, query.pageSize, query.pageToken);
  }

  @Get(':id/variations/:variationId')
  @ApiAgentIdParam()
  @ApiVariationIdParam()
  @ApiOperation({ summary: 'Get a variation', description: 'One variation of the agent, whole.' })
  @ApiOkResponse({ type: VariationDetailDto })
  @ApiProblems(...COMMON, E.FORBIDDEN, E.MALFORMED_REQUEST)
  getAgentVariation(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('variationId', new ParseUUIDPipe()) variationId: string,
  ): Promise<VariationDetailDto> {
    return this.drafts.variation(principal, id, variationId);
  }

  @Post(':id/variations/:variationId/restore')
  @HttpCode(200)
  @ApiAgentIdParam()
  @ApiVariationIdParam()
  @ApiOperation({
    summary: 'Restore a variation into the draft',
    description: "Copies that variation's content into the draft. A rollback is restore, then deploy.",
  })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(...WRITE, E.MALFORMED_REQUEST, E.INVALID_SUB_AGENTS)
  restoreAgentVariation(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('variationId', new ParseUUIDPipe()) variationId: string,
    @IfMatch() ifMatch?: string,
  ): Promise<AgentResponseDto> {
    return this.drafts.restore(principal, id, variationId, ifMatch);
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
  @ApiProblems(...WRITE, E.VALIDATION_FAILED, E.SCHEDULE_TRIGGER_MISSING)
  toggleAgentSchedule(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() dto: ToggleAgentDto = {},
    @IfMatch() ifMatch?: string,
  ): Promise<AgentResponseDto> {
    return this.agents.toggle(principal, id, dto?.active, ifMatch);
  }

  @Delete(':id')
  @ApiAgentIdParam()
  @ApiOperation({ summary: 'Delete an agent', description: 'Soft delete: status `deleted`, `deletedAt` set, the schedule stops. Answers the agent; undelete brings it back.' })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(...WRITE)
  deleteAgent(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @IfMatch() ifMatch?: string): Promise<AgentResponseDto> {
    return this.agents.remove(principal, id, ifMatch);
  }

  @Post(':id/undelete')
  @HttpCode(200)
  @ApiAgentIdParam()
  @ApiOperation({ summary: 'Undelete an agent', description: 'Back to `active` when it was deployed before, else `draft`.' })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(...COMMON, E.FORBIDDEN, E.PRECONDITION_FAILED, E.CONFLICT)
  undeleteAgent(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @IfMatch() ifMatch?: string): Promise<AgentResponseDto> {
    return this.agents.undelete(principal, id, ifMatch);
  }
}
