import { content as reportContent } from '../../../../test/support/content';
import { runnabilityProblems } from './runnability';
import { defaultContent, type VariationContent } from './variation-content';

const task = (instructions: string | null) => reportContent({ instructions });

function workflow(nodeCount: number): VariationContent {
  const content = defaultContent('Pipeline', 'workflow');
  content.workflowStructure.nodes = Array.from({ length: nodeCount }, (_, i) => ({ id: `n${i}`, type: 'llm' }));
  return content;
}

describe('runnabilityProblems', () => {
  it('accepts a task with instructions and a workflow with a node', () => {
    expect(runnabilityProblems(task('You write the daily sales report.'))).toEqual([]);
    expect(runnabilityProblems(workflow(1))).toEqual([]);
  });

  it.each([null, '', ' \n\t '])('requires a task to have instructions, not %p', (instructions) => {
    expect(runnabilityProblems(task(instructions))).toEqual([
      { field: 'instructions', message: 'a task agent needs instructions to deploy' },
    ]);
  });

  it('requires a workflow to have a node', () => {
    expect(runnabilityProblems(workflow(0))).toEqual([
      { field: 'workflowStructure.nodes', message: 'a workflow agent needs at least one node to deploy' },
    ]);
  });

  it('does not ask a workflow for instructions or a task for nodes', () => {
    expect(runnabilityProblems({ ...workflow(2), instructions: null })).toEqual([]);
    expect(runnabilityProblems({ ...task('Go.'), workflowStructure: { nodes: [], edges: [] } })).toEqual([]);
  });
});
