import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';

/** The Ownership transfers module's errors, one factory each; the problem+json map gives them their status. */
export const transferErrors = {
  transferForbidden: () => new DomainError(ErrorCode.FORBIDDEN, 'Only the owner or an organization admin can transfer ownership.'),
  alreadyOwner: (to: string) => new DomainError(ErrorCode.UNPROCESSABLE, `${to} already owns this agent.`),
  transferPending: () => new DomainError(ErrorCode.TRANSFER_PENDING, 'A transfer of this agent is already pending; cancel it first.'),
  noTransferForYou: () => new DomainError(ErrorCode.NOT_FOUND, 'No pending ownership transfer of this agent concerns you.'),
  noPendingTransfer: () => new DomainError(ErrorCode.NOT_FOUND, 'No ownership transfer of this agent is pending.'),
  cancelForbidden: () => new DomainError(ErrorCode.FORBIDDEN, 'Only the requester, the owner or an organization admin can cancel this transfer.'),
};
