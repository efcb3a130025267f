import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../../../common/errors/error-code';
import { ApiProblems } from '../../../common/swagger/api-problems.decorator';
import { AGENT_ROUTE_PROBLEMS } from '../../agents/agent-route-problems';
import { CurrentPrincipal } from '../../auth/current-principal.decorator';
import { Principal } from '../../auth/domain/principal';
import { UsageQueryDto, UsageReportDto } from './usage.dto';
import { UsageService } from './usage.service';

/** SPEC §15: what the org's agents cost. */
@ApiTags('Runs')
@Controller('api/v1/usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @Get()
  @ApiOperation({
    summary: 'Report usage',
    description:
      "Tokens and cost that runs' `action_taken` and `outcome` events reported, over UTC days `from`..`to` (both included), grouped by agent, day or model. " +
      'An org admin sees the whole org, or one agent with `agentId`; anyone else must name an agent they can use with `agentId`.',
  })
  @ApiOkResponse({ type: UsageReportDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS, ErrorCode.FORBIDDEN, ErrorCode.VALIDATION_FAILED)
  getUsage(@CurrentPrincipal() principal: Principal, @Query() query: UsageQueryDto): Promise<UsageReportDto> {
    return this.usage.report(principal, query);
  }
}
