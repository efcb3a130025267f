import fc from 'fast-check';
import { evaluateAccess } from '../../access/domain/access.policy';
import { AccessConfig } from '../../access/domain/access-config';
import { Principal } from '../../auth/domain/principal';
import { EVENT_TYPE_NAMES, EventType } from './event-types';
import { accessNeededFor, canSeeEvent, TYPES_SEEN_WITH_USE } from './event-visibility';

const ORG = 'org-1';
const member = (subject: string, groups: string[] = []): Principal => ({ orgId: ORG, subject, groups, isOrgAdmin: false });
const event = (type: EventType, extra: { orgId?: string; agentId?: number | null; actor?: string } = {}) => ({
  type,
  orgId: extra.orgId ?? ORG,
  agentId: extra.agentId === undefined ? 7 : extra.agentId,
  actor: { subject: extra.actor ?? 'user:someone', kind: 'user' as const },
});
const config = (orgAccess: AccessConfig['orgAccess'], grants: AccessConfig['grants'] = []): AccessConfig => ({ owner: 'user:owner', orgAccess, grants });
const rightsOf = (principal: Principal, accessConfig: AccessConfig) => evaluateAccess(principal, { orgId: ORG, accessConfig });

describe('accessNeededFor', () => {
  it('lets users of an agent see its runs and schedule, and only its managers the rest', () => {
    expect(TYPES_SEEN_WITH_USE).toEqual(EVENT_TYPE_NAMES.filter((type) => /^(run|schedule)\./.test(type)));
    expect(accessNeededFor('run.started')).toBe('use');
    expect(accessNeededFor('schedule.tick_missed')).toBe('use');
    expect(accessNeededFor('agent.updated')).toBe('manage');
    expect(accessNeededFor('agent.access_changed')).toBe('manage');
  });
});

describe('canSeeEvent', () => {
  const useGrant = config('none', [{ principal: 'group:ops', access: 'use' }]);

  it("shows an org admin everything of the org, and nobody anything of another org's", () => {
    const admin = { ...member('user:admin'), isOrgAdmin: true };
    fc.assert(
      fc.property(fc.constantFrom(...EVENT_TYPE_NAMES), fc.boolean(), (type, sameOrg) => {
        const e = event(type, { orgId: sameOrg ? ORG : 'org-2', actor: 'user:admin' });
        expect(canSeeEvent(admin, e, undefined)).toBe(sameOrg);
        expect(canSeeEvent(member('user:admin'), e, rightsOf(member('user:admin'), config('manage')))).toBe(sameOrg);
      }),
    );
  });

  it("shows a member with use the agent's run and schedule events, not its configuration", () => {
    const ops = member('user:ann', ['ops']);
    expect(canSeeEvent(ops, event('run.succeeded'), rightsOf(ops, useGrant))).toBe(true);
    expect(canSeeEvent(ops, event('schedule.tick_skipped'), rightsOf(ops, useGrant))).toBe(true);
    expect(canSeeEvent(ops, event('agent.updated'), rightsOf(ops, useGrant))).toBe(false);
    expect(canSeeEvent(ops, event('agent.access_changed'), rightsOf(ops, useGrant))).toBe(false);
  });

  it("shows a member who manages the agent all of its events, and its owner too", () => {
    const bob = member('user:bob');
    const manages = config('none', [{ principal: 'user:bob', access: 'manage' }]);
    for (const type of EVENT_TYPE_NAMES) {
      expect(canSeeEvent(bob, event(type), rightsOf(bob, manages))).toBe(true);
      expect(canSeeEvent(member('user:owner'), event(type), rightsOf(member('user:owner'), config('none')))).toBe(true);
    }
  });

  it('shows a member their own actions, on any agent or none, and nothing else without access', () => {
    const carol = member('apikey:k1');
    expect(canSeeEvent(carol, event('api_key.created', { agentId: null, actor: 'apikey:k1' }), undefined)).toBe(true);
    expect(canSeeEvent(carol, event('agent.updated', { actor: 'apikey:k1' }), rightsOf(carol, config('none')))).toBe(true);
    expect(canSeeEvent(carol, event('api_key.created', { agentId: null }), undefined)).toBe(false);
    expect(canSeeEvent(carol, event('run.started'), rightsOf(carol, config('none')))).toBe(false);
    expect(canSeeEvent(carol, event('run.started'), undefined)).toBe(false);
  });

  it('never shows more than the access policy gives: without use nothing of the agent, without manage only runs and schedule', () => {
    const principals = fc.record({ orgId: fc.constant(ORG), subject: fc.constantFrom('user:ann', 'user:bob', 'apikey:k1'), groups: fc.subarray(['ops', 'sales']), isOrgAdmin: fc.constant(false) });
    const grant = fc.record({ principal: fc.constantFrom('user:ann', 'user:bob', 'apikey:k1', 'group:ops', 'group:sales'), access: fc.constantFrom('use' as const, 'manage' as const) });
    const configs = fc.record({ owner: fc.constantFrom('user:owner', 'user:ann'), orgAccess: fc.constantFrom('none' as const, 'use' as const, 'manage' as const), grants: fc.array(grant, { maxLength: 3 }) });
    fc.assert(
      fc.property(principals, configs, fc.constantFrom(...EVENT_TYPE_NAMES), (principal, accessConfig, type) => {
        const rights = rightsOf(principal, accessConfig);
        const seen = canSeeEvent(principal, event(type), rights);
        expect(seen).toBe(accessNeededFor(type) === 'use' ? rights.canUse : rights.canManage);
      }),
    );
  });
});
