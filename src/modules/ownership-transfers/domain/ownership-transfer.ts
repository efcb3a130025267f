import { Principal } from '../../auth/domain/principal';
import { AccessConfig, Grant } from '../../access/domain/access-config';

export const TRANSFER_RECIPIENT = /^user:[^\s]{1,200}$/;

export interface TransferParties {
  requestedBy: string;
  to: string;
}

/** Only the owner or an org admin may give an agent away. */
export function mayRequestTransfer(principal: Principal, owner: string): boolean {
  return principal.isOrgAdmin || principal.subject === owner;
}

export function mayCancelTransfer(principal: Principal, owner: string, transfer: TransferParties): boolean {
  return principal.isOrgAdmin || principal.subject === owner || principal.subject === transfer.requestedBy;
}

export function isRecipient(principal: Principal, transfer: TransferParties): boolean {
  return principal.subject === transfer.to;
}

/**
 * The access config after the recipient accepts: they own the agent, and the previous owner keeps
 * a manage grant so the hand-over never locks anyone out. A grant for the new owner is redundant and dropped.
 */
export function accessAfterTransfer(config: AccessConfig, to: string): AccessConfig {
  const previousOwner = config.owner;
  const grants: Grant[] = config.grants.filter((g) => g.principal !== to && g.principal !== previousOwner);
  return { owner: to, orgAccess: config.orgAccess, grants: [...grants, { principal: previousOwner, access: 'manage' }] };
}
