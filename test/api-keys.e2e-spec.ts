import { api, expectProblem } from './support/http';
import { ORG_B, tokenFor } from './support/tokens';

describe('API keys', () => {
  const admin = tokenFor({ sub: 'keys-admin', admin: true });
  const member = tokenFor({ sub: 'keys-member' });

  it('creates a key shown once, lists it without the secret and authenticates with it', async () => {
    const created = await api('POST', '/api/v1/api-keys', { token: admin, body: { name: 'CI pipeline', role: 'member' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'CI pipeline', role: 'member', id: expect.any(String), createdAt: expect.any(String) });
    expect(created.body.key).toMatch(/^pk_live_/);
    expect(created.body.key.startsWith(created.body.prefix)).toBe(true);

    const used = await api('GET', '/api/v1/api-keys', { apiKey: created.body.key });
    expectProblem(used, 403, 'FORBIDDEN'); // a member key authenticates but cannot manage keys

    const listed = await api('GET', '/api/v1/api-keys', { token: admin });
    expect(listed.status).toBe(200);
    const row = listed.body.apiKeys.find((k: { id: string }) => k.id === created.body.id);
    expect(row).toEqual({ id: created.body.id, name: 'CI pipeline', role: 'member', prefix: created.body.prefix, createdAt: created.body.createdAt, lastUsedAt: expect.any(String) });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
  });

  it('lets an admin key manage keys, and revokes a key at once', async () => {
    const adminKey = (await api('POST', '/api/v1/api-keys', { token: admin, body: { name: 'ops', role: 'admin' } })).body.key;
    const victim = await api('POST', '/api/v1/api-keys', { apiKey: adminKey, body: { name: 'temp', role: 'member' } });
    expect(victim.status).toBe(201);

    expect((await api('DELETE', `/api/v1/api-keys/${victim.body.id}`, { apiKey: adminKey })).status).toBe(204);
    expectProblem(await api('GET', '/api/v1/api-keys', { apiKey: victim.body.key }), 401, 'UNAUTHENTICATED');
    expectProblem(await api('DELETE', `/api/v1/api-keys/${victim.body.id}`, { apiKey: adminKey }), 404, 'NOT_FOUND');
    const listed = await api('GET', '/api/v1/api-keys', { token: admin });
    expect(listed.body.apiKeys.map((k: { id: string }) => k.id)).not.toContain(victim.body.id);
  });

  it('keeps organizations apart', async () => {
    const created = await api('POST', '/api/v1/api-keys', { token: admin, body: { name: 'org a', role: 'member' } });
    const otherAdmin = tokenFor({ sub: 'b-admin', admin: true, org: ORG_B });
    const listed = await api('GET', '/api/v1/api-keys', { token: otherAdmin });
    expect(listed.body.apiKeys.map((k: { id: string }) => k.id)).not.toContain(created.body.id);
    expectProblem(await api('DELETE', `/api/v1/api-keys/${created.body.id}`, { token: otherAdmin }), 404);
  });

  it('is for org admins only', async () => {
    expectProblem(await api('POST', '/api/v1/api-keys', { token: member, body: { name: 'x', role: 'member' } }), 403, 'FORBIDDEN');
    expectProblem(await api('GET', '/api/v1/api-keys', { token: member }), 403, 'FORBIDDEN');
    expectProblem(await api('DELETE', '/api/v1/api-keys/00000000-0000-4000-8000-000000000000', { token: member }), 403, 'FORBIDDEN');
  });

  it('reports every invalid field at once', async () => {
    const response = await api('POST', '/api/v1/api-keys', { token: admin, body: { name: '', role: 'owner', colour: 'red' } });
    const problem = expectProblem(response, 400, 'VALIDATION_FAILED');
    const fields = problem.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'role', 'colour']));
  });

  it('rejects a malformed key id with 400', async () => {
    expectProblem(await api('DELETE', '/api/v1/api-keys/not-a-uuid', { token: admin }), 400);
  });
});
