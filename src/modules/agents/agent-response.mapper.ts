import { AccessRights } from '../access/domain/access.policy';
import { VariationRow } from '../variations/variation.row';
import { AgentRow, PendingTransferRow } from './agent.row';
import { formatEtag } from './domain/etag';
import { AgentResponseDto, PendingOwnershipTransferDto, VariationDetailDto, VariationPayloadDto, VariationSummaryDto } from './dto/agent-response.dto';

const iso = (date: Date | null): string | null => (date ? new Date(date).toISOString() : null);

/** The one function that decides what of an agent leaves the service. */
export function toAgentResponse(agent: AgentRow, rights: AccessRights, viewed?: VariationRow): AgentResponseDto {
  const shown = viewed?.content;
  const transfer = agent.pendingOwnershipTransfer;
  return {
    id: agent.id,
    uid: agent.uid,
    slug: agent.slug,
    name: shown?.name ?? agent.name,
    type: shown?.type ?? agent.type,
    status: agent.status,
    orgId: agent.orgId,
    description: shown ? shown.description : agent.description,
    hasUnpublishedChanges: agent.hasUnpublishedChanges,
    isScheduleActive: agent.isScheduleActive,
    nextRunAt: iso(agent.nextRunAt),
    accessConfig: { owner: agent.owner, orgAccess: agent.orgAccess, grants: agent.grants },
    notificationConfig: agent.notificationConfig,
    canManage: rights.canManage,
    canUse: rights.canUse,
    activeVariationId: agent.activeVariationId,
    draftVariationId: agent.draftVariationId,
    runsCount: agent.runsCount,
    ...(viewed ? { variation: toVariationPayload(viewed) } : {}),
    ...(transfer ? { pendingOwnershipTransfer: toPendingTransfer(transfer) } : {}),
    etag: formatEtag(agent.version),
    createdAt: new Date(agent.createdAt).toISOString(),
    updatedAt: new Date(agent.updatedAt).toISOString(),
    deletedAt: iso(agent.deletedAt),
  };
}

function toPendingTransfer(transfer: PendingTransferRow): PendingOwnershipTransferDto {
  return {
    id: transfer.id,
    from: transfer.from,
    to: transfer.to,
    requestedAt: new Date(transfer.requestedAt).toISOString(),
    expiresAt: new Date(transfer.expiresAt).toISOString(),
  };
}

export function toVariationPayload(variation: VariationRow): VariationPayloadDto {
  const { content } = variation;
  return {
    id: variation.id,
    version: variation.version,
    state: variation.state,
    trigger: content.trigger as Record<string, unknown> | null,
    agentSelection: content.agentSelection,
    workflowStructure: content.workflowStructure,
    instructions: content.instructions,
    role: content.role,
    language: content.language,
    specialInstructions: content.specialInstructions,
    modelId: content.modelId,
    voice: content.voice,
    tools: content.tools,
    subAgents: content.subAgents,
  };
}

export function toVariationSummary(variation: VariationRow): VariationSummaryDto {
  return {
    id: variation.id,
    version: variation.version,
    state: variation.state,
    name: variation.content.name,
    type: variation.content.type,
    createdBy: variation.createdBy,
    createdAt: new Date(variation.createdAt).toISOString(),
    updatedAt: new Date(variation.updatedAt).toISOString(),
    publishedAt: iso(variation.publishedAt),
  };
}

export function toVariationDetail(variation: VariationRow): VariationDetailDto {
  return {
    ...toVariationPayload(variation),
    name: variation.content.name,
    type: variation.content.type,
    description: variation.content.description,
    createdBy: variation.createdBy,
    createdAt: new Date(variation.createdAt).toISOString(),
    updatedAt: new Date(variation.updatedAt).toISOString(),
    publishedAt: iso(variation.publishedAt),
  };
}
