import type { FieldError } from '../../../common/errors/field-error';
import type { WorkflowEdge, WorkflowStructure } from './variation-content';

export const MAX_NODES = 500;
export const MAX_EDGES = 2_000;

/**
 * The graph rules the DTO cannot express: size limits, unique ids, edges that
 * name existing nodes, and no cycles. Every problem is reported, so a client
 * can fix them all in one round trip.
 */
export function validateWorkflowGraph(graph: WorkflowStructure, path = 'workflowStructure'): FieldError[] {
  const sizeErrors = sizeProblems(graph, path);
  // An oversized graph would yield an error list as large as the body; the limits are the one thing to fix.
  if (sizeErrors.length > 0) return sizeErrors;

  const nodeIds = new Set(graph.nodes.map((node) => node.id));
  const errors = [
    ...duplicateIds(graph.nodes.map((node) => node.id), path, 'nodes'),
    ...duplicateIds(graph.edges.map((edge) => edge.id), path, 'edges'),
  ];

  const danglingErrors = danglingEndpoints(graph.edges, nodeIds, path);
  errors.push(...danglingErrors);
  // A cycle through a node that does not exist would be meaningless to report.
  if (danglingErrors.length === 0) {
    const cycle = findCycle(graph.edges, nodeIds);
    if (cycle) errors.push({ field: `${path}.edges`, message: `the graph has a cycle: ${cycle.join(' → ')}` });
  }
  return errors;
}

function sizeProblems(graph: WorkflowStructure, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (graph.nodes.length > MAX_NODES) {
    errors.push({ field: `${path}.nodes`, message: `at most ${MAX_NODES} nodes are allowed, got ${graph.nodes.length}` });
  }
  if (graph.edges.length > MAX_EDGES) {
    errors.push({ field: `${path}.edges`, message: `at most ${MAX_EDGES} edges are allowed, got ${graph.edges.length}` });
  }
  return errors;
}

/** One error per repeat, pointing back at the first use; absent ids (optional edge ids) are skipped. */
function duplicateIds(ids: (string | undefined)[], path: string, array: 'nodes' | 'edges'): FieldError[] {
  const firstIndex = new Map<string, number>();
  const errors: FieldError[] = [];
  ids.forEach((id, index) => {
    if (id === undefined) return;
    const first = firstIndex.get(id);
    if (first === undefined) {
      firstIndex.set(id, index);
    } else {
      errors.push({
        field: `${path}.${array}[${index}].id`,
        message: `duplicate id ${JSON.stringify(id)}, already used by ${array}[${first}]`,
      });
    }
  });
  return errors;
}

function danglingEndpoints(edges: WorkflowEdge[], nodeIds: ReadonlySet<string>, path: string): FieldError[] {
  const errors: FieldError[] = [];
  edges.forEach((edge, index) => {
    for (const end of ['source', 'target'] as const) {
      if (!nodeIds.has(edge[end])) {
        errors.push({
          field: `${path}.edges[${index}].${end}`,
          message: `no node has the id ${JSON.stringify(edge[end])}`,
        });
      }
    }
  });
  return errors;
}

/**
 * Iterative depth-first search (no recursion, so graph depth cannot overflow
 * the stack), O(nodes + edges). Returns the node ids of the first cycle found,
 * closed by repeating its first node, e.g. [a, b, a]; a self-loop gives [a, a].
 */
function findCycle(edges: WorkflowEdge[], nodeIds: ReadonlySet<string>): string[] | null {
  const successors = new Map<string, string[]>();
  for (const id of nodeIds) successors.set(id, []);
  for (const edge of edges) successors.get(edge.source)!.push(edge.target);

  const finished = new Set<string>();
  // Position of each node on the current DFS path; membership means "in progress".
  const pathIndex = new Map<string, number>();

  for (const start of nodeIds) {
    if (finished.has(start)) continue;
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    pathIndex.set(start, 0);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      const targets = successors.get(frame.id)!;
      if (frame.next === targets.length) {
        stack.pop();
        pathIndex.delete(frame.id);
        finished.add(frame.id);
        continue;
      }
      const target = targets[frame.next++];
      const onPath = pathIndex.get(target);
      if (onPath !== undefined) {
        return [...stack.slice(onPath).map((entry) => entry.id), target];
      }
      if (!finished.has(target)) {
        pathIndex.set(target, stack.length);
        stack.push({ id: target, next: 0 });
      }
    }
  }
  return null;
}
