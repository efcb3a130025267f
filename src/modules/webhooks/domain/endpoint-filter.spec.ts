import { endpointWants, typeGlobProblems } from './endpoint-filter';

describe('an endpoint’s types', () => {
  it('accepts event types and globs that match at least one', () => {
    expect(typeGlobProblems(['run.succeeded', 'run.*', 'agent.*', '*', 'agent.ownership_transfer.*', 'webhook_endpoint.disabled'])).toEqual([]);
  });

  it('names every glob that matches no type, and an empty list', () => {
    expect(typeGlobProblems(['run.succeded', 'run.*', 'Agent.created', 'run.?'])).toEqual([
      '"run.succeded", "Agent.created", "run.?" match no event type; list event types or globs such as run.*',
    ]);
    expect(typeGlobProblems([])).toEqual(['must list at least one event type or glob (`*` for every type)']);
  });
});

describe('endpointWants', () => {
  const event = (type: string, agentId: number | null = 7) => ({ type, agentId });

  it('matches the type against each glob, `*` spanning dots', () => {
    const filter = { types: ['run.*', 'agent.deployed'], agentIds: null };
    expect(endpointWants(filter, event('run.succeeded'))).toBe(true);
    expect(endpointWants(filter, event('agent.deployed'))).toBe(true);
    expect(endpointWants(filter, event('agent.updated'))).toBe(false);
    expect(endpointWants({ types: ['agent.*'], agentIds: null }, event('agent.ownership_transfer.accepted'))).toBe(true);
    expect(endpointWants({ types: ['*'], agentIds: null }, event('api_key.created', null))).toBe(true);
    expect(endpointWants({ types: ['run.succeeded'], agentIds: null }, event('run.succeeded.extra'))).toBe(false);
  });

  it('limits to the listed agents, leaving out events of no agent', () => {
    const filter = { types: ['*'], agentIds: [7, 9] };
    expect(endpointWants(filter, event('run.failed', 7))).toBe(true);
    expect(endpointWants(filter, event('run.failed', 8))).toBe(false);
    expect(endpointWants(filter, event('api_key.created', null))).toBe(false);
  });
});
