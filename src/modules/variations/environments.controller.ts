import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ErrorCode } from '../../common/errors/error-code';
import { EtagInterceptor } from '../../common/http/etag.interceptor';
import { IfMatchCondition } from '../../common/http/if-match';
import { IfMatch } from '../../common/http/if-match.decorator';
import { ApiAgentIdParam } from '../../common/swagger/api-path-params.decorator';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { AgentRefPipe } from '../agents/agent-ref.pipe';
import { AGENT_ROUTE_PROBLEMS, AGENT_WRITE_PROBLEMS } from '../agents/agent-route-problems';
import { AgentRef } from '../agents/domain/agent-ref';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/domain/principal';
import { EnvironmentListResponseDto, EnvironmentResponseDto, PromoteEnvironmentDto, PutEnvironmentDto } from './dto/environment.dto';
import { ValidateOnlyQueryDto } from '../../common/http/validate-only.dto';
import { EnvironmentsService, EnvironmentWritten } from './environments.service';
import { Idempotent } from '../../infrastructure/idempotency/idempotent.decorator';

const E = ErrorCode;
const ApiEnvironmentParam = () =>
  ApiParam({ name: 'name', required: true, schema: { type: 'string', minLength: 1, maxLength: 31 }, description: 'The environment: `production`, or a name such as `staging` (`[a-z][a-z0-9-]{0,30}`).' });

/** An agent's environments (SPEC §14): named pointers at published versions, with canary splits. */
@ApiTags('Environments')
@UseInterceptors(EtagInterceptor)
@Controller('api/v1/agents')
export class EnvironmentsController {
  constructor(private readonly environments: EnvironmentsService) {}

  @Get(':id/environments')
  @ApiAgentIdParam()
  @ApiOperation({ summary: 'List environments', description: "The agent's environments, production first: the version each runs and its canary split." })
  @ApiOkResponse({ type: EnvironmentListResponseDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS)
  listEnvironments(@CurrentPrincipal() principal: Principal, @Param('id', AgentRefPipe) ref: AgentRef): Promise<EnvironmentListResponseDto> {
    return this.environments.list(principal, ref);
  }

  @Get(':id/environments/:name')
  @ApiAgentIdParam()
  @ApiEnvironmentParam()
  @ApiOperation({ summary: 'Get an environment', description: 'One environment, with its ETag for If-Match.' })
  @ApiOkResponse({ type: EnvironmentResponseDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS)
  getEnvironment(@CurrentPrincipal() principal: Principal, @Param('name') name: string, @Param('id', AgentRefPipe) ref: AgentRef): Promise<EnvironmentResponseDto> {
    return this.environments.get(principal, ref, name);
  }

  @Put(':id/environments/:name')
  @ApiAgentIdParam()
  @ApiEnvironmentParam()
  @ApiOperation({
    summary: 'Create or move an environment',
    description:
      'Points the environment at a published `version` (201 when it is created, 200 when it moves), with an optional canary split. ' +
      'Moving `production` to an older version is a rollback; it is what "active" means everywhere else. `If-Match` takes the environment\'s ETag. ' +
      'Each move is an `environment.updated` event. At most 20 environments per agent.',
  })
  @ApiBody({
    type: PutEnvironmentDto,
    examples: {
      pointAtVersion: { summary: 'Run version 1', value: { version: 1 } },
      withoutCanary: { summary: 'Run version 1, no canary', value: { version: 1, canary: null } },
    },
  })
  @ApiOkResponse({ type: EnvironmentResponseDto, description: 'The environment moved.' })
  @ApiCreatedResponse({ type: EnvironmentResponseDto, description: 'The environment was created.' })
  @ApiProblems(...AGENT_WRITE_PROBLEMS, E.VALIDATION_FAILED, E.CONFLICT, E.NOT_DEPLOYED, E.VERSION_NOT_PUBLISHED, E.UNPROCESSABLE)
  async putEnvironment(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ValidateOnlyQueryDto,
    @Body() body: PutEnvironmentDto,
    @Param('name') name: string,
    @Param('id', AgentRefPipe) ref: AgentRef,
    @Res({ passthrough: true }) reply: FastifyReply,
    @IfMatch() ifMatch?: IfMatchCondition,
  ): Promise<EnvironmentResponseDto> {
    return answer(reply, await this.environments.put(principal, ref, name, body, ifMatch, query.validateOnly));
  }

  @Idempotent({ answerIsResult: false })
  @Post(':id/environments/:name/promote')
  @HttpCode(200)
  @ApiAgentIdParam()
  @ApiEnvironmentParam()
  @ApiOperation({
    summary: 'Promote into an environment',
    description: 'Points this environment at the version `from` runs (201 when it is created, 200 otherwise). `If-Match` takes this environment\'s ETag.',
  })
  @ApiBody({ type: PromoteEnvironmentDto, examples: { fromProduction: { summary: 'Take what production runs', value: { from: 'production' } } } })
  @ApiOkResponse({ type: EnvironmentResponseDto })
  @ApiCreatedResponse({ type: EnvironmentResponseDto, description: 'The environment was created.' })
  @ApiProblems(...AGENT_WRITE_PROBLEMS, E.VALIDATION_FAILED, E.CONFLICT, E.NOT_DEPLOYED)
  async promoteEnvironment(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ValidateOnlyQueryDto,
    @Body() body: PromoteEnvironmentDto,
    @Param('name') name: string,
    @Param('id', AgentRefPipe) ref: AgentRef,
    @Res({ passthrough: true }) reply: FastifyReply,
    @IfMatch() ifMatch?: IfMatchCondition,
  ): Promise<EnvironmentResponseDto> {
    return answer(reply, await this.environments.promote(principal, ref, name, body.from, ifMatch, query.validateOnly));
  }

  @Delete(':id/environments/:name')
  @HttpCode(204)
  @ApiAgentIdParam()
  @ApiEnvironmentParam()
  @ApiOperation({ summary: 'Delete an environment', description: 'Any environment but `production` (409). Runs already started keep their version.' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiProblems(...AGENT_WRITE_PROBLEMS, E.CONFLICT)
  async deleteEnvironment(@CurrentPrincipal() principal: Principal, @Param('name') name: string, @Param('id', AgentRefPipe) ref: AgentRef, @IfMatch() ifMatch?: IfMatchCondition): Promise<void> {
    await this.environments.remove(principal, ref, name, ifMatch);
  }
}

function answer(reply: FastifyReply, written: EnvironmentWritten): EnvironmentResponseDto {
  if (written.created) void reply.status(201);
  return written.environment;
}
