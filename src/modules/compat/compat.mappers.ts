import { isoOf } from '../../common/http/iso-date';
import { LiveAgent, LiveWrite } from './live-agents.service';
import { ApiAgentDto, ApiAgentUpdateDto } from './dto/api-agent.dto';
import { ChatAgentDto, ChatAgentRequestDto } from './dto/chat-agent.dto';
import { notificationConfigFrom } from './seed-notification-config';

/** Seed 001 field → `/api/v1` field, for what is renamed; the rest keep their names. */
const CHAT_FIELDS: Record<string, string> = { fullName: 'name', systemPrompt: 'instructions' };
const CHAT_PASSTHROUGH = ['description', 'role', 'language', 'specialInstructions', 'modelId', 'tools'] as const;

/** A seed 001 request in Agentry's terms; sub-agents are given already resolved from UUIDs to ids. */
export function chatRequestToWrite(body: ChatAgentRequestDto, subAgents?: { agentId: number }[]): LiveWrite {
  const fields: Record<string, unknown> = {};
  for (const [from, to] of Object.entries(CHAT_FIELDS)) if (body[from as keyof ChatAgentRequestDto] !== undefined) fields[to] = body[from as keyof ChatAgentRequestDto];
  for (const field of CHAT_PASSTHROUGH) if (body[field] !== undefined) fields[field] = body[field];
  if (subAgents) fields.subAgents = subAgents;
  return {
    fields,
    ...(body.voiceEnabled !== undefined || body.voicePipelineMode !== undefined ? { voice: { enabled: body.voiceEnabled, pipelineMode: body.voicePipelineMode } } : {}),
    ...(body.isPublic !== undefined ? { isPublic: body.isPublic } : {}),
    ...(body.isActive !== undefined ? { activation: body.isActive ? 'active' : 'paused' } : {}),
  };
}

export function toChatAgent({ agent, content, uidOf }: LiveAgent): ChatAgentDto {
  return {
    id: agent.uid,
    fullName: content.name,
    description: content.description,
    role: content.role,
    language: content.language,
    systemPrompt: content.instructions,
    specialInstructions: content.specialInstructions,
    voiceEnabled: content.voice.enabled,
    voicePipelineMode: content.voice.pipelineMode,
    isActive: agent.status === 'active',
    isPublic: agent.orgAccess !== 'none',
    orgId: agent.orgId,
    modelId: content.modelId,
    agentTools: content.tools.map((tool) => ({ tool: { id: tool.toolId }, config: tool.config ?? {} })),
    subAgents: content.subAgents.map((sub) => ({ agentId: uidOf.get(sub.agentId) ?? String(sub.agentId) })),
    createdAt: isoOf(agent.createdAt),
    updatedAt: isoOf(agent.updatedAt),
  };
}

/** camelCase field paths (as `/api/v1` reports them) in seed 002's snake_case, e.g. `notificationConfig.slackChannelId`. */
export const snakeCasePath = (path: string): string => path.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

export function apiRequestToWrite(body: ApiAgentUpdateDto): LiveWrite {
  const fields: Record<string, unknown> = {};
  for (const field of ['name', 'description', 'instructions'] as const) if (body[field] !== undefined) fields[field] = body[field];
  if (body.notification_config !== undefined) fields.notificationConfig = notificationConfigFrom(body.notification_config);
  return { fields, ...(body.status !== undefined ? { activation: body.status } : {}) };
}

export function toApiAgent({ agent, content }: LiveAgent): ApiAgentDto {
  const notification = agent.notificationConfig;
  return {
    uid: agent.uid,
    organization_uid: agent.orgId,
    agent_type: content.type,
    name: content.name,
    description: content.description,
    instructions: content.instructions,
    status: agent.status,
    created_by_uid: agent.createdBy,
    notification_config: notification && {
      slack_channel_id: notification.slackChannelId,
      events: Object.fromEntries(Object.entries(notification.events).map(([key, on]) => [snakeCasePath(key), on])),
    },
    runs_count: agent.runsCount,
    created_on: isoOf(agent.createdAt),
    updated_on: isoOf(agent.updatedAt),
    triggers: content.trigger ? [content.trigger as Record<string, unknown>] : [],
    tools: content.tools.map((tool) => ({ tool_id: tool.toolId, config: tool.config ?? {} })),
  };
}
