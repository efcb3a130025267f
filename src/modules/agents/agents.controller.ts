import { Body, Controller, Delete, Get, Headers, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/domain/principal';
import { AgentDraftsService } from './agent-drafts.service';
import { AgentsService } from './agents.service';
import { CreateAgentDto, UpdateAgentDto } from './dto/agent-fields.dto';
import { GetAgentQueryDto, ListAgentsQueryDto, PageQueryDto, ToggleAgentDto, UpdateAgentQueryDto } from './dto/agent-query.dto';
import {
  AgentDiffResponseDto,
  AgentListResponseDto,
  AgentResponseDto,
  VariationDetailDto,
  VariationListResponseDto,
} from './dto/agent-response.dto';
import { EtagInterceptor } from './etag.interceptor';

const IF_MATCH = ApiHeader({ name: 'If-Match', required: false, description: 'The agent\'s ETag; a stale one gets 412 and changes nothing.' });
const AGENT_ID = 'Numeric agent id or slug.';

@ApiTags('Agents')
@ApiProblems(401, 404)
@UseInterceptors(EtagInterceptor)
@Controller('api/v1/agents')
export class AgentsController {
  constructor(
    private readonly agents: AgentsService,
    private readonly drafts: AgentDraftsService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create an agent: status draft, one draft variation, the caller as owner.' })
  @ApiCreatedResponse({ type: AgentResponseDto })
  @ApiProblems(400, 413, 422, 503)
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateAgentDto): Promise<AgentResponseDto> {
    return this.agents.create(principal, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List the agents the caller can use, newest first (keyset pagination).' })
  @ApiOkResponse({ type: AgentListResponseDto })
  @ApiProblems(400)
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListAgentsQueryDto): Promise<AgentListResponseDto> {
    return this.agents.list(principal, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One agent: `view=draft` (default) shows the pending draft or else the active content; `view=active` the deployed one.', description: AGENT_ID })
  @ApiOkResponse({ type: AgentResponseDto })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query() query: GetAgentQueryDto): Promise<AgentResponseDto> {
    return this.agents.get(principal, id, query.view);
  }

  @Patch(':id')
  @IF_MATCH
  @ApiOperation({
    summary: 'Write into the draft (AIP-134 updateMask). accessConfig and notificationConfig apply at once.',
    description: 'Without updateMask every field in the body is written and null clears; with it only the listed top-level fields, a listed but absent field is reset to its default. All or nothing.',
  })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(400, 403, 409, 412, 413, 422, 503)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query() query: UpdateAgentQueryDto,
    @Body() dto: UpdateAgentDto,
    @Headers('if-match') ifMatch?: string,
  ): Promise<AgentResponseDto> {
    return this.drafts.update(principal, id, dto, query.updateMask, ifMatch);
  }

  @Post(':id/deploy')
  @HttpCode(200)
  @IF_MATCH
  @ApiOperation({ summary: 'Publish the draft as the next version; a 200 no-op when there is nothing to publish.' })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(403, 409, 412, 422)
  deploy(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Headers('if-match') ifMatch?: string): Promise<AgentResponseDto> {
    return this.drafts.deploy(principal, id, ifMatch);
  }

  @Get(':id/diff')
  @ApiOperation({ summary: 'Field-by-field difference between the draft and the active variation: what deploy would publish.' })
  @ApiOkResponse({ type: AgentDiffResponseDto })
  @ApiProblems(403)
  diff(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<AgentDiffResponseDto> {
    return this.drafts.diff(principal, id);
  }

  @Get(':id/variations')
  @ApiOperation({ summary: 'Variation history, newest first.' })
  @ApiOkResponse({ type: VariationListResponseDto })
  @ApiProblems(400, 403)
  history(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query() query: PageQueryDto): Promise<VariationListResponseDto> {
    return this.drafts.history(principal, id, query.pageSize, query.pageToken);
  }

  @Get(':id/variations/:variationId')
  @ApiOperation({ summary: 'One variation, whole.' })
  @ApiOkResponse({ type: VariationDetailDto })
  @ApiProblems(400, 403)
  variation(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('variationId', new ParseUUIDPipe()) variationId: string,
  ): Promise<VariationDetailDto> {
    return this.drafts.variation(principal, id, variationId);
  }

  @Post(':id/variations/:variationId/restore')
  @HttpCode(200)
  @IF_MATCH
  @ApiOperation({ summary: "Copy a variation's content into the draft (rollback = restore, then deploy)." })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(400, 403, 409, 412, 422)
  restore(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('variationId', new ParseUUIDPipe()) variationId: string,
    @Headers('if-match') ifMatch?: string,
  ): Promise<AgentResponseDto> {
    return this.drafts.restore(principal, id, variationId, ifMatch);
  }

  @Post(':id/toggle')
  @HttpCode(200)
  @IF_MATCH
  @ApiOperation({ summary: 'Flip isScheduleActive, or set it with {"active": bool}.' })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(400, 403, 409, 412)
  toggle(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() dto: ToggleAgentDto = {},
    @Headers('if-match') ifMatch?: string,
  ): Promise<AgentResponseDto> {
    return this.agents.toggle(principal, id, dto?.active, ifMatch);
  }

  @Delete(':id')
  @IF_MATCH
  @ApiOperation({ summary: 'Soft delete: status deleted, schedule stops. Returns the agent.' })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(403, 409, 412)
  remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Headers('if-match') ifMatch?: string): Promise<AgentResponseDto> {
    return this.agents.remove(principal, id, ifMatch);
  }

  @Post(':id/undelete')
  @HttpCode(200)
  @IF_MATCH
  @ApiOperation({ summary: 'Back to active (if deployed before) or draft.' })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(403, 409, 412)
  undelete(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Headers('if-match') ifMatch?: string): Promise<AgentResponseDto> {
    return this.agents.undelete(principal, id, ifMatch);
  }
}
