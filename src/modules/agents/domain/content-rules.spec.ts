import { defaultContent } from '../../variation-store/domain/variation-content';
import { contentErrors } from './content-rules';

const TOOL = '8f0e0000-0000-4000-8000-000000000001';

describe('contentErrors', () => {
  it('accepts default content', () => {
    expect(contentErrors(defaultContent('A', 'task'))).toEqual([]);
  });

  it('collects trigger, graph and tool problems together', () => {
    const content = {
      ...defaultContent('A', 'workflow'),
      trigger: { type: 'schedule', schedule: { cron: 'every day', timezone: 'Europe/Berlin' } },
      workflowStructure: { nodes: [{ id: 'a', type: 'x' }], edges: [{ source: 'a', target: 'b' }] },
      tools: [{ toolId: TOOL }, { toolId: TOOL }],
    };
    const fields = contentErrors(content).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['trigger.schedule.cron', 'workflowStructure.edges[0].target', 'tools[1].toolId']));
  });
});
