import fc from 'fast-check';
import { principalFor } from '../../../../test/support/principals';
import { Principal } from '../../auth/domain/principal';
import { AccessConfig, AccessLevel, Grant, OrgAccess } from './access-config';
import { accessPrincipalsFor, checkLockout, evaluateAccess } from './access.policy';

// Small pools so that generated callers and grants actually collide.
const ORGS = ['org-1', 'org-2'];
const SUBJECTS = ['user:ann', 'user:bob', 'apikey:k1', 'apikey:k2'];
const GROUPS = ['sales', 'ops', 'ann'];

const orgAccess = fc.constantFrom<OrgAccess>('none', 'use', 'manage');
const accessLevel = fc.constantFrom<AccessLevel>('use', 'manage');
const grantPrincipal = fc.oneof(fc.constantFrom(...SUBJECTS), fc.constantFrom(...GROUPS).map((g) => `group:${g}`));
const grant: fc.Arbitrary<Grant> = fc.record({ principal: grantPrincipal, access: accessLevel });
const accessConfig: fc.Arbitrary<AccessConfig> = fc.record({
  owner: fc.constantFrom(...SUBJECTS),
  orgAccess,
  grants: fc.array(grant, { maxLength: 6 }),
});
const principal: fc.Arbitrary<Principal> = fc.record({
  orgId: fc.constantFrom(...ORGS),
  subject: fc.constantFrom(...SUBJECTS),
  groups: fc.subarray(GROUPS),
  isOrgAdmin: fc.boolean(),
});
const agent = fc.record({ orgId: fc.constantFrom(...ORGS), accessConfig });

const ORG = 'org-1';
const member = (subject: string, groups: string[] = []) => principalFor(ORG, subject, { groups });

describe('evaluateAccess', () => {
  it('gives a principal from another org nothing', () => {
    fc.assert(
      fc.property(principal, agent, (p, a) => {
        fc.pre(p.orgId !== a.orgId);
        expect(evaluateAccess(p, a)).toEqual({ canUse: false, canManage: false });
      }),
    );
  });

  it('gives the owner both', () => {
    fc.assert(
      fc.property(principal, accessConfig, (p, config) => {
        const owned = { ...config, owner: p.subject };
        expect(evaluateAccess(p, { orgId: p.orgId, accessConfig: owned })).toEqual({ canUse: true, canManage: true });
      }),
    );
  });

  it('gives org admins both', () => {
    fc.assert(
      fc.property(principal, accessConfig, (p, config) => {
        expect(evaluateAccess({ ...p, isOrgAdmin: true }, { orgId: p.orgId, accessConfig: config })).toEqual({ canUse: true, canManage: true });
      }),
    );
  });

  it('never grants manage without use', () => {
    fc.assert(
      fc.property(principal, agent, (p, a) => {
        const { canUse, canManage } = evaluateAccess(p, a);
        expect(!canManage || canUse).toBe(true);
      }),
    );
  });

  it('never takes access away when a grant is added', () => {
    fc.assert(
      fc.property(principal, agent, grant, fc.nat(), (p, a, added, position) => {
        const grants = [...a.accessConfig.grants];
        grants.splice(position % (grants.length + 1), 0, added);
        const before = evaluateAccess(p, a);
        const after = evaluateAccess(p, { ...a, accessConfig: { ...a.accessConfig, grants } });
        expect(!before.canUse || after.canUse).toBe(true);
        expect(!before.canManage || after.canManage).toBe(true);
      }),
    );
  });

  it('matches a grant exactly when its principal is in accessPrincipalsFor', () => {
    fc.assert(
      fc.property(principal, grant, (p, g) => {
        const caller = { ...p, isOrgAdmin: false };
        fc.pre(caller.subject !== 'user:owner');
        const config: AccessConfig = { owner: 'user:owner', orgAccess: 'none', grants: [g] };
        const { canUse } = evaluateAccess(caller, { orgId: caller.orgId, accessConfig: config });
        expect(canUse).toBe(accessPrincipalsFor(caller).includes(g.principal));
      }),
    );
  });

  it('takes the highest of orgAccess and the matching grants', () => {
    const config: AccessConfig = {
      owner: 'user:owner',
      orgAccess: 'use',
      grants: [
        { principal: 'group:sales', access: 'manage' },
        { principal: 'user:ann', access: 'use' },
      ],
    };
    expect(evaluateAccess(member('user:ann', ['sales']), { orgId: ORG, accessConfig: config })).toEqual({ canUse: true, canManage: true });
    expect(evaluateAccess(member('user:ann'), { orgId: ORG, accessConfig: config })).toEqual({ canUse: true, canManage: false });
    expect(evaluateAccess(member('user:bob'), { orgId: ORG, accessConfig: { ...config, orgAccess: 'none' } })).toEqual({
      canUse: false,
      canManage: false,
    });
  });

  it('does not confuse a user with a group of the same name', () => {
    const config: AccessConfig = { owner: 'user:owner', orgAccess: 'none', grants: [{ principal: 'group:ann', access: 'manage' }] };
    expect(evaluateAccess(member('user:ann'), { orgId: ORG, accessConfig: config }).canUse).toBe(false);
  });
});

