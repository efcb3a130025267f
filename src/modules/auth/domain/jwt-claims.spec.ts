import { principalFromClaims } from './jwt-claims';

const ORG = '00000000-0000-0000-0000-000000000001';

describe('principalFromClaims', () => {
  it('builds a member principal with groups', () => {
    expect(principalFromClaims({ sub: 'user_1', org_id: ORG, org_role: 'org:member', groups: ['sales'] })).toEqual({
      principal: { orgId: ORG, subject: 'user:user_1', groups: ['sales'], isOrgAdmin: false },
    });
  });

  it('recognises org admins and defaults groups to none', () => {
    expect(principalFromClaims({ sub: 'a', org_id: ORG, org_role: 'org:admin' })).toEqual({
      principal: { orgId: ORG, subject: 'user:a', groups: [], isOrgAdmin: true },
    });
  });

  it.each([
    [{ org_id: ORG }, /sub/],
    [{ sub: 'a' }, /org_id/],
    [{ sub: 'a', org_id: 'acme' }, /org_id/],
    [{ sub: 'a', org_id: ORG, org_role: 'owner' }, /org_role/],
    [{ sub: 'a', org_id: ORG, groups: 'sales' }, /groups/],
    [{ sub: 'a', org_id: ORG, groups: [''] }, /groups/],
  ])('rejects %j', (claims, problem) => {
    const result = principalFromClaims(claims);
    expect('problem' in result && result.problem).toMatch(problem);
  });
});
