import { DataSource } from 'typeorm';
import { validateConfig } from '../src/infrastructure/config/app-config';
import { typeormOptions } from '../src/infrastructure/database/typeorm-options';
import { OwnershipTransfersRepository } from '../src/modules/ownership-transfers/ownership-transfers.repository';
import { createAgent, freshOrg } from './support/agents';
import { withDatabase } from './support/database';
import { api, expectProblem } from './support/http';
import { ORG_B, tokenFor } from './support/tokens';

// The repository's decorator only: Nest is ESM, which jest's CommonJS cannot load (as in the unit tests).
jest.mock('@nestjs/common', () => ({ Injectable: () => () => undefined }));

const org = freshOrg();
const alice = tokenFor({ sub: 'alice', org });
const bob = tokenFor({ sub: 'bob', org });
const carol = tokenFor({ sub: 'carol', org });
const admin = tokenFor({ sub: 'root', org, admin: true });

const transfer = (id: number, to: string, token = alice) => api('POST', `/api/v1/agents/${id}/ownership-transfer`, { token, body: { to } });

describe('ownership transfer', () => {
  it('hands the agent to the recipient, who becomes owner; the previous owner keeps manage', async () => {
    const agent = await createAgent(alice);
    const requested = await transfer(agent.id, 'user:bob');
    expect(requested.status).toBe(201);
    expect(requested.body.pendingOwnershipTransfer).toEqual({
      id: expect.any(String),
      from: 'user:alice',
      to: 'user:bob',
      requestedAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    const { requestedAt, expiresAt } = requested.body.pendingOwnershipTransfer;
    expect(Date.parse(expiresAt) - Date.parse(requestedAt)).toBe(7 * 24 * 3600 * 1000);

    // bob has no access to the agent, yet can see the offer and accept it
    expectProblem(await api('GET', `/api/v1/agents/${agent.id}`, { token: bob }), 404);
    const incoming = await api('GET', '/api/v1/ownership-transfers?direction=incoming', { token: bob });
    expect(incoming.body.transfers).toEqual([expect.objectContaining({ agentId: agent.id, from: 'user:alice', to: 'user:bob', requestedBy: 'user:alice' })]);
    const outgoing = await api('GET', '/api/v1/ownership-transfers?direction=outgoing', { token: alice });
    expect(outgoing.body.transfers.map((t: { agentId: number }) => t.agentId)).toContain(agent.id);

    const accepted = await api('POST', `/api/v1/agents/${agent.id}/ownership-transfer/accept`, { token: bob });
    expect(accepted.status).toBe(200);
    expect(accepted.body.accessConfig).toEqual({ owner: 'user:bob', orgAccess: 'none', grants: [{ principal: 'user:alice', access: 'manage' }] });
    expect(accepted.body).toMatchObject({ canUse: true, canManage: true });
    expect(accepted.body.pendingOwnershipTransfer).toBeUndefined();

    const asAlice = await api('GET', `/api/v1/agents/${agent.id}`, { token: alice });
    expect(asAlice.body).toMatchObject({ canManage: true, accessConfig: { owner: 'user:bob' } });
    expect((await api('GET', '/api/v1/ownership-transfers?direction=incoming', { token: bob })).body.transfers).toEqual([]);
  });

  it('lets the recipient decline, leaving ownership unchanged', async () => {
    const agent = await createAgent(alice);
    await transfer(agent.id, 'user:bob');
    const declined = await api('POST', `/api/v1/agents/${agent.id}/ownership-transfer/decline`, { token: bob });
    expect(declined.status).toBe(200);
    expect(declined.body).toMatchObject({ canUse: false, canManage: false, accessConfig: { owner: 'user:alice' } });
    const after = await api('GET', `/api/v1/agents/${agent.id}`, { token: alice });
    expect(after.body.pendingOwnershipTransfer).toBeUndefined();
  });

  it('allows one pending transfer at a time (409) and rejects the current owner as recipient (422)', async () => {
    const agent = await createAgent(alice);
    expectProblem(await transfer(agent.id, 'user:alice'), 422, 'UNPROCESSABLE');
    expect((await transfer(agent.id, 'user:bob')).status).toBe(201);
    expectProblem(await transfer(agent.id, 'user:carol'), 409, 'TRANSFER_PENDING');
  });

  it('validates the recipient', async () => {
    const agent = await createAgent(alice);
    const problem = expectProblem(await transfer(agent.id, 'group:sales'), 400, 'VALIDATION_FAILED');
    expect(problem.errors).toEqual([expect.objectContaining({ field: 'to' })]);
  });

  it('is requested by the owner or an org admin only', async () => {
    const agent = await createAgent(alice, { accessConfig: { grants: [{ principal: 'user:carol', access: 'manage' }] } });
    expectProblem(await transfer(agent.id, 'user:bob', carol), 403, 'FORBIDDEN');
    expectProblem(await transfer(agent.id, 'user:bob', bob), 404, 'NOT_FOUND');
    expect((await transfer(agent.id, 'user:bob', admin)).status).toBe(201);
  });

  it('is answered by the recipient only', async () => {
    const agent = await createAgent(alice, { accessConfig: { orgAccess: 'manage' } });
    await transfer(agent.id, 'user:bob');
    expectProblem(await api('POST', `/api/v1/agents/${agent.id}/ownership-transfer/accept`, { token: carol }), 404);
    expectProblem(await api('POST', `/api/v1/agents/${agent.id}/ownership-transfer/accept`, { token: alice }), 404);
    expectProblem(await api('POST', `/api/v1/agents/${agent.id}/ownership-transfer/decline`, { token: admin }), 404);
  });

  it('is cancelled by the requester, owner or an admin, not by others', async () => {
    const agent = await createAgent(alice, { accessConfig: { grants: [{ principal: 'user:carol', access: 'manage' }] } });
    await transfer(agent.id, 'user:bob', admin);
    expectProblem(await api('DELETE', `/api/v1/agents/${agent.id}/ownership-transfer`, { token: carol }), 403);
    const cancelled = await api('DELETE', `/api/v1/agents/${agent.id}/ownership-transfer`, { token: alice });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.pendingOwnershipTransfer).toBeUndefined();
    expectProblem(await api('DELETE', `/api/v1/agents/${agent.id}/ownership-transfer`, { token: alice }), 404);
    expectProblem(await api('POST', `/api/v1/agents/${agent.id}/ownership-transfer/accept`, { token: bob }), 404);
  });

  it('treats an expired transfer as absent', async () => {
    const agent = await createAgent(alice);
    const requested = await transfer(agent.id, 'user:bob');
    await withDatabase((db) => db.query(`UPDATE ownership_transfers SET expires_at = now() - interval '1 second' WHERE id = $1`, [requested.body.pendingOwnershipTransfer.id]));
    expect((await api('GET', `/api/v1/agents/${agent.id}`, { token: alice })).body.pendingOwnershipTransfer).toBeUndefined();
    expectProblem(await api('POST', `/api/v1/agents/${agent.id}/ownership-transfer/accept`, { token: bob }), 404);
    const incoming = await api('GET', '/api/v1/ownership-transfers?direction=incoming', { token: bob });
    expect(incoming.body.transfers.map((t: { agentId: number }) => t.agentId)).not.toContain(agent.id);
    expect((await transfer(agent.id, 'user:carol')).status).toBe(201);
  });

  it('expires the lapsed transfers of the agent named, or of every agent', async () => {
    const [first, second] = [await createAgent(alice), await createAgent(alice)];
    const [firstId, secondId] = [(await transfer(first.id, 'user:bob')).body.pendingOwnershipTransfer.id, (await transfer(second.id, 'user:bob')).body.pendingOwnershipTransfer.id];
    // On the repository, in a transaction rolled back: the lapse is never committed, so the service's
    // sweep (every 200 ms here) cannot expire these transfers first.
    const url = process.env.E2E_DATABASE_URL ?? '';
    const dataSource = await new DataSource(typeormOptions(validateConfig({ DATABASE_URL: url, DB_POOL_SIZE: '1' }), url)).initialize();
    const runner = dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      await runner.query(`UPDATE ownership_transfers SET expires_at = now() - interval '1 second' WHERE id = ANY($1::uuid[])`, [[firstId, secondId]]);
      const transfers = new OwnershipTransfersRepository();
      expect((await transfers.expireLapsed(runner.manager, first.id)).map((expired) => expired.id)).toEqual([firstId]);
      const rest = (await transfers.expireLapsed(runner.manager, null)).map((expired) => expired.id);
      expect(rest).toContain(secondId);
      expect(rest).not.toContain(firstId);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
      await dataSource.destroy();
    }
  });

  it('keeps organizations apart and needs a direction', async () => {
    const agent = await createAgent(alice);
    expectProblem(await transfer(agent.id, 'user:bob', tokenFor({ sub: 'alice', org: ORG_B, admin: true })), 404);
    expectProblem(await api('GET', '/api/v1/ownership-transfers', { token: alice }), 400);
  });

  it('refuses transfers of a deleted agent', async () => {
    const agent = await createAgent(alice);
    await transfer(agent.id, 'user:bob');
    expect((await api('DELETE', `/api/v1/agents/${agent.id}`, { token: alice })).status).toBe(200);
    expectProblem(await api('POST', `/api/v1/agents/${agent.id}/ownership-transfer/accept`, { token: bob }), 409, 'AGENT_DELETED');
  });
});
