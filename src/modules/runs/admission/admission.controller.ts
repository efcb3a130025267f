import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAgentIdParam } from '../../../common/swagger/api-path-params.decorator';
import { ApiProblems } from '../../../common/swagger/api-problems.decorator';
import { AgentRefPipe } from '../../agents/agent-ref.pipe';
import { AGENT_ROUTE_PROBLEMS } from '../../agents/agent-route-problems';
import { AgentRef } from '../../agents/domain/agent-ref';
import { CurrentPrincipal } from '../../auth/current-principal.decorator';
import { Principal } from '../../auth/domain/principal';
import { AgentQueueDto } from './agent-queue.dto';
import { AgentQueueService } from './agent-queue.service';

/** SPEC §15's routes beside the runs' own: an agent's queue. */
@ApiTags('Runs')
@Controller('api/v1')
export class AdmissionController {
  constructor(private readonly queue: AgentQueueService) {}

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
}
