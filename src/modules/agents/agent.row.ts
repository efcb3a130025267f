import { AccessControlled } from '../access/domain/access.policy';
import { Grant, OrgAccess } from '../access/domain/access-config';
import { AgentStatus } from './domain/agent-status';
import { NotificationConfig } from './domain/notification-config';
import { AgentType } from '../variation-store/domain/variation-content';

/** An agent as stored; `name`, `type` and `description` mirror the draft view for listing and search. */
export interface AgentRow {
  id: number;
  uid: string;
  orgId: string;
  slug: string;
  status: AgentStatus;
  name: string;
  type: AgentType;
  description: string | null;
  owner: string;
  orgAccess: OrgAccess;
  grants: Grant[];
  notificationConfig: NotificationConfig | null;
  isScheduleActive: boolean;
  /** Timestamps are Dates, or the API's ISO text where a read keeps them so (a page: ISO_TIMESTAMPS); read them with `new Date()` or isoOf. */
  nextRunAt: Date | string | null;
  activeVariationId: string | null;
  draftVariationId: string | null;
  hasUnpublishedChanges: boolean;
  latestVersion: number;
  version: number;
  runsCount: number;
  createdBy: string;
  createdAt: Date | string;
  updatedAt: Date | string;
  deletedAt: Date | string | null;
  /** The transfer awaiting its recipient; expired ones count as absent. */
  pendingOwnershipTransfer: PendingTransferRow | null;
}

/** The agent as the access policy and guard see it: the one adapter from the row to access. */
export function accessOf(agent: AgentRow): AccessControlled {
  return { orgId: agent.orgId, accessConfig: { owner: agent.owner, orgAccess: agent.orgAccess, grants: agent.grants } };
}

export interface PendingTransferRow {
  id: string;
  from: string;
  to: string;
  requestedAt: string;
  expiresAt: string;
}

/**
 * The agent columns a use case may change; the repository bumps `version` and `updated_at` itself.
 * `digestDueAt` can only be cleared: the digest sweep then plans the next one afresh.
 */
export type AgentChanges = { digestDueAt?: null } & Partial<
  Pick<
    AgentRow,
    | 'status'
    | 'name'
    | 'type'
    | 'description'
    | 'owner'
    | 'orgAccess'
    | 'notificationConfig'
    | 'isScheduleActive'
    | 'nextRunAt'
    | 'activeVariationId'
    | 'draftVariationId'
    | 'hasUnpublishedChanges'
    | 'latestVersion'
    | 'deletedAt'
  >
>;
