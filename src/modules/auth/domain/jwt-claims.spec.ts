import { principalFromClaims, tokenRefusedFrom } from './jwt-claims';

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

describe('tokenRefusedFrom', () => {
  it('is exp plus the skew, the first whole second jose refuses', () => {
    expect(tokenRefusedFrom({ exp: 1000, iat: 900 }, { skewSeconds: 60 })).toBe(1_060_000);
    expect(tokenRefusedFrom({ exp: 1000.5 }, { skewSeconds: 0 })).toBe(1_001_000);
  });

  it('is the second after the maximum age plus the skew has passed, when that comes first', () => {
    expect(tokenRefusedFrom({ exp: 5000, iat: 1000 }, { skewSeconds: 60, maxAgeSeconds: 300 })).toBe(1_361_000);
    expect(tokenRefusedFrom({ exp: 1100, iat: 1000 }, { skewSeconds: 0, maxAgeSeconds: 300 })).toBe(1_100_000);
  });

  it('never lapses without exp or (with a maximum age) iat', () => {
    expect(tokenRefusedFrom({}, { skewSeconds: 60, maxAgeSeconds: 300 })).toBe(Infinity);
  });
});
