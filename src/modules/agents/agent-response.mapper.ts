import { isoOf, isoOrNull } from '../../common/http/iso-date';
import { AccessRights } from '../access/domain/access.policy';
import { VariationView } from '../variation-store/variation.row';
import { AgentRow, PendingTransferRow } from './agent.row';
import { formatEtag } from './domain/etag';
import { toVariationPayload } from '../variation-store/variation-response.mapper';
import { AgentResponseDto, PendingOwnershipTransferDto } from './dto/agent-response.dto';

/** The one function that decides what of an agent leaves the service. */
export function toAgentResponse(agent: AgentRow, rights: AccessRights, viewed?: VariationView): AgentResponseDto {
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
    nextRunAt: isoOrNull(agent.nextRunAt),
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
    createdAt: isoOf(agent.createdAt),
    updatedAt: isoOf(agent.updatedAt),
    deletedAt: isoOrNull(agent.deletedAt),
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
