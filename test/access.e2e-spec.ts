import { createAgent, freshOrg, getAgent, patchAgent } from './support/agents';
import { errorFields } from './support/errors';
import { api, ApiResponse, expectProblem } from './support/http';
import { Auth, auth, createApiKey, user } from './support/principals';

/**
 * Issue #4 (Access), end to end: accessConfig validation, canUse/canManage for every kind of caller,
 * the 404/403 guard on every agent route, the lock-out rule and the list filter. Every group of tests
 * works in fresh random orgs so counts and lists are exact.
 */

type Grant = { principal: string; access: 'use' | 'manage' };

const listIds = async (who: Auth, query = ''): Promise<number[]> => {
  const listed = await api('GET', `/api/v1/agents${query}`, auth(who));
  expect(listed.status).toBe(200);
  expect(listed.body.nextPageToken).toBeNull();
  return listed.body.agents.map((a: { id: number }) => a.id);
};
const rightsOf = (response: ApiResponse) => ({ status: response.status, canUse: response.body.canUse, canManage: response.body.canManage });

describe('access: the accessConfig model', () => {
  const org = freshOrg();
  const alice = user(org, 'alice');

  it('defaults to owner = creator, orgAccess none, no grants, and echoes grants in order on create', async () => {
    const plain = await createAgent(alice);
    expect(plain.accessConfig).toEqual({ owner: 'user:alice', orgAccess: 'none', grants: [] });
    expect(plain).toMatchObject({ canUse: true, canManage: true });

    const grants: Grant[] = [
      { principal: 'group:sales', access: 'manage' },
      { principal: 'user:bob', access: 'use' },
      { principal: 'apikey:0b6f5a3e-1d2c-4b5a-9e8f-7a6b5c4d3e2f', access: 'use' },
    ];
    const shared = await createAgent(alice, { accessConfig: { orgAccess: 'use', grants } });
    expect(shared.accessConfig).toEqual({ owner: 'user:alice', orgAccess: 'use', grants });
    expect((await getAgent(alice, shared.id)).body.accessConfig).toEqual({ owner: 'user:alice', orgAccess: 'use', grants });
  });

  it('keeps omitted members of accessConfig on PATCH and replaces grants whole', async () => {
    const agent = await createAgent(alice, { accessConfig: { orgAccess: 'use', grants: [{ principal: 'user:bob', access: 'use' }] } });

    const onlyGrants = await patchAgent(alice, agent.id, { accessConfig: { grants: [{ principal: 'user:carol', access: 'manage' }] } });
    expect(onlyGrants.status).toBe(200);
    expect(onlyGrants.body.accessConfig).toEqual({ owner: 'user:alice', orgAccess: 'use', grants: [{ principal: 'user:carol', access: 'manage' }] });

    const onlyOrgAccess = await patchAgent(alice, agent.id, { accessConfig: { orgAccess: 'manage' } });
    expect(onlyOrgAccess.status).toBe(200);
    expect(onlyOrgAccess.body.accessConfig).toEqual({ owner: 'user:alice', orgAccess: 'manage', grants: [{ principal: 'user:carol', access: 'manage' }] });
    expect(onlyOrgAccess.body).toMatchObject({ canUse: true, canManage: true });
  });

  it('rejects duplicate grant principals with 400 and writes nothing', async () => {
    const agent = await createAgent(alice, { accessConfig: { grants: [{ principal: 'user:bob', access: 'use' }] } });
    const before = await getAgent(alice, agent.id);
    const response = await patchAgent(alice, agent.id, {
      name: 'Should not stick',
      accessConfig: {
        grants: [
          { principal: 'user:carol', access: 'use' },
          { principal: 'group:ops', access: 'use' },
          { principal: 'user:carol', access: 'manage' },
        ],
      },
    });
    const problem = expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(errorFields(problem)).toEqual(['accessConfig.grants[2].principal']);
    const after = await getAgent(alice, agent.id);
    expect(after.body).toEqual(before.body);

    expectProblem(
      await api('POST', '/api/v1/agents', {
        ...auth(alice),
        body: { name: 'Dup', accessConfig: { grants: [{ principal: 'group:x', access: 'use' }, { principal: 'group:x', access: 'use' }] } },
      }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('accepts exactly 200 grants and rejects 201 with 400', async () => {
    const agent = await createAgent(alice);
    const grants = (n: number): Grant[] => Array.from({ length: n }, (_, i) => ({ principal: `user:u${i}`, access: i % 2 ? 'use' : 'manage' }));

    const tooMany = await patchAgent(alice, agent.id, { accessConfig: { grants: grants(201) } });
    const problem = expectProblem(tooMany, 400, 'VALIDATION_FAILED');
    expect(errorFields(problem)).toContain('accessConfig.grants');
    expect((await getAgent(alice, agent.id)).body.accessConfig.grants).toEqual([]);

    const max = await patchAgent(alice, agent.id, { accessConfig: { grants: grants(200) } });
    expect(max.status).toBe(200);
    expect(max.body.accessConfig.grants).toHaveLength(200);
    expect(max.body.accessConfig.grants[199]).toEqual({ principal: 'user:u199', access: 'use' });
    expect((await getAgent(alice, agent.id)).body.accessConfig.grants).toEqual(grants(200));
  });

  it('rejects malformed principals and access levels with 400, naming each offending grant', async () => {
    const agent = await createAgent(alice);
    const response = await patchAgent(alice, agent.id, {
      accessConfig: {
        grants: [
          { principal: 'user:ok', access: 'use' },
          { principal: 'bob', access: 'use' },
          { principal: 'team:sales', access: 'use' },
          { principal: 'user:', access: 'use' },
          { principal: 'user:a b', access: 'use' },
        ],
      },
    });
    const problem = expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(errorFields(problem)).toEqual(
      expect.arrayContaining([
        'accessConfig.grants[1].principal',
        'accessConfig.grants[2].principal',
        'accessConfig.grants[3].principal',
        'accessConfig.grants[4].principal',
      ]),
    );
    expect(errorFields(problem).some((f) => f.startsWith('accessConfig.grants[0]'))).toBe(false);

    const badAccess = await patchAgent(alice, agent.id, { accessConfig: { grants: [{ principal: 'group:fine', access: 'admin' }] } });
    expect(errorFields(expectProblem(badAccess, 400, 'VALIDATION_FAILED'))).toEqual(['accessConfig.grants[0].access']);

    expectProblem(await patchAgent(alice, agent.id, { accessConfig: { orgAccess: 'read' } }), 400, 'VALIDATION_FAILED');
    expect((await getAgent(alice, agent.id)).body.accessConfig).toEqual({ owner: 'user:alice', orgAccess: 'none', grants: [] });
  });

  it('refuses to change the owner through PATCH (400 pointing to ownership transfer) but accepts it unchanged', async () => {
    const agent = await createAgent(alice);
    const before = await getAgent(alice, agent.id);

    const changed = await patchAgent(alice, agent.id, { name: 'Renamed', accessConfig: { owner: 'user:bob' } });
    const problem = expectProblem(changed, 400, 'VALIDATION_FAILED');
    expect(errorFields(problem)).toEqual(['accessConfig.owner']);
    expect(JSON.stringify(problem)).toMatch(/ownership.transfer/i);
    expect((await getAgent(alice, agent.id)).body).toEqual(before.body);

    const unchanged = await patchAgent(alice, agent.id, { name: 'Renamed', accessConfig: { owner: 'user:alice', orgAccess: 'use' } });
    expect(unchanged.status).toBe(200);
    expect(unchanged.body).toMatchObject({ name: 'Renamed', accessConfig: { owner: 'user:alice', orgAccess: 'use', grants: [] } });

    const onCreate = await api('POST', '/api/v1/agents', { ...auth(alice), body: { name: 'Not mine', accessConfig: { owner: 'user:bob' } } });
    expect(errorFields(expectProblem(onCreate, 400, 'VALIDATION_FAILED'))).toEqual(['accessConfig.owner']);
  });
});

describe('access: canUse and canManage for each kind of caller', () => {
  const org = freshOrg();
  const otherOrg = freshOrg();
  const alice = user(org, 'alice');
  let useKey: { id: string; apiKey: string };
  let plainKey: { id: string; apiKey: string };
  let adminKey: { id: string; apiKey: string };
  let agent: any;

  beforeAll(async () => {
    [useKey, plainKey, adminKey] = await Promise.all([createApiKey(org, 'member'), createApiKey(org, 'member'), createApiKey(org, 'admin')]);
    agent = await createAgent(alice, {
      accessConfig: {
        orgAccess: 'none',
        grants: [
          { principal: 'user:bob', access: 'use' },
          { principal: 'user:carol', access: 'manage' },
          { principal: 'group:ops', access: 'use' },
          { principal: 'group:leads', access: 'manage' },
          { principal: `apikey:${useKey.id}`, access: 'use' },
        ],
      },
    });
  });

  it('derives rights from owner, user, group and apikey grants, and org admins', async () => {
    const cases: [string, Auth, { status: number; canUse?: boolean; canManage?: boolean }][] = [
      ['owner', alice, { status: 200, canUse: true, canManage: true }],
      ['user use grant', user(org, 'bob'), { status: 200, canUse: true, canManage: false }],
      ['user manage grant', user(org, 'carol'), { status: 200, canUse: true, canManage: true }],
      ['group use grant', user(org, 'dave', { groups: ['ops'] }), { status: 200, canUse: true, canManage: false }],
      ['group manage grant', user(org, 'erin', { groups: ['leads'] }), { status: 200, canUse: true, canManage: true }],
      ['best of two groups', user(org, 'gina', { groups: ['ops', 'leads'] }), { status: 200, canUse: true, canManage: true }],
      ['use grant + manage group', user(org, 'bob', { groups: ['leads'] }), { status: 200, canUse: true, canManage: true }],
      ['org admin', user(org, 'root', { admin: true }), { status: 200, canUse: true, canManage: true }],
      ['apikey use grant', { apiKey: useKey.apiKey }, { status: 200, canUse: true, canManage: false }],
      ['admin api key', { apiKey: adminKey.apiKey }, { status: 200, canUse: true, canManage: true }],
    ];
    for (const [label, who, expected] of cases) {
      expect({ label, ...rightsOf(await getAgent(who, agent.id)) }).toEqual({ label, ...expected });
    }
  });

  it('hides the agent (404) from members without a grant, from grants the token does not carry, and from other orgs', async () => {
    const denied: [string, Auth][] = [
      ['member without grant', user(org, 'frank')],
      ['group member without the groups claim', user(org, 'erin')],
      ['other group', user(org, 'hank', { groups: ['sales'] })],
      ['group name is not a user grant', user(org, 'leads')],
      ['api key without grant', { apiKey: plainKey.apiKey }],
      ['same sub in another org', user(otherOrg, 'carol', { groups: ['leads'] })],
      ['admin of another org', user(otherOrg, 'root', { admin: true })],
    ];
    for (const [label, who] of denied) {
      const response = await getAgent(who, agent.id);
      expect({ label, status: response.status, code: response.body.code }).toEqual({ label, status: 404, code: 'NOT_FOUND' });
      expectProblem(response, 404, 'NOT_FOUND');
      expect(JSON.stringify(response.body)).not.toContain(agent.name);
    }
    expectProblem(await getAgent(user(otherOrg, 'root', { admin: true }), agent.slug), 404, 'NOT_FOUND');
  });

  it('lets orgAccess set a baseline that grants can only raise', async () => {
    const bob = user(org, 'bob');
    const frank = user(org, 'frank');
    const shared = await createAgent(alice, { accessConfig: { orgAccess: 'use', grants: [{ principal: 'user:bob', access: 'manage' }] } });
    expect(rightsOf(await getAgent(frank, shared.id))).toEqual({ status: 200, canUse: true, canManage: false });
    expect(rightsOf(await getAgent(bob, shared.id))).toEqual({ status: 200, canUse: true, canManage: true });
    expect(rightsOf(await getAgent({ apiKey: plainKey.apiKey }, shared.id))).toEqual({ status: 200, canUse: true, canManage: false });

    const open = await createAgent(alice, { accessConfig: { orgAccess: 'manage', grants: [{ principal: 'user:bob', access: 'use' }] } });
    expect(rightsOf(await getAgent(frank, open.id))).toEqual({ status: 200, canUse: true, canManage: true });
    expect(rightsOf(await getAgent(bob, open.id))).toEqual({ status: 200, canUse: true, canManage: true });
    expectProblem(await getAgent(user(otherOrg, 'frank'), open.id), 404, 'NOT_FOUND');
  });

  it('reports the caller’s rights on create, PATCH and list rows', async () => {
    const created = await createAgent({ apiKey: useKey.apiKey }, { accessConfig: { grants: [{ principal: 'user:bob', access: 'use' }] } });
    expect(created).toMatchObject({ canUse: true, canManage: true, accessConfig: { owner: `apikey:${useKey.id}`, orgAccess: 'none' } });
    expect(rightsOf(await getAgent(user(org, 'bob'), created.id))).toEqual({ status: 200, canUse: true, canManage: false });

    const byCarol = await patchAgent(user(org, 'carol'), agent.id, { description: 'edited by carol' });
    expect(byCarol.status).toBe(200);
    expect(byCarol.body).toMatchObject({ description: 'edited by carol', canUse: true, canManage: true });

    const rowsFor = async (who: Auth) => {
      const listed = await api('GET', '/api/v1/agents', auth(who));
      expect(listed.status).toBe(200);
      return listed.body.agents.find((a: { id: number }) => a.id === agent.id);
    };
    expect(await rowsFor(user(org, 'bob'))).toMatchObject({ id: agent.id, canUse: true, canManage: false });
    expect(await rowsFor(user(org, 'erin', { groups: ['leads'] }))).toMatchObject({ id: agent.id, canUse: true, canManage: true });
    expect(await rowsFor({ apiKey: useKey.apiKey })).toMatchObject({ id: agent.id, canUse: true, canManage: false });
    expect(await rowsFor({ apiKey: adminKey.apiKey })).toMatchObject({ id: agent.id, canUse: true, canManage: true });
    expect((await rowsFor(user(org, 'bob'))).variation).toBeUndefined();
  });
});

describe('access: the guard on every agent route', () => {
  const org = freshOrg();
  const otherOrg = freshOrg();
  const alice = user(org, 'alice');
  const bob = user(org, 'bob'); // use grant
  const carol = user(org, 'carol'); // manage grant
  const erin = user(org, 'erin', { groups: ['leads'] }); // manage through a group
  let useKey: { id: string; apiKey: string };
  let plainKey: { id: string; apiKey: string };
  let agent: any;
  let variationId: string;

  beforeAll(async () => {
    [useKey, plainKey] = await Promise.all([createApiKey(org, 'member'), createApiKey(org, 'member')]);
    const created = await createAgent(alice, {
      name: 'Guarded agent',
      accessConfig: {
        grants: [
          { principal: 'user:bob', access: 'use' },
          { principal: 'user:carol', access: 'manage' },
          { principal: 'group:leads', access: 'manage' },
          { principal: `apikey:${useKey.id}`, access: 'use' },
        ],
      },
    });
    const deployed = await api('POST', `/api/v1/agents/${created.id}/deploy`, auth(alice));
    expect(deployed.status).toBe(200);
    expect(deployed.body.status).toBe('active');
    const drafted = await patchAgent(alice, created.id, { description: 'pending draft' });
    expect(drafted.status).toBe(200);
    agent = drafted.body;
    variationId = agent.activeVariationId;
    expect(variationId).toEqual(expect.any(String));
  });

  const routes = (id: number | string): [string, string, unknown?][] => [
    ['GET', `/api/v1/agents/${id}`],
    ['GET', `/api/v1/agents/${id}?view=active`],
    ['PATCH', `/api/v1/agents/${id}`, { name: 'Hijacked' }],
    ['POST', `/api/v1/agents/${id}/deploy`],
    ['GET', `/api/v1/agents/${id}/diff`],
    ['GET', `/api/v1/agents/${id}/variations`],
    ['GET', `/api/v1/agents/${id}/variations/${variationId}`],
    ['POST', `/api/v1/agents/${id}/variations/${variationId}/restore`],
    ['POST', `/api/v1/agents/${id}/toggle`, { active: false }],
    ['DELETE', `/api/v1/agents/${id}`],
    ['POST', `/api/v1/agents/${id}/undelete`],
  ];

  async function expectUntouched(): Promise<void> {
    const now = await getAgent(alice, agent.id);
    expect(now.body).toEqual(agent);
  }

  it('answers 404 on every route to callers who cannot use the agent, in this org or another', async () => {
    const outsiders: [string, Auth][] = [
      ['member without grant', user(org, 'frank')],
      ['api key without grant', { apiKey: plainKey.apiKey }],
      ['same sub in another org', user(otherOrg, 'carol', { groups: ['leads'] })],
      ['admin of another org', user(otherOrg, 'root', { admin: true })],
      ['admin key of another org', { apiKey: (await createApiKey(otherOrg, 'admin')).apiKey }],
    ];
    for (const [label, who] of outsiders) {
      for (const ref of [agent.id, agent.slug]) {
        for (const [method, path, body] of routes(ref)) {
          const response = await api(method, path, { ...auth(who), body });
          expect({ label, method, path, status: response.status, code: response.body?.code }).toEqual({ label, method, path, status: 404, code: 'NOT_FOUND' });
        }
      }
    }
    await expectUntouched();
  });

  it('lets use-only callers read (200) but answers 403 on every canManage route', async () => {
    for (const [label, who] of [['user use grant', bob], ['api key use grant', { apiKey: useKey.apiKey }]] as [string, Auth][]) {
      const read = await getAgent(who, agent.id);
      expect({ label, ...rightsOf(read) }).toEqual({ label, status: 200, canUse: true, canManage: false });
      expect(read.body.description).toBe('pending draft');
      expect((await api('GET', `/api/v1/agents/${agent.slug}?view=active`, auth(who))).status).toBe(200);

      for (const [method, path, body] of routes(agent.id).slice(2)) {
        const response = await api(method, path, { ...auth(who), body });
        expect({ label, method, path, status: response.status, code: response.body?.code }).toEqual({ label, method, path, status: 403, code: 'FORBIDDEN' });
        expectProblem(response, 403, 'FORBIDDEN');
      }
    }
    await expectUntouched();
  });

  it('answers 403 (not 409) to a use-only caller on a deleted agent, and 404 to an outsider', async () => {
    const victim = await createAgent(alice, { accessConfig: { orgAccess: 'use' } });
    const deleted = await api('DELETE', `/api/v1/agents/${victim.id}`, auth(alice));
    expect(deleted.status).toBe(200);
    expect(deleted.body.status).toBe('deleted');

    const frank = user(org, 'frank');
    expect(rightsOf(await getAgent(frank, victim.id))).toEqual({ status: 200, canUse: true, canManage: false });
    expectProblem(await api('POST', `/api/v1/agents/${victim.id}/undelete`, auth(frank)), 403, 'FORBIDDEN');
    expectProblem(await api('POST', `/api/v1/agents/${victim.id}/undelete`, auth(user(otherOrg, 'root', { admin: true }))), 404, 'NOT_FOUND');
    expect((await getAgent(alice, victim.id)).body.status).toBe('deleted');
  });

  it('lets managers (direct grant, group grant, org admin) through the canManage routes', async () => {
    const diff = await api('GET', `/api/v1/agents/${agent.id}/diff`, auth(carol));
    expect(diff.status).toBe(200);
    expect(diff.body).toMatchObject({ hasUnpublishedChanges: true, activeVersion: 1 });
    expect(diff.body.changes.map((c: { field: string }) => c.field)).toContain('description');

    const history = await api('GET', `/api/v1/agents/${agent.id}/variations`, auth(erin));
    expect(history.status).toBe(200);
    expect(history.body.variations.map((v: { state: string }) => v.state)).toEqual(['draft', 'published']);
    const one = await api('GET', `/api/v1/agents/${agent.id}/variations/${variationId}`, auth(erin));
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: variationId, version: 1, state: 'published' });

    const toggled = await api('POST', `/api/v1/agents/${agent.id}/toggle`, { ...auth(erin), body: { active: false } });
    expect(toggled.status).toBe(200);
    expect(toggled.body).toMatchObject({ isScheduleActive: false, canManage: true });

    const restored = await api('POST', `/api/v1/agents/${agent.id}/variations/${variationId}/restore`, auth(carol));
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ description: null, hasUnpublishedChanges: false, canManage: true });

    const admin = user(org, 'root', { admin: true });
    const renamed = await patchAgent(admin, agent.id, { name: 'Renamed by admin' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Renamed by admin', canUse: true, canManage: true });
    const deployed = await api('POST', `/api/v1/agents/${agent.id}/deploy`, auth(erin));
    expect(deployed.status).toBe(200);
    expect(deployed.body.variation.version).toBe(2);
    const removed = await api('DELETE', `/api/v1/agents/${agent.id}`, auth(admin));
    expect(removed.body.status).toBe('deleted');
    const back = await api('POST', `/api/v1/agents/${agent.id}/undelete`, auth(carol));
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ status: 'active', canManage: true });
  });
});

