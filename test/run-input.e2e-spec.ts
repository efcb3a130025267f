import { AGENTS, freshOrg } from './support/agents';
import { api, expectProblem } from './support/http';
import { auth, user } from './support/principals';
import { deployedAgent, startRun } from './support/runs';

/** Issue #25: `inputSchema` (JSON Schema 2020-12) checked when written and at every start, against the pinned version. */
describe('run input schema', () => {
  const schema = { type: 'object', required: ['region'], additionalProperties: false, properties: { region: { enum: ['EMEA', 'AMER', 'APAC'] }, day: { type: 'string' } } };

  it('refuses a start whose input breaks the pinned version’s schema with 422 RUN_INPUT_INVALID, one entry per violation', async () => {
    const owner = user(freshOrg(), 'owner');
    const agent = await deployedAgent(owner, { inputSchema: schema });
    expect(agent.variation.inputSchema).toEqual(schema);
    expect((await startRun(owner, agent.id, { input: { region: 'EMEA', day: '2026-05-11' } })).status).toBe(201);
    const refused = expectProblem(await startRun(owner, agent.id, { input: { region: 'MARS', extra: true } }), 422, 'RUN_INPUT_INVALID');
    expect(refused.errors).toEqual([
      { field: '/extra', message: 'must NOT have additional properties' },
      { field: '/region', message: 'must be equal to one of the allowed values' },
    ]);
    expect(expectProblem(await startRun(owner, agent.id, {}), 422, 'RUN_INPUT_INVALID').errors).toEqual([{ field: '', message: 'must be object' }]);
    // Version 2 drops the schema; version 1 still holds its own.
    expect((await api('PATCH', `${AGENTS}/${agent.id}`, { ...auth(owner), body: { inputSchema: null } })).status).toBe(200);
    expect((await api('POST', `${AGENTS}/${agent.id}/deploy`, auth(owner))).status).toBe(200);
    expect((await startRun(owner, agent.id, { input: 'anything' })).status).toBe(201);
    expectProblem(await startRun(owner, agent.id, { input: 'anything', version: 1 }), 422, 'RUN_INPUT_INVALID');
  });

  it('refuses an invalid schema, a remote $ref or an unsafe pattern when written, with 400 naming where', async () => {
    const owner = user(freshOrg(), 'owner');
    const bad = await api('POST', AGENTS, { ...auth(owner), body: { name: 'Bad schema', inputSchema: { type: 'objekt' } } });
    expect(expectProblem(bad, 400, 'VALIDATION_FAILED').errors).toEqual([{ field: 'inputSchema', message: expect.stringContaining('not a valid JSON Schema') }]);
    const remote = await api('POST', AGENTS, { ...auth(owner), body: { name: 'Remote', inputSchema: { $ref: 'https://example.com/schema.json' } } });
    expectProblem(remote, 400, 'VALIDATION_FAILED');
    const unsafe = await api('POST', AGENTS, { ...auth(owner), body: { name: 'Unsafe', inputSchema: { properties: { a: { type: 'string', pattern: '^(a+)+$' } } } } });
    expect(expectProblem(unsafe, 400, 'VALIDATION_FAILED').errors).toEqual([{ field: 'inputSchema.properties.a.pattern', message: expect.stringContaining('nests quantifiers') }]);
  });
});
