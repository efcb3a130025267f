import fc from 'fast-check';
import type { WorkflowEdge, WorkflowNode, WorkflowStructure } from './variation-content';
import { MAX_EDGES, MAX_NODES, validateWorkflowGraph } from './workflow-graph';

function nodes(...ids: string[]): WorkflowNode[] {
  return ids.map((id) => ({ id, type: 'llm' }));
}

function edges(...pairs: string[]): WorkflowEdge[] {
  return pairs.map((pair) => {
    const [source, target] = pair.split('>');
    return { source, target };
  });
}

function chain(length: number): WorkflowStructure {
  const ids = Array.from({ length }, (_, i) => `n${i}`);
  return { nodes: nodes(...ids), edges: ids.slice(1).map((id, i) => ({ source: ids[i], target: id })) };
}

/** Independent oracle: Kahn's algorithm leaves nodes unprocessed exactly when there is a cycle. */
function hasCycle(graph: WorkflowStructure): boolean {
  const inDegree = new Map(graph.nodes.map((node) => [node.id, 0]));
  for (const edge of graph.edges) inDegree.set(edge.target, inDegree.get(edge.target)! + 1);
  const ready = [...inDegree].filter(([, degree]) => degree === 0).map(([id]) => id);
  let processed = 0;
  while (ready.length > 0) {
    const id = ready.pop()!;
    processed++;
    for (const edge of graph.edges.filter((e) => e.source === id)) {
      inDegree.set(edge.target, inDegree.get(edge.target)! - 1);
      if (inDegree.get(edge.target) === 0) ready.push(edge.target);
    }
  }
  return processed < inDegree.size;
}

