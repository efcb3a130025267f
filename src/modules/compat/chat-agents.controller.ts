import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../../common/errors/error-code';
import { IfMatchCondition } from '../../common/http/if-match';
import { IfMatch } from '../../common/http/if-match.decorator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { ApiProblems } from '../../common/swagger/api-problems.decorator';
import { AGENT_ROUTE_PROBLEMS, AGENT_WRITE_PROBLEMS } from '../agents/agent-route-problems';
import { AgentRef } from '../agents/domain/agent-ref';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/domain/principal';
import { AgentUidPipe } from './agent-uid.pipe';
import { chatRequestToWrite, toChatAgent } from './compat.mappers';
import { ChatAgentCreateDto, ChatAgentDto, ChatAgentListDto, ChatAgentRequestDto } from './dto/chat-agent.dto';
import { LiveAgentsService } from './live-agents.service';
import { Idempotent } from '../../infrastructure/idempotency/idempotent.decorator';

const E = ErrorCode;
const WRITE_PROBLEMS = [E.VALIDATION_FAILED, E.MALFORMED_REQUEST, E.PAYLOAD_TOO_LARGE, E.INVALID_SUB_AGENTS, E.ACCESS_LOCKOUT, E.NOT_RUNNABLE] as const;
const ApiUidParam = () => ApiParam({ name: 'uid', required: true, schema: { type: 'string', format: 'uuid' }, description: "The agent's UUID (`uid` on /api/v1)." });
const CHAT_EXAMPLES = {
  update: {
    summary: 'Rename, new system prompt, live',
    value: { fullName: 'Tier-1 Support — Updated', systemPrompt: 'You specialize in billing, returns, and account access. Be brief.', isActive: true },
  },
};

/** Seed 001's API shape (`/v2/chat/agents`): thin translations onto the agent use cases; writes go live. */
@ApiTags('Chat agents (v2 compatibility)')
@Controller('v2/chat/agents')
export class ChatAgentsController {
  constructor(private readonly agents: LiveAgentsService) {}

  @Get()
  @ApiOperation({ summary: 'List chat agents', description: 'The agents the caller can use, newest first, in keyset pages.' })
  @ApiOkResponse({ type: ChatAgentListDto })
  @ApiProblems(E.UNAUTHENTICATED, E.VALIDATION_FAILED, E.DATABASE_UNAVAILABLE)
  async listChatAgents(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto): Promise<ChatAgentListDto> {
    const { agents, nextPageToken } = await this.agents.list(principal, query);
    return { agents: agents.map(toChatAgent), nextPageToken };
  }

  @Idempotent({ answerIsResult: false })
  @Post()
  @ApiOperation({ summary: 'Create a chat agent', description: '`fullName` is required. With `isActive: true` it is deployed at once.' })
  @ApiBody({ type: ChatAgentCreateDto, examples: { create: { summary: 'A support agent, live', value: { fullName: 'Customer Support Bot', systemPrompt: 'You are a helpful support agent for Acme Inc.', language: 'en', isActive: true } } } })
  @ApiCreatedResponse({ type: ChatAgentDto })
  @ApiProblems(E.UNAUTHENTICATED, E.DATABASE_UNAVAILABLE, ...WRITE_PROBLEMS)
  async createChatAgent(@CurrentPrincipal() principal: Principal, @Body() body: ChatAgentCreateDto): Promise<ChatAgentDto> {
    const subAgents = body.subAgents && (await this.agents.subAgentIds(principal, body.subAgents.map((s) => s.agentId)));
    return toChatAgent(await this.agents.create(principal, chatRequestToWrite(body, subAgents)));
  }

  @Get(':uid')
  @ApiUidParam()
  @ApiOperation({ summary: 'Get a chat agent', description: 'Its live content, with `agentTools` to merge from when updating tools.' })
  @ApiOkResponse({ type: ChatAgentDto })
  @ApiProblems(...AGENT_ROUTE_PROBLEMS)
  async getChatAgent(@CurrentPrincipal() principal: Principal, @Param('uid', AgentUidPipe) ref: AgentRef): Promise<ChatAgentDto> {
    return toChatAgent(await this.agents.get(principal, ref));
  }

  @Patch(':uid')
  @ApiUidParam()
  @ApiOperation({
    summary: 'Update a chat agent',
    description: 'Only the fields sent are written, and the write goes live: published as a new version (a pending draft gets the same fields). Tools and sub-agents are replaced, never merged.',
  })
  @ApiBody({ type: ChatAgentRequestDto, examples: CHAT_EXAMPLES })
  @ApiOkResponse({ type: ChatAgentDto })
  @ApiProblems(...AGENT_WRITE_PROBLEMS, ...WRITE_PROBLEMS)
  async updateChatAgent(
    @CurrentPrincipal() principal: Principal,
    @Body() body: ChatAgentRequestDto,
    @Param('uid', AgentUidPipe) ref: AgentRef,
    @IfMatch() ifMatch?: IfMatchCondition,
  ): Promise<ChatAgentDto> {
    const subAgents = body.subAgents && (await this.agents.subAgentIds(principal, body.subAgents.map((s) => s.agentId)));
    return toChatAgent(await this.agents.update(principal, ref, chatRequestToWrite(body, subAgents), ifMatch));
  }

  @Delete(':uid')
  @ApiUidParam()
  @ApiOperation({ summary: 'Delete a chat agent', description: 'Soft delete, as on /api/v1; answers the agent.' })
  @ApiOkResponse({ type: ChatAgentDto })
  @ApiProblems(...AGENT_WRITE_PROBLEMS)
  async deleteChatAgent(@CurrentPrincipal() principal: Principal, @Param('uid', AgentUidPipe) ref: AgentRef, @IfMatch() ifMatch?: IfMatchCondition): Promise<ChatAgentDto> {
    return toChatAgent(await this.agents.remove(principal, ref, ifMatch));
  }
}
