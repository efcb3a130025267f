import { api, expectProblem } from './support/http';
import { tokenFor } from './support/tokens';
import { AGENTS, createAgent, deploy, freshOrg, getAgent, patchAgent } from './support/agents';

/**
 * Issue #3, SPEC §4 and §5 under real parallel requests: PATCHes of different fields never lose
 * each other's writes, one If-Match wins, and deploy never publishes half a PATCH.
 */

const toolId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('concurrent writes', () => {
  const token = tokenFor({ sub: 'agents-concurrency' });

  it('two concurrent PATCHes of different fields both take effect (10 rounds)', async () => {
    const agent = await createAgent(token);
    for (let round = 0; round < 10; round++) {
      const [description, instructions] = await Promise.all([
        patchAgent(token, agent.id, { description: `description ${round}` }),
        patchAgent(token, agent.id, { instructions: `instructions ${round}` }),
      ]);
      expect([description.status, instructions.status]).toEqual([200, 200]);
      expect(description.body.etag).not.toBe(instructions.body.etag);
      const now = await getAgent(token, agent.id);
      expect({ description: now.body.description, instructions: now.body.variation.instructions }).toEqual({
        description: `description ${round}`,
        instructions: `instructions ${round}`,
      });
    }
  });

  it('ten concurrent PATCHes of ten different fields all take effect, also when the first one creates the draft', async () => {
    const agent = await createAgent(token, { instructions: 'base' });
    const live = await deploy(token, agent.id);
    expect(live.status).toBe(200);
    expect(live.body.draftVariationId).toBeNull();
    const bodies: Record<string, unknown>[] = [
      { description: 'c-description' },
      { role: 'c-role' },
      { specialInstructions: 'c-special' },
      { language: 'fr' },
      { modelId: toolId(99) },
      { agentSelection: { picked: true } },
      { trigger: { type: 'webhook', id: 'c' } },
      { voice: { enabled: true, pipelineMode: 'sts' } },
      { tools: [{ toolId: toolId(1) }] },
      { instructions: 'c-instructions' },
    ];
    const responses = await Promise.all(bodies.map((body) => patchAgent(token, agent.id, body)));
    expect(responses.map((r) => r.status)).toEqual(bodies.map(() => 200));
    expect(new Set(responses.map((r) => r.body.etag)).size).toBe(10);
    // Every PATCH landed in the same, single draft.
    expect(new Set(responses.map((r) => r.body.draftVariationId)).size).toBe(1);

    const now = (await getAgent(token, agent.id)).body;
    expect(now.description).toBe('c-description');
    expect(now.variation).toMatchObject({
      role: 'c-role',
      specialInstructions: 'c-special',
      language: 'fr',
      modelId: toolId(99),
      agentSelection: { picked: true },
      trigger: { type: 'webhook', id: 'c' },
      voice: { enabled: true, pipelineMode: 'sts' },
      tools: [{ toolId: toolId(1) }],
      instructions: 'c-instructions',
      state: 'draft',
    });
    const drafts = (await api('GET', `${AGENTS}/${agent.id}/variations`, { token })).body.variations.filter((v: any) => v.state === 'draft');
    expect(drafts).toHaveLength(1);
  });

  it('concurrent list writes replace the list whole: the result is exactly one of the sent lists', async () => {
    const agent = await createAgent(token);
    const lists = Array.from({ length: 10 }, (_, i) => [{ toolId: toolId(i * 10 + 1) }, { toolId: toolId(i * 10 + 2) }, { toolId: toolId(i * 10 + 3) }]);
    const responses = await Promise.all(lists.map((tools) => patchAgent(token, agent.id, { tools })));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const final = (await getAgent(token, agent.id)).body.variation.tools;
    expect(lists).toContainEqual(final);
    // The last write to commit is the one that holds the highest etag.
    const last = responses.reduce((a, b) => (Number(JSON.parse(a.body.etag)) > Number(JSON.parse(b.body.etag)) ? a : b));
    expect(final).toEqual(last.body.variation.tools);
  });

  it('of ten concurrent PATCHes with the same If-Match exactly one wins; the others get 412', async () => {
    const agent = await createAgent(token);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => patchAgent(token, agent.id, { description: `writer ${i}` }, { ifMatch: agent.etag })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(412)]);
    for (const loser of responses.filter((r) => r.status === 412)) expectProblem(loser, 412, 'PRECONDITION_FAILED');
    const winner = responses.find((r) => r.status === 200)!;
    const now = (await getAgent(token, agent.id)).body;
    expect(now.description).toBe(winner.body.description);
    expect(now.etag).toBe(winner.body.etag);
  });

  it('of concurrent deploys with the same If-Match exactly one publishes', async () => {
    const agent = await createAgent(token);
    const responses = await Promise.all(Array.from({ length: 5 }, () => deploy(token, agent.id, agent.etag)));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 412, 412, 412, 412]);
    const versions = (await api('GET', `${AGENTS}/${agent.id}/variations`, { token })).body.variations.map((v: any) => v.version);
    expect(versions).toEqual([1]);
  });

  it('deploy racing PATCHes never publishes a half-applied PATCH', async () => {
    const agent = await createAgent(token, { role: 'start', specialInstructions: 'start' });
    const requests: Promise<any>[] = [];
    for (let i = 0; i < 30; i++) {
      const value = `token-${i}`;
      requests.push(patchAgent(token, agent.id, { role: value, specialInstructions: value, description: value }));
      if (i % 3 === 2) requests.push(deploy(token, agent.id));
    }
    const responses = await Promise.all(requests);
    expect(responses.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);

    await deploy(token, agent.id);
    const summaries: any[] = [];
    let pageToken: string | null = null;
    do {
      const query: string = pageToken ? `?pageToken=${encodeURIComponent(pageToken)}` : '';
      const page = await api('GET', `${AGENTS}/${agent.id}/variations${query}`, { token });
      summaries.push(...page.body.variations);
      pageToken = page.body.nextPageToken;
    } while (pageToken);
    const published = summaries.filter((v) => v.version !== null);
    expect(published.length).toBeGreaterThanOrEqual(2);
    // Versions are 1..n with no gap or repeat, newest first.
    expect(published.map((v) => v.version)).toEqual(Array.from({ length: published.length }, (_, i) => published.length - i));
    expect(published.filter((v) => v.state === 'published')).toHaveLength(1);

    const details = await Promise.all(published.map((v) => api('GET', `${AGENTS}/${agent.id}/variations/${v.id}`, { token })));
    for (const detail of details) {
      expect(detail.status).toBe(200);
      // The three fields travel together; only the content from before any PATCH has no description.
      const { role, specialInstructions, description } = detail.body;
      expect([{ role, specialInstructions, description: role }, { role: 'start', specialInstructions: 'start', description: null }]).toContainEqual({ role, specialInstructions, description });
    }
    const active = (await getAgent(token, agent.id, 'active')).body;
    expect(active.variation.role).toBe(active.variation.specialInstructions);
    expect(active.description).toBe(active.variation.role);
  });

  it('concurrent creates with the same name get distinct ids and slugs', async () => {
    const org = freshOrg();
    const creator = tokenFor({ sub: 'agents-concurrency-create', org });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => api('POST', AGENTS, { token: creator, body: { name: 'Twin', instructions: 'x' } })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(20);
    expect(new Set(responses.map((r) => r.body.slug)).size).toBe(20);
    for (const r of responses) expect(r.body.slug).toMatch(/^twin-[0-9a-f]{3}$/);
    const listed = await api('GET', `${AGENTS}?pageSize=100`, { token: creator });
    expect(listed.body.agents).toHaveLength(20);
  });

  describe('sub-agent graphs stay acyclic under crossing writes (issue #14)', () => {
    const org = freshOrg();
    const owner = tokenFor({ sub: 'graph-owner', org });
    const subAgentsOf = async (id: number): Promise<number[]> =>
      ((await getAgent(owner, id)).body.variation.subAgents as { agentId: number }[]).map((s) => s.agentId);

    /** Follows the drafts' sub-agent edges from each agent; a path that comes back to where it started is a cycle. */
    async function expectAcyclic(ids: number[]): Promise<void> {
      const edges = new Map(await Promise.all(ids.map(async (id) => [id, await subAgentsOf(id)] as const)));
      const reachable = (from: number): Set<number> => {
        const seen = new Set<number>();
        const pending = [...(edges.get(from) ?? [])];
        while (pending.length > 0) {
          const next = pending.pop()!;
          if (seen.has(next)) continue;
          seen.add(next);
          pending.push(...(edges.get(next) ?? []));
        }
        return seen;
      };
      for (const id of ids) expect({ id, cycle: reachable(id).has(id) }).toEqual({ id, cycle: false });
    }

    it('A → B and B → A sent at once: one is refused with 422, 20 rounds out of 20', async () => {
      for (let round = 0; round < 20; round++) {
        const [a, b] = await Promise.all([createAgent(owner), createAgent(owner)]);
        const responses = await Promise.all([
          patchAgent(owner, a.id, { subAgents: [{ agentId: b.id }] }),
          patchAgent(owner, b.id, { subAgents: [{ agentId: a.id }] }),
        ]);
        expect(responses.map((r) => r.status).sort()).toEqual([200, 422]);
        expectProblem(responses.find((r) => r.status === 422)!, 422, 'INVALID_SUB_AGENTS');
        await expectAcyclic([a.id, b.id]);
      }
    });

    it('a ring of three closed from three sides at once never closes (10 rounds)', async () => {
      for (let round = 0; round < 10; round++) {
        const ring = await Promise.all([createAgent(owner), createAgent(owner), createAgent(owner)]);
        const responses = await Promise.all(
          ring.map((agent, index) => patchAgent(owner, agent.id, { subAgents: [{ agentId: ring[(index + 1) % 3].id }] })),
        );
        expect(responses.filter((r) => r.status === 200)).toHaveLength(2);
        await expectAcyclic(ring.map((agent) => agent.id));
      }
    });
  });
});

