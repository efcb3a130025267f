import { DomainError } from '../../common/errors/domain-error';
import { ErrorCode } from '../../common/errors/error-code';
import { codeOf } from '../../../test/support/errors';
import { principalFor } from '../../../test/support/principals';
import { guardAccessConfigEdit, requireAccess } from './access.guard';

const ORG = '00000000-0000-0000-0000-000000000001';
const agent = { orgId: ORG, accessConfig: { owner: 'user:owner', orgAccess: 'use' as const, grants: [] } };
const member = principalFor(ORG, 'user:m');

describe('requireAccess', () => {
  it('lets users use but not manage', () => {
    expect(requireAccess(member, agent, 'use')).toEqual({ canUse: true, canManage: false });
    expect(codeOf(() => requireAccess(member, agent, 'manage'))).toBe(ErrorCode.FORBIDDEN);
  });

  it('hides the agent from callers without use, and from other orgs', () => {
    const closed = { ...agent, accessConfig: { ...agent.accessConfig, orgAccess: 'none' as const } };
    expect(codeOf(() => requireAccess(member, closed, 'use'))).toBe(ErrorCode.NOT_FOUND);
    expect(codeOf(() => requireAccess({ ...member, orgId: '00000000-0000-0000-0000-000000000002' }, agent, 'use'))).toBe(ErrorCode.NOT_FOUND);
  });

  it('answers a hidden agent with the 404 of what was asked for through it (a run)', () => {
    const closed = { ...agent, accessConfig: { ...agent.accessConfig, orgAccess: 'none' as const } };
    const noSuchRun = () => new DomainError(ErrorCode.NOT_FOUND, 'No such run.');
    expect(() => requireAccess(member, closed, 'use', noSuchRun)).toThrow('No such run.');
    expect(codeOf(() => requireAccess(member, agent, 'manage', noSuchRun))).toBe(ErrorCode.FORBIDDEN);
  });
});

describe('guardAccessConfigEdit', () => {
  const grantee = { ...member, subject: 'user:g' };
  const shared = { orgId: ORG, accessConfig: { owner: 'user:owner', orgAccess: 'none' as const, grants: [{ principal: 'user:g', access: 'manage' as const }] } };

  it('refuses with ACCESS_LOCKOUT an edit that takes away the author’s own manage access', () => {
    const next = { ...shared.accessConfig, grants: [{ principal: 'user:g', access: 'use' as const }] };
    expect(codeOf(() => guardAccessConfigEdit(grantee, shared, next))).toBe(ErrorCode.ACCESS_LOCKOUT);
  });

  it('lets an edit through that keeps the author in, and the owner whatever it says', () => {
    const next = { ...shared.accessConfig, orgAccess: 'manage' as const, grants: [] };
    expect(codeOf(() => guardAccessConfigEdit(grantee, shared, next))).toBeNull();
    expect(codeOf(() => guardAccessConfigEdit({ ...member, subject: 'user:owner' }, shared, { ...shared.accessConfig, grants: [] }))).toBeNull();
  });
});
