import { api, expectProblem } from './support/http';
import { ORG_B, tokenFor } from './support/tokens';
import { AGENTS, createAgent, deployableWorkflow, deployed, getAgent, patchAgent, patched, scheduleTrigger, TOOL_A, TOOL_B, TOOL_C } from './support/agents';
import { withDatabase } from './support/database';
import { errorFields } from './support/errors';

/**
 * Issue #3, PATCH (SPEC §4, AIP-134) and the variation content rules of SPEC §2: presence and
 * update-mask semantics, every validation rule, all-or-nothing writes and If-Match.
 */

const MODEL = '3c90c3cc-0d44-4b50-8888-8dd25736052a';

/** A fully populated body, so resets to defaults are visible. */
const RICH = {
  description: 'A rich agent',
  trigger: scheduleTrigger('0 9 * * 1-5', 'Europe/Berlin'),
  agentSelection: { strategy: 'round-robin', pool: [1, 2] },
  instructions: 'Do the thing.',
  role: 'Analyst',
  language: 'pt-BR',
  specialInstructions: 'Be brief.',
  modelId: MODEL,
  voice: { enabled: true, pipelineMode: 'hybrid' },
  tools: [{ toolId: TOOL_A, config: { a: 1 } }, { toolId: TOOL_B }],
};

/** Asserts a rejected PATCH wrote nothing: the same etag and the same draft content as before. */
async function expectUnchanged(token: string, id: number, before: any): Promise<void> {
  const now = await getAgent(token, id);
  expect(now.body.etag).toBe(before.etag);
  expect(now.body.variation).toEqual(before.variation);
  expect({ name: now.body.name, description: now.body.description }).toEqual({ name: before.name, description: before.description });
}