describe('access: the lock-out rule', () => {
  const org = freshOrg();
  const alice = user(org, 'alice');
  const carol = user(org, 'carol');
  const erin = user(org, 'erin', { groups: ['leads'] });
  const frank = user(org, 'frank');

  /** PATCHes `accessConfig` together with a rename and checks that the 422 left the agent exactly as it was. */
  async function expectLockout(who: Auth, id: number, accessConfig: unknown, options: { updateMask?: string } = {}): Promise<string> {
    const before = await getAgent(alice, id);
    expect(before.status).toBe(200);
    const response = await patchAgent(who, id, { name: 'Renamed in a rejected PATCH', description: 'nope', accessConfig }, options);
    const problem = expectProblem(response, 422, 'ACCESS_LOCKOUT');
    const after = await getAgent(alice, id);
    expect(after.body).toEqual(before.body);
    expect(before.headers.get('etag')).toBe(before.body.etag);
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    expect(after.body.name).toBe('Access agent');
    return problem.detail;
  }

  it('stops a group manager from removing the group grant that gives them access', async () => {
    const agent = await createAgent(alice, { name: 'Access agent', accessConfig: { grants: [{ principal: 'group:leads', access: 'manage' }, { principal: 'user:bob', access: 'use' }] } });
    const detail = await expectLockout(erin, agent.id, { grants: [{ principal: 'user:bob', access: 'use' }] });
    expect(detail).toContain('manage');
    expect(detail).toContain('use');
    expect(rightsOf(await getAgent(erin, agent.id))).toEqual({ status: 200, canUse: true, canManage: true });

    // keeping manage another way (a direct grant) is fine
    const ok = await patchAgent(erin, agent.id, { accessConfig: { grants: [{ principal: 'user:erin', access: 'manage' }] } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ canUse: true, canManage: true, accessConfig: { grants: [{ principal: 'user:erin', access: 'manage' }] } });
  });

  it('stops a member managing through orgAccess=manage from lowering it to use', async () => {
    const agent = await createAgent(alice, { name: 'Access agent', accessConfig: { orgAccess: 'manage' } });
    const detail = await expectLockout(frank, agent.id, { orgAccess: 'use' });
    expect(detail).toContain('manage');
    expect(detail).not.toMatch(/use and manage/);
    expect(rightsOf(await getAgent(frank, agent.id))).toEqual({ status: 200, canUse: true, canManage: true });
    expect(await expectLockout(frank, agent.id, { orgAccess: 'none' })).toContain('manage');
  });

  it('stops a direct manager from downgrading their own grant to use', async () => {
    const agent = await createAgent(alice, { name: 'Access agent', accessConfig: { grants: [{ principal: 'user:carol', access: 'manage' }] } });
    const detail = await expectLockout(carol, agent.id, { grants: [{ principal: 'user:carol', access: 'use' }] });
    expect(detail).toContain('manage');
    expect(detail).not.toMatch(/use and manage/);
    // resetting accessConfig to its default through the updateMask is a lock-out too
    expect(await expectLockout(carol, agent.id, undefined, { updateMask: 'accessConfig' })).toContain('manage');
  });

  it('lets the owner drop every grant and orgAccess without being locked out', async () => {
    const agent = await createAgent(alice, { accessConfig: { orgAccess: 'manage', grants: [{ principal: 'user:carol', access: 'manage' }] } });
    const response = await patchAgent(alice, agent.id, { accessConfig: { orgAccess: 'none', grants: [] } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ canUse: true, canManage: true, accessConfig: { owner: 'user:alice', orgAccess: 'none', grants: [] } });
    expectProblem(await getAgent(carol, agent.id), 404, 'NOT_FOUND');
    expectProblem(await getAgent(frank, agent.id), 404, 'NOT_FOUND');
  });

  it('never locks out an org admin, by token or by admin API key', async () => {
    const admin = user(org, 'root', { admin: true });
    const agent = await createAgent(alice, { accessConfig: { orgAccess: 'manage', grants: [{ principal: 'user:root', access: 'manage' }] } });
    const byAdmin = await patchAgent(admin, agent.id, { accessConfig: { orgAccess: 'none', grants: [] } });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body).toMatchObject({ canUse: true, canManage: true, accessConfig: { orgAccess: 'none', grants: [] } });
    expect(rightsOf(await getAgent(admin, agent.id))).toEqual({ status: 200, canUse: true, canManage: true });

    const adminKey = await createApiKey(org, 'admin');
    const keyed = await createAgent(alice, { accessConfig: { grants: [{ principal: `apikey:${adminKey.id}`, access: 'manage' }] } });
    const byKey = await patchAgent({ apiKey: adminKey.apiKey }, keyed.id, { accessConfig: { grants: [] } });
    expect(byKey.status).toBe(200);
    expect(byKey.body).toMatchObject({ canUse: true, canManage: true, accessConfig: { grants: [] } });
  });

  it('stops a member API key from removing its own manage grant', async () => {
    const key = await createApiKey(org, 'member');
    const agent = await createAgent(alice, { name: 'Access agent', accessConfig: { grants: [{ principal: `apikey:${key.id}`, access: 'manage' }] } });
    expect(await expectLockout({ apiKey: key.apiKey }, agent.id, { grants: [] })).toContain('manage');
  });
});

