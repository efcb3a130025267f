import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAgentIdParam } from '../../common/swagger/api-path-params.decorator';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { AgentRefPipe } from '../agents/agent-ref.pipe';
import { AGENT_ROUTE_PROBLEMS } from '../agents/agent-route-problems';
import { AgentRef } from '../agents/domain/agent-ref';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/domain/principal';
import { ScheduleDto } from './dto/schedule.dto';
import { SchedulesService } from './schedules.service';

@ApiTags('Agents')
@Controller('api/v1/agents')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Get(':id/schedule')
  @ApiAgentIdParam()
  @ApiOperation({
    summary: 'Get the schedule',
    description: 'The deployed cron and zone, whether it runs, the next 5 ticks, the last tick and its run, and the counts of skipped and missed ticks.',
  })
  @ApiOkResponse({ type: ScheduleDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS)
  getAgentSchedule(@CurrentPrincipal() principal: Principal, @Param('id', AgentRefPipe) ref: AgentRef): Promise<ScheduleDto> {
    return this.schedules.get(principal, ref);
  }
}
