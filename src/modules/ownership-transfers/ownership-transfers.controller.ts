import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../../common/errors/error-code';
import { EtagInterceptor } from '../../common/http/etag.interceptor';
import { ApiAgentIdParam } from '../../common/swagger/api-path-params.decorator';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { AgentRefPipe } from '../agents/agent-ref.pipe';
import { AgentRef } from '../agents/domain/agent-ref';
import { AgentResponseDto } from '../agents/dto/agent-response.dto';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/domain/principal';
import { OwnershipTransferListDto, OwnershipTransfersQueryDto, RequestOwnershipTransferDto } from './dto/ownership-transfer.dto';
import { OwnershipTransfersService } from './ownership-transfers.service';
import { AGENT_ROUTE_PROBLEMS } from '../agents/agent-route-problems';

const E = ErrorCode;

@ApiTags('Ownership transfer')
@UseInterceptors(EtagInterceptor)
@Controller('api/v1')
export class OwnershipTransfersController {
  constructor(private readonly transfers: OwnershipTransfersService) {}

  @Post('agents/:id/ownership-transfer')
  @ApiAgentIdParam()
  @ApiOperation({
    summary: 'Offer an agent to another user',
    description: 'The owner or an org admin offers the agent to a user, who accepts or declines. One pending transfer at a time; it expires after 7 days.',
  })
  @ApiCreatedResponse({ type: AgentResponseDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS, E.VALIDATION_FAILED, E.FORBIDDEN, E.AGENT_DELETED, E.TRANSFER_PENDING, E.UNPROCESSABLE)
  requestOwnershipTransfer(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: RequestOwnershipTransferDto,
    @Param('id', AgentRefPipe) ref: AgentRef,
  ): Promise<AgentResponseDto> {
    return this.transfers.request(principal, ref, dto.to);
  }

  @Post('agents/:id/ownership-transfer/accept')
  @HttpCode(200)
  @ApiAgentIdParam()
  @ApiOperation({ summary: 'Accept an ownership transfer', description: 'The recipient becomes owner; the previous owner keeps a manage grant.' })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS, E.AGENT_DELETED)
  acceptOwnershipTransfer(@CurrentPrincipal() principal: Principal, @Param('id', AgentRefPipe) ref: AgentRef): Promise<AgentResponseDto> {
    return this.transfers.accept(principal, ref);
  }

  @Post('agents/:id/ownership-transfer/decline')
  @HttpCode(200)
  @ApiAgentIdParam()
  @ApiOperation({ summary: 'Decline an ownership transfer', description: 'The recipient declines; nothing changes hands.' })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS, E.AGENT_DELETED)
  declineOwnershipTransfer(@CurrentPrincipal() principal: Principal, @Param('id', AgentRefPipe) ref: AgentRef): Promise<AgentResponseDto> {
    return this.transfers.decline(principal, ref);
  }

  @Delete('agents/:id/ownership-transfer')
  @ApiAgentIdParam()
  @ApiOperation({ summary: 'Cancel an ownership transfer', description: 'The requester, the owner or an org admin cancels the pending transfer.' })
  @ApiOkResponse({ type: AgentResponseDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS, E.FORBIDDEN, E.AGENT_DELETED)
  cancelOwnershipTransfer(@CurrentPrincipal() principal: Principal, @Param('id', AgentRefPipe) ref: AgentRef): Promise<AgentResponseDto> {
    return this.transfers.cancel(principal, ref);
  }

  @Get('ownership-transfers')
  @ApiOperation({
    summary: 'List pending ownership transfers',
    description: "The caller's pending transfers: `incoming` (offered to them) or `outgoing` (of their agents, or requested by them).",
  })
  @ApiOkResponse({ type: OwnershipTransferListDto })
  @ApiProblems(E.UNAUTHENTICATED, E.VALIDATION_FAILED, E.DATABASE_UNAVAILABLE)
  listOwnershipTransfers(@CurrentPrincipal() principal: Principal, @Query() query: OwnershipTransfersQueryDto): Promise<OwnershipTransferListDto> {
    return this.transfers.list(principal, query.direction);
  }
}