describe('PATCH without updateMask', () => {
  const token = tokenFor({ sub: 'patch-present' });

  it('writes every present field, leaves absent ones alone and returns the draft view', async () => {
    const agent = await createAgent(token, RICH);
    const response = await patchAgent(token, agent.id, { description: 'Changed', role: 'Manager', tools: [{ toolId: TOOL_C }] });
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe(response.body.etag);
    expect(response.body.etag).not.toBe(agent.etag);
    expect(response.body).toMatchObject({ name: agent.name, description: 'Changed', status: 'draft' });
    expect(response.body.variation).toEqual({
      ...agent.variation,
      role: 'Manager',
      tools: [{ toolId: TOOL_C }],
    });
    expect((await getAgent(token, agent.id)).body).toEqual(response.body);
  });

  it('clears nullable fields with null', async () => {
    const agent = await createAgent(token, RICH);
    const cleared = await patched(token, agent.id, {
      description: null,
      trigger: null,
      agentSelection: null,
      role: null,
      language: null,
      specialInstructions: null,
      modelId: null,
    });
    expect(cleared.description).toBeNull();
    expect(cleared.variation).toMatchObject({
      trigger: null,
      agentSelection: null,
      role: null,
      language: null,
      specialInstructions: null,
      modelId: null,
      instructions: 'Do the thing.',
      voice: { enabled: true, pipelineMode: 'hybrid' },
    });
  });

  it('rejects null for fields that cannot be cleared, naming each, and writes nothing', async () => {
    const agent = await createAgent(token, RICH);
    const response = await patchAgent(token, agent.id, {
      description: 'would be fine',
      name: null,
      type: null,
      workflowStructure: null,
      voice: null,
      tools: null,
      subAgents: null,
      accessConfig: null,
    });
    const problem = expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(errorFields(problem)).toEqual(expect.arrayContaining(['name', 'type', 'workflowStructure', 'voice', 'tools', 'subAgents', 'accessConfig']));
    expect(errorFields(problem)).not.toContain('description');
    await expectUnchanged(token, agent.id, agent);
  });

  it('replaces lists whole, never merging them', async () => {
    const agent = await createAgent(token, { tools: [{ toolId: TOOL_A, config: { keep: true } }, { toolId: TOOL_B }] });
    const replaced = await patched(token, agent.id, { tools: [{ toolId: TOOL_B, config: { x: 1 } }] });
    expect(replaced.variation.tools).toEqual([{ toolId: TOOL_B, config: { x: 1 } }]);
    const reordered = await patched(token, agent.id, { tools: [{ toolId: TOOL_C }, { toolId: TOOL_A }] });
    expect(reordered.variation.tools).toEqual([{ toolId: TOOL_C }, { toolId: TOOL_A }]);
    const emptied = await patched(token, agent.id, { tools: [] });
    expect(emptied.variation.tools).toEqual([]);

    const sub1 = await createAgent(token);
    const sub2 = await createAgent(token);
    const withSubs = await patched(token, agent.id, { subAgents: [{ agentId: sub1.id }, { agentId: sub2.id }] });
    expect(withSubs.variation.subAgents).toEqual([{ agentId: sub1.id }, { agentId: sub2.id }]);
    expect((await patched(token, agent.id, { subAgents: [{ agentId: sub2.id }] })).variation.subAgents).toEqual([{ agentId: sub2.id }]);
    expect((await patched(token, agent.id, { subAgents: [] })).variation.subAgents).toEqual([]);

    const grants = [{ principal: 'user:someone', access: 'use' }];
    expect((await patched(token, agent.id, { accessConfig: { grants: [...grants, { principal: 'group:x', access: 'manage' }] } })).accessConfig.grants).toHaveLength(2);
    expect((await patched(token, agent.id, { accessConfig: { grants } })).accessConfig.grants).toEqual(grants);
  });

  it('replaces whole objects: workflowStructure, voice, agentSelection, other triggers', async () => {
    const agent = await createAgent(token, deployableWorkflow({ voice: { enabled: true, pipelineMode: 'sts' }, agentSelection: { a: 1, b: 2 } }));
    const next = await patched(token, agent.id, {
      workflowStructure: { nodes: [{ id: 'only', type: 'llm' }], edges: [] },
      voice: { enabled: false },
      agentSelection: { c: 3 },
      trigger: { type: 'webhook', secretRef: 'vault:hooks/1', filters: [{ field: 'x', equals: [1, 'two', null] }] },
    });
    expect(next.variation).toMatchObject({
      workflowStructure: { nodes: [{ id: 'only', type: 'llm' }], edges: [] },
      voice: { enabled: false, pipelineMode: null },
      agentSelection: { c: 3 },
      trigger: { type: 'webhook', secretRef: 'vault:hooks/1', filters: [{ field: 'x', equals: [1, 'two', null] }] },
    });
  });

  it('rejects unknown body fields, naming them, and writes nothing', async () => {
    const agent = await createAgent(token);
    const response = await patchAgent(token, agent.id, { description: 'ok', colour: 'red', variation: { role: 'x' }, status: 'active' });
    const problem = expectProblem(response, 400, 'VALIDATION_FAILED');
    expect(errorFields(problem)).toEqual(expect.arrayContaining(['colour', 'variation', 'status']));
    expect(errorFields(problem)).not.toContain('description');
    await expectUnchanged(token, agent.id, agent);

    const nested = expectProblem(await patchAgent(token, agent.id, { voice: { enabled: true, volume: 11 } }), 400, 'VALIDATION_FAILED');
    expect(errorFields(nested)).toContain('voice.volume');
    const inTool = expectProblem(await patchAgent(token, agent.id, { tools: [{ toolId: TOOL_A, name: 'x' }] }), 400, 'VALIDATION_FAILED');
    expect(errorFields(inTool)).toContain('tools[0].name');
    const inNode = expectProblem(
      await patchAgent(token, agent.id, { workflowStructure: { nodes: [{ id: 'a', type: 'b', colour: 'red' }], edges: [] } }),
      400,
      'VALIDATION_FAILED',
    );
    expect(errorFields(inNode)).toContain('workflowStructure.nodes[0].colour');
    await expectUnchanged(token, agent.id, agent);
  });

  it('reports every wrongly typed field at once', async () => {
    const agent = await createAgent(token);
    const problem = expectProblem(
      await patchAgent(token, agent.id, {
        name: 42,
        type: 'robot',
        description: ['x'],
        trigger: 'daily',
        agentSelection: 'all',
        instructions: 7,
        role: true,
        language: 12,
        modelId: 'not-a-uuid',
        voice: { enabled: 'yes', pipelineMode: 'loud' },
        tools: { toolId: TOOL_A },
        subAgents: [{ agentId: 'seven' }],
      }),
      400,
      'VALIDATION_FAILED',
    );
    expect(errorFields(problem)).toEqual(
      expect.arrayContaining([
        'name',
        'type',
        'description',
        'trigger',
        'agentSelection',
        'instructions',
        'role',
        'language',
        'modelId',
        'voice.enabled',
        'voice.pipelineMode',
        'tools',
        'subAgents[0].agentId',
      ]),
    );
    await expectUnchanged(token, agent.id, agent);
  });

  it('rejects a body that is not a JSON object', async () => {
    const agent = await createAgent(token);
    expectProblem(await api('PATCH', `${AGENTS}/${agent.id}`, { token, rawBody: '{"description": ' }), 400);
    expectProblem(await api('PATCH', `${AGENTS}/${agent.id}`, { token, rawBody: '[1, 2]' }), 400);
    await expectUnchanged(token, agent.id, agent);
  });
});