describe('accessPrincipalsFor', () => {
  it('lists the subject and each group', () => {
    expect(accessPrincipalsFor(member('apikey:k1', ['sales', 'ops']))).toEqual(['apikey:k1', 'group:sales', 'group:ops']);
  });
});

describe('checkLockout', () => {
  it('accepts only changes that leave the caller with use and manage', () => {
    fc.assert(
      fc.property(principal, agent, accessConfig, (p, a, next) => {
        const after = evaluateAccess(p, { orgId: a.orgId, accessConfig: next });
        const verdict = checkLockout(p, a, next);
        if (verdict === null) expect(after).toEqual({ canUse: true, canManage: true });
        expect(verdict !== null).toBe(!after.canUse || !after.canManage);
      }),
    );
  });

  const sales = member('user:ann', ['sales']);
  const current: AccessConfig = { owner: 'user:owner', orgAccess: 'use', grants: [{ principal: 'group:sales', access: 'manage' }] };

  it('rejects removing the group grant the caller manages through', () => {
    expect(checkLockout(sales, { orgId: ORG, accessConfig: current }, { ...current, grants: [] })).toEqual({ lost: ['manage'] });
  });

  it('rejects lowering orgAccess to none when the caller relies on it', () => {
    const open: AccessConfig = { owner: 'user:owner', orgAccess: 'manage', grants: [] };
    expect(checkLockout(member('user:bob'), { orgId: ORG, accessConfig: open }, { ...open, orgAccess: 'none' })).toEqual({
      lost: ['use', 'manage'],
    });
  });

  it('rejects downgrading the caller’s own user grant to use', () => {
    const mine: AccessConfig = { owner: 'user:owner', orgAccess: 'none', grants: [{ principal: 'user:bob', access: 'manage' }] };
    const next: AccessConfig = { ...mine, grants: [{ principal: 'user:bob', access: 'use' }] };
    expect(checkLockout(member('user:bob'), { orgId: ORG, accessConfig: mine }, next)).toEqual({ lost: ['manage'] });
  });

  it('allows removing a grant when another still gives manage', () => {
    const both: AccessConfig = { ...current, grants: [...current.grants, { principal: 'user:ann', access: 'manage' }] };
    expect(checkLockout(sales, { orgId: ORG, accessConfig: both }, { ...both, grants: [{ principal: 'user:ann', access: 'manage' }] })).toBeNull();
  });

  it('lets the owner and org admins lock everyone else out', () => {
    const closed: AccessConfig = { owner: 'user:owner', orgAccess: 'none', grants: [] };
    expect(checkLockout(member('user:owner'), { orgId: ORG, accessConfig: current }, closed)).toBeNull();
    expect(checkLockout({ ...sales, isOrgAdmin: true }, { orgId: ORG, accessConfig: current }, closed)).toBeNull();
  });
});
