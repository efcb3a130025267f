import { principalFor } from '../../../../test/support/principals';
import { accessAfterTransfer, isRecipient, mayCancelTransfer, mayRequestTransfer, TRANSFER_RECIPIENT } from './ownership-transfer';

const ORG = '00000000-0000-0000-0000-000000000001';
const who = (subject: string, isOrgAdmin = false) => principalFor(ORG, subject, { admin: isOrgAdmin });

describe('ownership transfer rules', () => {
  it('lets the owner or an org admin request, nobody else', () => {
    expect(mayRequestTransfer(who('user:owner'), 'user:owner')).toBe(true);
    expect(mayRequestTransfer(who('user:admin', true), 'user:owner')).toBe(true);
    expect(mayRequestTransfer(who('user:manager'), 'user:owner')).toBe(false);
  });

  it('lets the requester, the owner or an admin cancel; only the recipient answer', () => {
    const transfer = { requestedBy: 'user:admin', to: 'user:bob' };
    expect(mayCancelTransfer(who('user:admin'), 'user:owner', transfer)).toBe(true);
    expect(mayCancelTransfer(who('user:owner'), 'user:owner', transfer)).toBe(true);
    expect(mayCancelTransfer(who('user:bob'), 'user:owner', transfer)).toBe(false);
    expect(isRecipient(who('user:bob'), transfer)).toBe(true);
    expect(isRecipient(who('user:owner'), transfer)).toBe(false);
  });

  it('makes the recipient owner and leaves the previous owner a manage grant', () => {
    const after = accessAfterTransfer(
      { owner: 'user:alice', orgAccess: 'use', grants: [{ principal: 'user:bob', access: 'use' }, { principal: 'group:sales', access: 'manage' }] },
      'user:bob',
    );
    expect(after).toEqual({
      owner: 'user:bob',
      orgAccess: 'use',
      grants: [{ principal: 'group:sales', access: 'manage' }, { principal: 'user:alice', access: 'manage' }],
    });
  });

  it('accepts only user principals as recipients', () => {
    expect(TRANSFER_RECIPIENT.test('user:bob')).toBe(true);
    expect(TRANSFER_RECIPIENT.test('group:sales')).toBe(false);
    expect(TRANSFER_RECIPIENT.test('user:')).toBe(false);
  });
});