describe('access: the agent list', () => {
  const org = freshOrg();
  const otherOrg = freshOrg();
  const alice = user(org, 'alice');
  const bob = user(org, 'bob');
  let key: { id: string; apiKey: string };
  let adminKey: { id: string; apiKey: string };
  const ids: Record<string, number> = {};
  const desc = (...names: string[]) => names.map((n) => ids[n]).sort((a, b) => b - a);

  beforeAll(async () => {
    [key, adminKey] = await Promise.all([createApiKey(org, 'member'), createApiKey(org, 'admin')]);
    const make = async (name: string, who: Auth, accessConfig: Record<string, unknown> = {}) => {
      ids[name] = (await createAgent(who, { name, accessConfig })).id;
    };
    await make('a1-alice-private', alice);
    await make('a2-org-use', bob, { orgAccess: 'use' });
    await make('a3-org-manage', bob, { orgAccess: 'manage' });
    await make('a4-carol-grant', bob, { grants: [{ principal: 'user:carol', access: 'use' }] });
    await make('a5-ops-group', bob, { grants: [{ principal: 'group:ops', access: 'manage' }] });
    await make('a6-key-grant', bob, { grants: [{ principal: `apikey:${key.id}`, access: 'use' }] });
    await make('a7-bob-private', bob);
    await make('a8-key-owned', { apiKey: key.apiKey });
    await make('a9-deleted', bob, { orgAccess: 'use' });
    expect((await api('DELETE', `/api/v1/agents/${ids['a9-deleted']}`, auth(bob))).status).toBe(200);
    await make('b1-other-org', user(otherOrg, 'bob'), { orgAccess: 'manage', grants: [{ principal: 'user:carol', access: 'manage' }] });
  });

  it('shows each caller exactly the agents they can use', async () => {
    expect(await listIds(alice)).toEqual(desc('a1-alice-private', 'a2-org-use', 'a3-org-manage'));
    expect(await listIds(bob)).toEqual(desc('a2-org-use', 'a3-org-manage', 'a4-carol-grant', 'a5-ops-group', 'a6-key-grant', 'a7-bob-private'));
    expect(await listIds(user(org, 'carol'))).toEqual(desc('a2-org-use', 'a3-org-manage', 'a4-carol-grant'));
    expect(await listIds(user(org, 'dave', { groups: ['ops'] }))).toEqual(desc('a2-org-use', 'a3-org-manage', 'a5-ops-group'));
    expect(await listIds(user(org, 'dave'))).toEqual(desc('a2-org-use', 'a3-org-manage'));
    expect(await listIds({ apiKey: key.apiKey })).toEqual(desc('a2-org-use', 'a3-org-manage', 'a6-key-grant', 'a8-key-owned'));
    expect(await listIds(user(org, 'frank'))).toEqual(desc('a2-org-use', 'a3-org-manage'));
  });

  it('shows org admins (token or admin key) every agent of their org and nothing of another', async () => {
    const all = desc('a1-alice-private', 'a2-org-use', 'a3-org-manage', 'a4-carol-grant', 'a5-ops-group', 'a6-key-grant', 'a7-bob-private', 'a8-key-owned');
    expect(await listIds(user(org, 'root', { admin: true }))).toEqual(all);
    expect(await listIds({ apiKey: adminKey.apiKey })).toEqual(all);
    expect(await listIds(user(org, 'root', { admin: true }), '?showDeleted=true')).toEqual(desc('a9-deleted', ...Object.keys(ids).filter((n) => n.startsWith('a') && n !== 'a9-deleted')));
    expect(await listIds(user(otherOrg, 'root', { admin: true }))).toEqual([ids['b1-other-org']]);
    expect(await listIds(user(otherOrg, 'carol'))).toEqual([ids['b1-other-org']]);
  });

  it('applies the same filter to deleted agents and reports per-row rights', async () => {
    expect(await listIds(user(org, 'frank'), '?showDeleted=true')).toEqual(desc('a2-org-use', 'a3-org-manage', 'a9-deleted'));
    expect(await listIds(alice, '?status=deleted')).toEqual(desc('a9-deleted'));
    expect(await listIds(user(org, 'carol'), '?status=deleted&showDeleted=true')).toEqual(desc('a9-deleted'));

    const listed = await api('GET', '/api/v1/agents', auth(user(org, 'dave', { groups: ['ops'] })));
    const rights = Object.fromEntries(listed.body.agents.map((a: any) => [a.name, [a.canUse, a.canManage]]));
    expect(rights).toEqual({ 'a2-org-use': [true, false], 'a3-org-manage': [true, true], 'a5-ops-group': [true, true] });
    expect(listed.body.agents.every((a: any) => a.variation === undefined && a.orgId === org)).toBe(true);
  });

  it('follows access changes at once', async () => {
    const carol = user(org, 'carol');
    const granted = await patchAgent(bob, ids['a7-bob-private'], { accessConfig: { grants: [{ principal: 'user:carol', access: 'use' }] } });
    expect(granted.status).toBe(200);
    expect(await listIds(carol)).toEqual(desc('a2-org-use', 'a3-org-manage', 'a4-carol-grant', 'a7-bob-private'));
    expect(rightsOf(await getAgent(carol, ids['a7-bob-private']))).toEqual({ status: 200, canUse: true, canManage: false });

    const revoked = await patchAgent(bob, ids['a7-bob-private'], { accessConfig: { grants: [] } });
    expect(revoked.status).toBe(200);
    expect(await listIds(carol)).toEqual(desc('a2-org-use', 'a3-org-manage', 'a4-carol-grant'));
    expectProblem(await getAgent(carol, ids['a7-bob-private']), 404, 'NOT_FOUND');
  });
});