describe('validateWorkflowGraph', () => {
  it('accepts an empty graph and a diamond', () => {
    expect(validateWorkflowGraph({ nodes: [], edges: [] })).toEqual([]);
    expect(validateWorkflowGraph({ nodes: nodes('a', 'b', 'c', 'd'), edges: edges('a>b', 'a>c', 'b>d', 'c>d') })).toEqual(
      [],
    );
  });

  it('accepts parallel edges without ids', () => {
    expect(validateWorkflowGraph({ nodes: nodes('a', 'b'), edges: edges('a>b', 'a>b') })).toEqual([]);
  });

  describe('size limits', () => {
    it('allows exactly the limits', () => {
      const graph = chain(MAX_NODES);
      graph.edges.push(...Array.from({ length: MAX_EDGES - graph.edges.length }, () => ({ source: 'n0', target: 'n1' })));
      expect(graph.edges).toHaveLength(MAX_EDGES);
      expect(validateWorkflowGraph(graph)).toEqual([]);
    });

    it('rejects one node or edge too many, and reports nothing else for an oversized graph', () => {
      const graph: WorkflowStructure = {
        nodes: nodes(...Array.from({ length: MAX_NODES + 1 }, () => 'same')),
        edges: Array.from({ length: MAX_EDGES + 1 }, () => ({ source: 'x', target: 'y' })),
      };
      expect(validateWorkflowGraph(graph)).toEqual([
        { field: 'workflowStructure.nodes', message: 'at most 500 nodes are allowed, got 501' },
        { field: 'workflowStructure.edges', message: 'at most 2000 edges are allowed, got 2001' },
      ]);
    });

    it('checks each limit on its own', () => {
      expect(validateWorkflowGraph(chain(MAX_NODES + 1)).map((e) => e.field)).toEqual(['workflowStructure.nodes']);
    });
  });

  it('reports each repeated node id after the first', () => {
    expect(validateWorkflowGraph({ nodes: nodes('a', 'b', 'a', 'a'), edges: [] })).toEqual([
      { field: 'workflowStructure.nodes[2].id', message: 'duplicate id "a", already used by nodes[0]' },
      { field: 'workflowStructure.nodes[3].id', message: 'duplicate id "a", already used by nodes[0]' },
    ]);
  });

  it('reports repeated edge ids but not edges without an id', () => {
    const graph = {
      nodes: nodes('a', 'b', 'c'),
      edges: [
        { id: 'e1', source: 'a', target: 'b' },
        { source: 'a', target: 'c' },
        { source: 'b', target: 'c' },
        { id: 'e1', source: 'b', target: 'c' },
      ],
    };
    expect(validateWorkflowGraph(graph)).toEqual([
      { field: 'workflowStructure.edges[3].id', message: 'duplicate id "e1", already used by edges[0]' },
    ]);
  });

  it('reports every edge end that names a missing node, and skips the cycle check then', () => {
    const graph = { nodes: nodes('a', 'b'), edges: edges('a>b', 'b>a', 'ghost>a', 'a>nowhere', 'x>y') };
    expect(validateWorkflowGraph(graph)).toEqual([
      { field: 'workflowStructure.edges[2].source', message: 'no node has the id "ghost"' },
      { field: 'workflowStructure.edges[3].target', message: 'no node has the id "nowhere"' },
      { field: 'workflowStructure.edges[4].source', message: 'no node has the id "x"' },
      { field: 'workflowStructure.edges[4].target', message: 'no node has the id "y"' },
    ]);
  });

  describe('cycles', () => {
    it('names the nodes of the cycle in order', () => {
      expect(validateWorkflowGraph({ nodes: nodes('a', 'b', 'c'), edges: edges('a>b', 'b>c', 'c>a') })).toEqual([
        { field: 'workflowStructure.edges', message: 'the graph has a cycle: a → b → c → a' },
      ]);
    });

    it('treats a self-loop as a cycle', () => {
      expect(validateWorkflowGraph({ nodes: nodes('a', 'b'), edges: edges('a>b', 'b>b') })).toEqual([
        { field: 'workflowStructure.edges', message: 'the graph has a cycle: b → b' },
      ]);
    });

    it('names only the cycle, not the path that led to it', () => {
      const graph = { nodes: nodes('start', 'x', 'y', 'z'), edges: edges('start>x', 'x>y', 'y>z', 'z>x') };
      expect(validateWorkflowGraph(graph)[0].message).toBe('the graph has a cycle: x → y → z → x');
    });

    it('reports a cycle reached only after finishing other branches', () => {
      const graph = { nodes: nodes('a', 'b', 'c', 'd'), edges: edges('a>b', 'a>c', 'c>d', 'd>c') };
      expect(validateWorkflowGraph(graph)[0].message).toBe('the graph has a cycle: c → d → c');
    });

    it('handles a maximal chain closed into one long cycle', () => {
      const graph = chain(MAX_NODES);
      graph.edges.push({ source: `n${MAX_NODES - 1}`, target: 'n0' });
      const [error] = validateWorkflowGraph(graph);
      expect(error.message.split(' → ')).toHaveLength(MAX_NODES + 1);
      expect(error.message).toMatch(/^the graph has a cycle: n0 → n1 → .* → n499 → n0$/);
    });

    it('visits each node once, even with exponentially many paths', () => {
      // 22 diamonds in a row have 2^22 source-to-sink paths; a search that revisits nodes takes seconds.
      const graph: WorkflowStructure = { nodes: nodes('a0'), edges: [] };
      for (let k = 0; k < 22; k++) {
        graph.nodes.push(...nodes(`b${k}`, `c${k}`, `a${k + 1}`));
        graph.edges.push(...edges(`a${k}>b${k}`, `a${k}>c${k}`, `b${k}>a${k + 1}`, `c${k}>a${k + 1}`));
      }
      const started = performance.now();
      expect(validateWorkflowGraph(graph)).toEqual([]);
      expect(performance.now() - started).toBeLessThan(500);
    });

    it('agrees with Kahn’s algorithm and only reports real cycles', () => {
      const graphs = fc
        .tuple(fc.integer({ min: 1, max: 8 }), fc.array(fc.tuple(fc.nat(7), fc.nat(7)), { maxLength: 16 }))
        .map(([count, pairs]) => ({
          nodes: nodes(...Array.from({ length: count }, (_, i) => `v${i}`)),
          edges: pairs.map(([s, t]) => ({ source: `v${s % count}`, target: `v${t % count}` })),
        }));
      fc.assert(
        fc.property(graphs, (graph) => {
          const errors = validateWorkflowGraph(graph);
          expect(errors.length > 0).toBe(hasCycle(graph));
          if (errors.length === 0) return;
          const cycle = errors[0].message.replace('the graph has a cycle: ', '').split(' → ');
          expect(cycle[0]).toBe(cycle[cycle.length - 1]);
          for (let i = 1; i < cycle.length; i++) {
            expect(graph.edges).toContainEqual({ source: cycle[i - 1], target: cycle[i] });
          }
        }),
      );
    });
  });

  it('reports all kinds of problems together', () => {
    const graph = {
      nodes: nodes('a', 'b', 'a'),
      edges: [
        { id: 'e', source: 'a', target: 'b' },
        { id: 'e', source: 'b', target: 'a' },
      ],
    };
    expect(validateWorkflowGraph(graph).map((e) => e.field)).toEqual([
      'workflowStructure.nodes[2].id',
      'workflowStructure.edges[1].id',
      'workflowStructure.edges',
    ]);
  });

  it('prefixes fields with the given path', () => {
    expect(validateWorkflowGraph({ nodes: nodes('a'), edges: edges('a>b') }, 'variation.workflowStructure')).toEqual([
      { field: 'variation.workflowStructure.edges[0].target', message: 'no node has the id "b"' },
    ]);
  });
});
