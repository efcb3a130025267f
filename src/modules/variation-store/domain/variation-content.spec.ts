import { CONTENT_FIELDS, defaultContent } from './variation-content';

describe('variation content', () => {
  it('lists every content field exactly once', () => {
    const keys = Object.keys(defaultContent('x', 'task'));
    expect([...CONTENT_FIELDS].sort()).toEqual(keys.sort());
    expect(new Set(CONTENT_FIELDS).size).toBe(CONTENT_FIELDS.length);
  });

  it('lists fields in the order of the API representation', () => {
    expect(CONTENT_FIELDS[0]).toBe('name');
    expect(CONTENT_FIELDS[1]).toBe('type');
    expect(CONTENT_FIELDS.slice(-5)).toEqual(['subAgents', 'concurrency', 'inputSchema', 'retry', 'budget']);
  });

  it('starts a new agent with empty, not-runnable content', () => {
    expect(defaultContent('Daily report', 'workflow')).toEqual({
      name: 'Daily report',
      type: 'workflow',
      description: null,
      trigger: null,
      agentSelection: null,
      workflowStructure: { nodes: [], edges: [] },
      instructions: null,
      role: null,
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

  it('never shares nested objects between defaults', () => {
    const first = defaultContent('a', 'task');
    first.workflowStructure.nodes.push({ id: 'n', type: 'llm' });
    first.tools.push({ toolId: 't' });
    first.voice.enabled = true;
    const second = defaultContent('a', 'task');
    expect(second.workflowStructure.nodes).toEqual([]);
    expect(second.tools).toEqual([]);
    expect(second.voice.enabled).toBe(false);
  });
});
