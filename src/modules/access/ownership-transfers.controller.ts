import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { AgentResponseDto } from '../agents/dto/agent-response.dto';
import { EtagInterceptor } from '../agents/etag.interceptor';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/domain/principal';
import { OwnershipTransferListDto, OwnershipTransfersQueryDto, RequestOwnershipTransferDto } from './dto/ownership-transfer.dto';
import { OwnershipTransfersService } from './ownership-transfers.service';

@ApiTags('Ownership transfer')
@ApiProblems(401, 404)
@UseInterceptors(EtagInterceptor)
@Controller('api/v1')
export class OwnershipTransfersController {
  constructor(private readonly transfers: OwnershipTransfersService) {}

  @Post('agents/:id/ownership-transfer')
  @ApiOperation({ summary: 'Offer the agent to another user (owner or org admin); one pending at a time; expires after 7 days.' })
  @ApiCreatedResponse({ type: AgentResponseDto })
  @ApiProblems(400, 403, 409, 422)
  request(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: RequestOwnershipTransferDto): Promise<AgentResponseDto> {
    return this.transfers.request(principal, id, dto.to);
  }

  @Post('agents/:id/ownership-transfer/accept')
  @HttpCode(200)
  @ApiOperation({ summary: 'The recipient becomes owner; the previous owner keeps a manage grant.' })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(409)
  accept(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<AgentResponseDto> {
    return this.transfers.accept(principal, id);
  }

  @Post('agents/:id/ownership-transfer/decline')
  @HttpCode(200)
  @ApiOperation({ summary: 'The recipient declines; nothing changes hands.' })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(409)
  decline(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<AgentResponseDto> {
    return this.transfers.decline(principal, id);
  }

  @Delete('agents/:id/ownership-transfer')
  @ApiOperation({ summary: 'Cancel the pending transfer (requester, owner or org admin).' })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(403, 409)
  cancel(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<AgentResponseDto> {
    return this.transfers.cancel(principal, id);
  }

  @Get('ownership-transfers')
  @ApiOperation({ summary: "The caller's pending transfers: incoming (to them) or outgoing (from or requested by them)." })
  @ApiOkResponse({ type: OwnershipTransferListDto })
  @ApiProblems(400)
  list(@CurrentPrincipal() principal: Principal, @Query() query: OwnershipTransfersQueryDto): Promise<OwnershipTransferListDto> {
    return this.transfers.list(principal, query.direction);
  }
}
