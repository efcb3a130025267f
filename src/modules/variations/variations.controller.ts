import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../../common/errors/error-code';
import { EtagInterceptor } from '../../common/http/etag.interceptor';
import { IfMatchCondition } from '../../common/http/if-match';
import { IfMatch } from '../../common/http/if-match.decorator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { ApiAgentIdParam, ApiVariationIdParam } from '../../common/swagger/api-path-params.decorator';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { AgentRefPipe } from '../agents/agent-ref.pipe';
import { AgentRef } from '../agents/domain/agent-ref';
import { AgentResponseDto } from '../agents/dto/agent-response.dto';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/domain/principal';
import { AgentDiffResponseDto, DiffQueryDto, VariationDetailDto, VariationListResponseDto } from '../variation-store/dto/variation-response.dto';
import { DeployAgentDto, DeployResponseDto, VersionNoteDto } from './dto/environment.dto';
import { ValidateOnlyQueryDto } from '../../common/http/validate-only.dto';
import { VariationsService } from './variations.service';
import { AGENT_ROUTE_PROBLEMS, AGENT_WRITE_PROBLEMS } from '../agents/agent-route-problems';
import { Idempotent } from '../../infrastructure/idempotency/idempotent.decorator';

const E = ErrorCode;

/** An agent's versions: deploy, diff, history, one variation, restore. */
@ApiTags('Agents')
@UseInterceptors(EtagInterceptor)
@Controller('api/v1/agents')
export class VariationsController {
  constructor(private readonly variations: VariationsService) {}

  @Idempotent()
  @Post(':id/deploy')
  @HttpCode(200)
  @ApiAgentIdParam()
  @ApiOperation({
    summary: 'Deploy the draft',
    description:
      'Publishes the draft as the next version and points `environment` (default `production`, which is what "active" means) at it, with an optional `label` and `notes`. ' +
      'To production the draft becomes the active version; to another environment the draft stays pending. With nothing new for that environment it is a no-op that answers 200 and the agent unchanged. ' +
      '`baseMoved: true` says production moved since the draft began (someone released or rolled back meanwhile). `If-Match` takes the agent\'s ETag.',
  })
  @ApiBody({
    type: DeployAgentDto,
    required: false,
    examples: {
      toProduction: { summary: 'Deploy to production', value: {} },
      labelled: { summary: 'With a label and notes', value: { label: 'Spring pricing', notes: 'Adds the EMEA breakdown.' } },
    },
  })
  @ApiOkResponse({ type: DeployResponseDto })
  @ApiProblems(...AGENT_WRITE_PROBLEMS, E.VALIDATION_FAILED, E.NOT_RUNNABLE, E.NOT_DEPLOYED, E.CONFLICT)
  deployAgent(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ValidateOnlyQueryDto,
    @Param('id', AgentRefPipe) ref: AgentRef,
    @Body() body: DeployAgentDto = {},
    @IfMatch() ifMatch?: IfMatchCondition,
  ): Promise<DeployResponseDto> {
    return this.variations.deploy(principal, ref, body ?? {}, ifMatch, query.validateOnly);
  }

  @Get(':id/diff')
  @ApiAgentIdParam()
  @ApiOperation({
    summary: 'Compare two versions',
    description: 'Field by field from `from` to `to`, each a version number, `draft`, or an environment name. The default, production to draft, is what deploy would publish.',
  })
  @ApiOkResponse({ type: AgentDiffResponseDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS, E.FORBIDDEN, E.VALIDATION_FAILED)
  getAgentDiff(@CurrentPrincipal() principal: Principal, @Query() query: DiffQueryDto, @Param('id', AgentRefPipe) ref: AgentRef): Promise<AgentDiffResponseDto> {
    return this.variations.diff(principal, ref, query);
  }

  @Patch(':id/variations/:variationId')
  @ApiAgentIdParam()
  @ApiVariationIdParam()
  @ApiOperation({ summary: 'Label a version', description: "Sets a published version's `label` and `notes` (absent keeps one, `null` clears it); its content stays as published. A draft: 409." })
  @ApiBody({ type: VersionNoteDto, examples: { knownGood: { summary: 'Mark a version', value: { label: 'Known good', notes: 'Rolled back to this one after the 2026-05-11 incident.' } } } })
  @ApiOkResponse({ type: VariationDetailDto })
  @ApiProblems(...AGENT_WRITE_PROBLEMS, E.VALIDATION_FAILED, E.MALFORMED_REQUEST, E.CONFLICT)
  updateAgentVariation(
    @CurrentPrincipal() principal: Principal,
    @Body() body: VersionNoteDto,
    @Param('variationId', new ParseUUIDPipe()) variationId: string,
    @Param('id', AgentRefPipe) ref: AgentRef,
  ): Promise<VariationDetailDto> {
    return this.variations.annotate(principal, ref, variationId, body);
  }

  @Get(':id/variations')
  @ApiAgentIdParam()
  @ApiOperation({ summary: 'List variations', description: "The agent's variation history, newest first, in keyset pages." })
  @ApiOkResponse({ type: VariationListResponseDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS, E.FORBIDDEN, E.VALIDATION_FAILED)
  listAgentVariations(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto, @Param('id', AgentRefPipe) ref: AgentRef): Promise<VariationListResponseDto> {
    return this.variations.history(principal, ref, query.pageSize, query.pageToken);
  }

  @Get(':id/variations/:variationId')
  @ApiAgentIdParam()
  @ApiVariationIdParam()
  @ApiOperation({ summary: 'Get a variation', description: 'One variation of the agent, whole.' })
  @ApiOkResponse({ type: VariationDetailDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS, E.FORBIDDEN, E.MALFORMED_REQUEST)
  getAgentVariation(
    @CurrentPrincipal() principal: Principal,
    @Param('variationId', new ParseUUIDPipe()) variationId: string,
    @Param('id', AgentRefPipe) ref: AgentRef,
  ): Promise<VariationDetailDto> {
    return this.variations.variation(principal, ref, variationId);
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
  @ApiProblems(...AGENT_WRITE_PROBLEMS, E.MALFORMED_REQUEST, E.INVALID_SUB_AGENTS)
  restoreAgentVariation(
    @CurrentPrincipal() principal: Principal,
    @Param('variationId', new ParseUUIDPipe()) variationId: string,
    @Param('id', AgentRefPipe) ref: AgentRef,
    @IfMatch() ifMatch?: IfMatchCondition,
  ): Promise<AgentResponseDto> {
    return this.variations.restore(principal, ref, variationId, ifMatch);
  }

  @Delete(':id/draft')
  @ApiAgentIdParam()
  @ApiOperation({
    summary: 'Discard the draft',
    description: 'Throws the pending draft away; the agent shows its active content again. Without a pending draft nothing changes. 409 when the agent was never deployed: the draft is all it has.',
  })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(...AGENT_WRITE_PROBLEMS, E.NOT_DEPLOYED)
  discardAgentDraft(@CurrentPrincipal() principal: Principal, @Param('id', AgentRefPipe) ref: AgentRef, @IfMatch() ifMatch?: IfMatchCondition): Promise<AgentResponseDto> {
    return this.variations.discardDraft(principal, ref, ifMatch);
  }
}