describe('PATCH with updateMask', () => {
  const token = tokenFor({ sub: 'patch-mask' });

  it('writes only the masked fields and ignores body fields outside the mask', async () => {
    const agent = await createAgent(token, RICH);
    const response = await patched(token, agent.id, { description: 'masked', role: 'ignored', tools: [] }, { updateMask: 'description' });
    expect(response.description).toBe('masked');
    expect(response.variation).toEqual({ ...agent.variation });
  });

  it('resets masked fields that are absent from the body to their defaults', async () => {
    const agent = await createAgent(token, { ...RICH, name: 'Keeps its name' });
    const reset = await patched(
      token,
      agent.id,
      { role: 'New role' },
      { updateMask: 'role,description,trigger,agentSelection,instructions,language,specialInstructions,modelId,voice,tools,subAgents,workflowStructure' },
    );
    expect(reset).toMatchObject({ name: 'Keeps its name', type: 'task', description: null });
    expect(reset.variation).toEqual({
      id: agent.variation.id,
      version: null,
      state: 'draft',
      trigger: null,
      agentSelection: null,
      workflowStructure: { nodes: [], edges: [] },
      instructions: null,
      role: 'New role',
      language: null,
      specialInstructions: null,
      modelId: null,
      voice: { enabled: false, pipelineMode: null },
      tools: [],
      subAgents: [],
      concurrency: null,
      inputSchema: null,
      retry: null,
      budget: null,
    });
  });

  it('rejects a masked but absent name or type (no default) with 400 and writes nothing', async () => {
    const agent = await createAgent(token, RICH);
    const noName = expectProblem(await patchAgent(token, agent.id, { description: 'x' }, { updateMask: 'name,description' }), 400, 'VALIDATION_FAILED');
    expect(errorFields(noName)).toEqual(['name']);
    const noType = expectProblem(await patchAgent(token, agent.id, {}, { updateMask: 'type' }), 400, 'VALIDATION_FAILED');
    expect(errorFields(noType)).toEqual(['type']);
    await expectUnchanged(token, agent.id, agent);
  });

  it('"*" replaces every updatable field: sent ones written, the rest reset', async () => {
    const agent = await createAgent(token, RICH);
    const replaced = await patched(token, agent.id, { name: 'Replaced', type: 'task', instructions: 'Only this.' }, { updateMask: '*' });
    expect(replaced).toMatchObject({ name: 'Replaced', type: 'task', description: null, slug: agent.slug });
    expect(replaced.variation).toMatchObject({
      trigger: null,
      agentSelection: null,
      instructions: 'Only this.',
      role: null,
      language: null,
      specialInstructions: null,
      modelId: null,
      voice: { enabled: false, pipelineMode: null },
      tools: [],
      subAgents: [],
    });
    const noName = expectProblem(await patchAgent(token, agent.id, { type: 'task' }, { updateMask: '*' }), 400, 'VALIDATION_FAILED');
    expect(errorFields(noName)).toContain('name');
  });

  it('rejects unknown, nested and malformed paths with 400 naming the path, and writes nothing', async () => {
    const agent = await createAgent(token, RICH);
    for (const [mask, named] of [
      ['colour', 'colour'],
      ['description,colour', 'colour'],
      ['trigger.schedule', 'trigger.schedule'],
      ['variation.role', 'variation.role'],
      ['accessConfig.grants', 'accessConfig.grants'],
      ['*,name', '*'],
      ['description,,role', 'empty'],
      ['id', 'id'],
      ['status', 'status'],
    ]) {
      const problem = expectProblem(await patchAgent(token, agent.id, { description: 'nope' }, { updateMask: mask }), 400, 'VALIDATION_FAILED');
      expect(problem.errors).toEqual([expect.objectContaining({ field: 'updateMask' })]);
      expect(problem.errors[0].message).toContain(named);
    }
    await expectUnchanged(token, agent.id, agent);
  });

  it('still checks masked values, and applies the content rules to them', async () => {
    const agent = await createAgent(token, RICH);
    const problem = expectProblem(
      await patchAgent(token, agent.id, { trigger: scheduleTrigger('61 * * * *', 'UTC') }, { updateMask: 'trigger' }),
      400,
      'VALIDATION_FAILED',
    );
    expect(errorFields(problem)).toEqual(['trigger.schedule.cron']);
    await expectUnchanged(token, agent.id, agent);
  });

  it('an empty updateMask behaves like no mask', async () => {
    const agent = await createAgent(token, RICH);
    const response = await patched(token, agent.id, { role: 'Empty mask' }, { updateMask: '' });
    expect(response.variation).toEqual({ ...agent.variation, role: 'Empty mask' });
  });
});

