import { DomainError } from '../../../common/errors/domain-error';
import { ErrorCode } from '../../../common/errors/error-code';
import { requireAccess } from './require-access';

const ORG = '00000000-0000-0000-0000-000000000001';
const agent = { orgId: ORG, accessConfig: { owner: 'user:owner', orgAccess: 'use' as const, grants: [] } };
const member = { orgId: ORG, subject: 'user:m', groups: [], isOrgAdmin: false };

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return null;
  } catch (error) {
    return (error as DomainError).code;
  }
};

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
});