describe('PATCH validation rules (SPEC §2)', () => {
  const token = tokenFor({ sub: 'patch-rules' });
  let agent: any;
  beforeAll(async () => {
    agent = await createAgent(token, RICH);
  });

  /** Every rejected PATCH in this group must name `fields` and leave the agent as it was. */
  async function rejects(body: Record<string, unknown>, fields: string[], status = 400, code = 'VALIDATION_FAILED'): Promise<any> {
    const before = await getAgent(token, agent.id);
    const problem = expectProblem(await patchAgent(token, agent.id, body), status, code);
    expect(errorFields(problem)).toEqual(expect.arrayContaining(fields));
    await expectUnchanged(token, agent.id, before.body);
    return problem;
  }
  const accepts = async (body: Record<string, unknown>) => (await patched(token, agent.id, body)).variation;

  it('name: 1–200 characters, trimmed', async () => {
    expect((await patched(token, agent.id, { name: '  Trimmed  ' })).name).toBe('Trimmed');
    expect((await patched(token, agent.id, { name: 'n'.repeat(200) })).name).toBe('n'.repeat(200));
    await rejects({ name: '' }, ['name']);
    await rejects({ name: ' \t ' }, ['name']);
    await rejects({ name: 'n'.repeat(201) }, ['name']);
  });

  it('description: up to 2,000 characters', async () => {
    expect((await patched(token, agent.id, { description: 'd'.repeat(2000) })).description).toHaveLength(2000);
    await rejects({ description: 'd'.repeat(2001) }, ['description']);
  });

  it('schedule trigger: five-field cron, IANA time zone, no other keys', async () => {
    expect((await accepts({ trigger: scheduleTrigger('*/15 8-18 * * MON-FRI', 'America/Port-au-Prince') })).trigger).toEqual(
      scheduleTrigger('*/15 8-18 * * MON-FRI', 'America/Port-au-Prince'),
    );
    expect((await accepts({ trigger: scheduleTrigger('0 0 1 1 *', 'UTC') })).trigger).toEqual(scheduleTrigger('0 0 1 1 *', 'UTC'));

    await rejects({ trigger: scheduleTrigger('0 9 * *', 'UTC') }, ['trigger.schedule.cron']);
    await rejects({ trigger: scheduleTrigger('0 0 9 * * 1', 'UTC') }, ['trigger.schedule.cron']);
    await rejects({ trigger: scheduleTrigger('99 * * * *', 'UTC') }, ['trigger.schedule.cron']);
    await rejects({ trigger: scheduleTrigger('@daily', 'UTC') }, ['trigger.schedule.cron']);
    await rejects({ trigger: scheduleTrigger('', 'UTC') }, ['trigger.schedule.cron']);
    await rejects({ trigger: scheduleTrigger('0 9 * * *', 'Mars/Olympus_Mons') }, ['trigger.schedule.timezone']);
    await rejects({ trigger: scheduleTrigger('0 9 * * *', 'europe/berlin') }, ['trigger.schedule.timezone']);
    await rejects({ trigger: scheduleTrigger('0 9 * * *', '+02:00') }, ['trigger.schedule.timezone']);
    await rejects({ trigger: { type: 'schedule', schedule: { cron: '0 9 * * *' } } }, ['trigger.schedule.timezone']);
    await rejects({ trigger: { type: 'schedule', schedule: { cron: 5, timezone: 'UTC' } } }, ['trigger.schedule.cron']);
    await rejects({ trigger: { type: 'schedule' } }, ['trigger.schedule']);
    await rejects({ trigger: { type: 'schedule', schedule: { cron: '0 9 * * *', timezone: 'UTC', jitter: 5 } } }, ['trigger.schedule.jitter']);
    await rejects({ trigger: { ...scheduleTrigger(), enabled: true } }, ['trigger.enabled']);
    // Every problem at once.
    await rejects({ trigger: { type: 'schedule', extra: 1, schedule: { cron: 'bad', timezone: 'Nowhere', more: 2 } } }, [
      'trigger.extra',
      'trigger.schedule.more',
      'trigger.schedule.cron',
      'trigger.schedule.timezone',
    ]);
  });

  it('schedule trigger: only the cron SPEC §2 documents; L, ?, and an overflowing step are 400 naming the cron field', async () => {
    for (const [cron, named] of [
      ['*/99999999999999999999 * * * *', 'minute field "*/99999999999999999999": the step'],
      ['0 0 L * *', 'day-of-month field "L"'],
      ['0 9 ? * *', 'day-of-month field "?"'],
    ]) {
      const problem = await rejects({ trigger: scheduleTrigger(cron, 'UTC') }, ['trigger.schedule.cron']);
      expect(problem.errors).toEqual([{ field: 'trigger.schedule.cron', message: expect.stringContaining(named) }]);
    }
  });

  it('other triggers: any non-empty type, stored exactly as given, up to 16 KiB', async () => {
    const webhook = { type: 'webhook', config: { path: '/in', headers: { 'x-a': ['1', '2'] } }, enabled: true, weight: 1.5, note: null };
    expect((await accepts({ trigger: webhook })).trigger).toEqual(webhook);
    expect((await getAgent(token, agent.id)).body.variation.trigger).toEqual(webhook);
    expect((await accepts({ trigger: { type: 'email' } })).trigger).toEqual({ type: 'email' });
    await rejects({ trigger: { type: '' } }, ['trigger.type']);
    await rejects({ trigger: { type: 7 } }, ['trigger.type']);
    await rejects({ trigger: { schedule: { cron: '0 9 * * *', timezone: 'UTC' } } }, ['trigger.type']);
    await rejects({ trigger: { type: 'webhook', blob: 'x'.repeat(16 * 1024) } }, ['trigger']);
  });

  it('agentSelection: any object, stored as given, up to 64 KiB', async () => {
    const selection = { mode: 'manual', agents: [{ id: 1, weight: 0.5 }], nested: { deep: { deeper: [true, null] } } };
    expect((await accepts({ agentSelection: selection })).agentSelection).toEqual(selection);
    await rejects({ agentSelection: [1, 2] }, ['agentSelection']);
    await rejects({ agentSelection: { blob: 'x'.repeat(64 * 1024) } }, ['agentSelection']);
  });

  it('workflowStructure: unique node ids, edges between existing nodes, no cycles', async () => {
    const graph = {
      nodes: [
        { id: 'a', type: 'http', name: 'Fetch', config: { url: 'https://example.com' }, position: { x: 0, y: 10.5 } },
        { id: 'b', type: 'llm' },
        { id: 'c', type: 'slack' },
      ],
      edges: [
        { id: 'e1', source: 'a', target: 'b', condition: { status: 200 } },
        { source: 'a', target: 'c' },
        { source: 'b', target: 'c' },
      ],
    };
    expect((await accepts({ workflowStructure: graph })).workflowStructure).toEqual(graph);

    const nodes = [{ id: 'a', type: 'x' }, { id: 'b', type: 'x' }];
    await rejects({ workflowStructure: { nodes: [...nodes, { id: 'a', type: 'y' }], edges: [] } }, ['workflowStructure.nodes[2].id']);
    await rejects({ workflowStructure: { nodes, edges: [{ source: 'a', target: 'zz' }] } }, ['workflowStructure.edges[0].target']);
    await rejects({ workflowStructure: { nodes, edges: [{ source: 'ghost', target: 'a' }] } }, ['workflowStructure.edges[0].source']);
    await rejects({ workflowStructure: { nodes, edges: [{ source: 'a', target: 'b' }, { source: 'b', target: 'a' }] } }, ['workflowStructure.edges']);
    await rejects({ workflowStructure: { nodes, edges: [{ source: 'a', target: 'a' }] } }, ['workflowStructure.edges']);
    await rejects({ workflowStructure: { nodes, edges: [{ id: 'e', source: 'a', target: 'b' }, { id: 'e', source: 'b', target: 'b' }] } }, ['workflowStructure.edges[1].id']);
    await rejects({ workflowStructure: { nodes: [{ id: 'a' }], edges: [] } }, ['workflowStructure.nodes[0].type']);
    await rejects({ workflowStructure: { nodes: [{ id: '', type: 'x' }], edges: [] } }, ['workflowStructure.nodes[0].id']);
    await rejects({ workflowStructure: { nodes: [] } }, ['workflowStructure.edges']);
    await rejects({ workflowStructure: { nodes: [{ id: 'a', type: 'x', position: { x: 'left', y: 0 } }], edges: [] } }, ['workflowStructure.nodes[0].position.x']);
    const many = Array.from({ length: 501 }, (_, i) => ({ id: `n${i}`, type: 'x' }));
    await rejects({ workflowStructure: { nodes: many, edges: [] } }, ['workflowStructure.nodes']);
  });

  it('instructions, role, specialInstructions: bounded strings or null', async () => {
    expect((await accepts({ instructions: 'i'.repeat(100_000) })).instructions).toHaveLength(100_000);
    await rejects({ instructions: 'i'.repeat(100_001) }, ['instructions']);
    expect((await accepts({ role: 'r'.repeat(10_000), specialInstructions: 's'.repeat(10_000) })).role).toHaveLength(10_000);
    await rejects({ role: 'r'.repeat(10_001), specialInstructions: 's'.repeat(10_001) }, ['role', 'specialInstructions']);
  });

  it('language: a BCP-47 tag or null; modelId: a UUID or null', async () => {
    for (const tag of ['en', 'pt-BR', 'zh-Hant-TW', 'es-419', 'de-CH-1996']) expect((await accepts({ language: tag })).language).toBe(tag);
    await rejects({ language: 'english please' }, ['language']);
    await rejects({ language: 'e' }, ['language']);
    await rejects({ language: 'en_US' }, ['language']);
    expect((await accepts({ modelId: MODEL })).modelId).toBe(MODEL);
    await rejects({ modelId: '1234' }, ['modelId']);
  });

  it('voice: {enabled, pipelineMode} with pipelineMode pipeline, sts, hybrid or null', async () => {
    for (const mode of ['pipeline', 'sts', 'hybrid', null]) {
      expect((await accepts({ voice: { enabled: true, pipelineMode: mode } })).voice).toEqual({ enabled: true, pipelineMode: mode });
    }
    await rejects({ voice: { enabled: true, pipelineMode: 'duplex' } }, ['voice.pipelineMode']);
    await rejects({ voice: { pipelineMode: 'sts' } }, ['voice.enabled']);
    await rejects({ voice: 'on' }, ['voice']);
  });

  it('tools: UUID toolIds, optional object config, no duplicate toolId, at most 128', async () => {
    expect((await accepts({ tools: [{ toolId: TOOL_A, config: { nested: { a: [1] } } }, { toolId: TOOL_B }] })).tools).toEqual([
      { toolId: TOOL_A, config: { nested: { a: [1] } } },
      { toolId: TOOL_B },
    ]);
    await rejects({ tools: [{ toolId: TOOL_A }, { toolId: TOOL_B }, { toolId: TOOL_A, config: {} }] }, ['tools[2].toolId']);
    await rejects({ tools: [{ toolId: 'search' }] }, ['tools[0].toolId']);
    await rejects({ tools: [{ config: {} }] }, ['tools[0].toolId']);
    await rejects({ tools: [{ toolId: TOOL_A, config: 'fast' }] }, ['tools[0].config']);
    const tooMany = Array.from({ length: 129 }, (_, i) => ({ toolId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
    await rejects({ tools: tooMany }, ['tools']);
    expect((await accepts({ tools: tooMany.slice(0, 128) })).tools).toHaveLength(128);
    await accepts({ tools: [] });
  });

  it('type: task or workflow', async () => {
    const other = await createAgent(token);
    expect((await patched(token, other.id, { type: 'workflow' })).type).toBe('workflow');
    expect((await getAgent(token, other.id)).body.type).toBe('workflow');
    expectProblem(await patchAgent(token, other.id, { type: 'chat' }), 400, 'VALIDATION_FAILED');
  });
});

describe('PATCH sub-agents', () => {
  const token = tokenFor({ sub: 'patch-subs' });

  async function rejectsSubAgents(id: number, subAgents: unknown[], fields: string[]): Promise<any> {
    const before = await getAgent(token, id);
    const problem = expectProblem(await patchAgent(token, id, { description: 'must not stick', subAgents }), 422, 'INVALID_SUB_AGENTS');
    expect(errorFields(problem)).toEqual(fields);
    await expectUnchanged(token, id, before.body);
    return problem;
  }

  it('accepts other agents of the org that the caller can use', async () => {
    const parent = await createAgent(token);
    const mine = await createAgent(token);
    const shared = await createAgent(tokenFor({ sub: 'patch-subs-colleague' }), { accessConfig: { orgAccess: 'use' } });
    const response = await patched(token, parent.id, { subAgents: [{ agentId: mine.id }, { agentId: shared.id }] });
    expect(response.variation.subAgents).toEqual([{ agentId: mine.id }, { agentId: shared.id }]);
  });

  it('rejects itself, unknown ids, other orgs, agents the caller cannot use, deleted agents and duplicates with 422', async () => {
    const parent = await createAgent(token);
    const ok = await createAgent(token);
    const foreign = await createAgent(tokenFor({ sub: 'patch-subs-b', org: ORG_B }));
    const privateOne = await createAgent(tokenFor({ sub: 'patch-subs-private' }));
    const gone = await createAgent(token);
    expect((await api('DELETE', `${AGENTS}/${gone.id}`, { token })).status).toBe(200);

    await rejectsSubAgents(parent.id, [{ agentId: parent.id }], ['subAgents[0].agentId']);
    await rejectsSubAgents(parent.id, [{ agentId: ok.id }, { agentId: 2_000_000_000 }], ['subAgents[1].agentId']);
    await rejectsSubAgents(parent.id, [{ agentId: foreign.id }], ['subAgents[0].agentId']);
    await rejectsSubAgents(parent.id, [{ agentId: privateOne.id }], ['subAgents[0].agentId']);
    await rejectsSubAgents(parent.id, [{ agentId: gone.id }], ['subAgents[0].agentId']);
    await rejectsSubAgents(parent.id, [{ agentId: ok.id }, { agentId: ok.id }], ['subAgents[1].agentId']);
    // Every bad entry is reported.
    await rejectsSubAgents(parent.id, [{ agentId: parent.id }, { agentId: ok.id }, { agentId: foreign.id }], ['subAgents[0].agentId', 'subAgents[2].agentId']);
  });

  it('rejects a cycle through other agents\' sub-agents (draft or deployed), and [] removes all', async () => {
    const a = await createAgent(token, { name: 'Cycle A' });
    const b = await createAgent(token, { name: 'Cycle B' });
    const c = await createAgent(token, { name: 'Cycle C' });
    await patched(token, a.id, { subAgents: [{ agentId: b.id }] });
    await deployed(token, a.id); // A → B is now published, no draft left
    await patched(token, b.id, { subAgents: [{ agentId: c.id }] }); // B → C only in B's draft

    const problem = await rejectsSubAgents(c.id, [{ agentId: a.id }], ['subAgents']);
    expect(problem.errors[0].message).toContain(`${c.id} → ${a.id} → ${b.id} → ${c.id}`);
    // Also a direct two-agent cycle.
    await rejectsSubAgents(b.id, [{ agentId: a.id }], ['subAgents']);

    // Break the chain (B → C removed), and C → A is fine.
    expect((await patched(token, b.id, { subAgents: [] })).variation.subAgents).toEqual([]);
    expect((await patched(token, c.id, { subAgents: [{ agentId: a.id }] })).variation.subAgents).toEqual([{ agentId: a.id }]);
  });

  it('allows at most 32 sub-agents', async () => {
    const parent = await createAgent(token);
    const problem = expectProblem(
      await patchAgent(token, parent.id, { subAgents: Array.from({ length: 33 }, (_, i) => ({ agentId: i + 1 })) }),
      400,
      'VALIDATION_FAILED',
    );
    expect(errorFields(problem)).toContain('subAgents');
    expectProblem(await patchAgent(token, parent.id, { subAgents: [{ agentId: 0 }] }), 400, 'VALIDATION_FAILED');
  });
});

describe('PATCH is all or nothing', () => {
  const token = tokenFor({ sub: 'patch-atomic' });

  it('writes nothing when one field of the request is rejected', async () => {
    const agent = await createAgent(token, RICH);
    for (const body of [
      { description: 'new', instructions: 'new', trigger: scheduleTrigger('0 9 * * *', 'Nowhere/City') },
      { description: 'new', tools: [{ toolId: TOOL_A }, { toolId: TOOL_A }] },
      { description: 'new', workflowStructure: { nodes: [{ id: 'a', type: 'x' }], edges: [{ source: 'a', target: 'a' }] } },
      { description: 'new', accessConfig: { owner: 'user:somebody-else' } },
    ]) {
      const response = await patchAgent(token, agent.id, body);
      expect(response.status).toBe(400);
      await expectUnchanged(token, agent.id, agent);
    }
    const subs = await patchAgent(token, agent.id, { description: 'new', role: 'new', subAgents: [{ agentId: agent.id }] });
    expectProblem(subs, 422, 'INVALID_SUB_AGENTS');
    await expectUnchanged(token, agent.id, agent);
    expect((await getAgent(token, agent.id)).body.accessConfig).toEqual(agent.accessConfig);
  });

  it('creates no draft on a deployed agent when the PATCH is rejected', async () => {
    const agent = await createAgent(token);
    const live = await deployed(token, agent.id);
    expectProblem(await patchAgent(token, agent.id, { description: 'x', tools: [{ toolId: TOOL_A }, { toolId: TOOL_A }] }), 400);
    const after = await getAgent(token, agent.id);
    expect(after.body).toEqual(live);
    expect(after.body.draftVariationId).toBeNull();
  });
});

describe('PATCH whose event cannot be appended', () => {
  const token = tokenFor({ sub: 'patch-append-fails' });
  const trigger = `refuse_event_${process.pid}`;

  // The append of a PATCH's `agent.updated` goes out with its COMMIT, unanswered until then
  // (EventLog.append): its failure must still roll the whole write back and fail the request.
  beforeAll(() =>
    withDatabase((db) =>
      db.query(`
        CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.data::text LIKE '%refuse this event%' THEN RAISE EXCEPTION 'the log refused the event'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER ${trigger} BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION ${trigger}()`),
    ),
  );
  afterAll(() => withDatabase((db) => db.query(`DROP TRIGGER IF EXISTS ${trigger} ON events; DROP FUNCTION IF EXISTS ${trigger}()`)));

  it('writes nothing, records nothing and answers 500; the next PATCH goes through', async () => {
    const agent = await createAgent(token, RICH);
    // Not through api(): a 500 is no answer the document promises.
    const response = await fetch(`${process.env.E2E_BASE_URL}${AGENTS}/${agent.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'refuse this event' }),
    });
    expect({ status: response.status, type: response.headers.get('content-type') }).toEqual({ status: 500, type: expect.stringMatching(/^application\/problem\+json/) });
    await expectUnchanged(token, agent.id, agent);
    const logged = await withDatabase((db) => db.query(`SELECT count(*)::int AS n FROM events WHERE agent_id = $1 AND type = 'agent.updated'`, [agent.id]));
    expect(logged.rows).toEqual([{ n: 0 }]);
    expect((await patched(token, agent.id, { description: 'accepted' })).description).toBe('accepted');
  });
});

describe('PATCH and If-Match', () => {
  const token = tokenFor({ sub: 'patch-if-match' });

  it('a stale If-Match gets 412 and changes nothing; the current one passes', async () => {
    const agent = await createAgent(token);
    const fresh = await patched(token, agent.id, { description: 'v2' });
    const stale = await patchAgent(token, agent.id, { description: 'from a stale read' }, { ifMatch: agent.etag });
    expectProblem(stale, 412, 'PRECONDITION_FAILED');
    await expectUnchanged(token, agent.id, fresh);

    const ok = await patchAgent(token, agent.id, { description: 'v3' }, { ifMatch: fresh.etag });
    expect(ok.status).toBe(200);
    expect(ok.body.description).toBe('v3');
    expect(ok.body.etag).not.toBe(fresh.etag);
  });

  it('"*" always passes, a weak tag never matches, a list matches when one member does', async () => {
    const agent = await createAgent(token);
    const star = await patchAgent(token, agent.id, { description: 'star' }, { ifMatch: '*' });
    expect(star.status).toBe(200);

    const weak = `W/${star.body.etag}`;
    expectProblem(await patchAgent(token, agent.id, { description: 'weak' }, { ifMatch: weak }), 412, 'PRECONDITION_FAILED');
    expectProblem(await patchAgent(token, agent.id, { description: 'unquoted' }, { ifMatch: star.body.etag.replaceAll('"', '') }), 412);
    await expectUnchanged(token, agent.id, star.body);

    const listed = await patchAgent(token, agent.id, { description: 'listed' }, { ifMatch: `"999999", ${star.body.etag}` });
    expect(listed.status).toBe(200);
    expect(listed.body.description).toBe('listed');
  });

  describe('a PATCH that changes nothing (issue #14)', () => {
    const token = tokenFor({ sub: 'noop-patcher' });

    it.each<{ name: string; body: (agent: any) => unknown; updateMask?: string }>([
      { name: 'an empty body', body: () => ({}) },
      { name: 'no body at all', body: () => undefined },
      { name: 'the values it already has', body: (agent) => ({ name: agent.name, description: agent.description, instructions: agent.variation.instructions }) },
      { name: 'its access config as it is', body: (agent) => ({ accessConfig: { orgAccess: agent.accessConfig.orgAccess, grants: agent.accessConfig.grants } }) },
      { name: 'a mask of fields it sends unchanged', body: (agent) => ({ name: agent.name, description: 'ignored outside the mask' }), updateMask: 'name' },
    ])('with $name answers 200 and keeps the ETag', async ({ body, updateMask }) => {
      const agent = await createAgent(token, { description: 'kept' });
      const response = await patchAgent(token, agent.id, body(agent), { updateMask, ifMatch: agent.etag });
      expect({ status: response.status, body: response.status === 200 ? undefined : response.body }).toEqual({ status: 200, body: undefined });
      expect(response.body.etag).toBe(agent.etag);
      expect(response.headers.get('etag')).toBe(agent.etag);
      expect((await patchAgent(token, agent.id, { description: 'changed' }, { ifMatch: agent.etag })).status).toBe(200);
    });

    it('on a deployed agent, the active content sent back creates no draft and keeps the ETag', async () => {
      const live = await deployed(token, (await createAgent(token)).id);
      const response = await patchAgent(token, live.id, { instructions: live.variation.instructions });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ etag: live.etag, draftVariationId: null, hasUnpublishedChanges: false });
    });

    it('a real change still advances the ETag', async () => {
      const agent = await createAgent(token);
      const response = await patchAgent(token, agent.id, { description: 'new' });
      expect(response.status).toBe(200);
      expect(response.body.etag).not.toBe(agent.etag);
    });

    it('a body of JSON null is a wrong type: 400, and nothing changes', async () => {
      const agent = await createAgent(token);
      const problem = expectProblem(await api('PATCH', `${AGENTS}/${agent.id}`, { token, rawBody: 'null' }), 400, 'VALIDATION_FAILED');
      expect(errorFields(problem)).toEqual(['body']);
      expect((await getAgent(token, agent.id)).body.etag).toBe(agent.etag);
      expectProblem(await api('POST', AGENTS, { token, rawBody: 'null' }), 400, 'VALIDATION_FAILED');
    });
  });
});

