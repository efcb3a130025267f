import { diffContent } from './variation-diff';
import { content as reportContent } from '../../../../test/support/content';
import { CONTENT_FIELDS, type VariationContent } from './variation-content';

const content = (overrides: Partial<VariationContent> = {}) => reportContent({ instructions: 'Summarise sales.', ...overrides });

describe('diffContent', () => {
  it('finds nothing when the draft equals the active variation', () => {
    expect(diffContent(content(), content())).toEqual([]);
  });

  it('ignores key order inside objects', () => {
    const active = content({ agentSelection: { a: 1, b: { c: 2, d: 3 } } });
    const draft = content({ agentSelection: { b: { d: 3, c: 2 }, a: 1 } });
    expect(diffContent(active, draft)).toEqual([]);
  });

  it('lists changed fields in content order with both values', () => {
    const active = content({ tools: [{ toolId: 't1' }] });
    const draft = content({
      subAgents: [{ agentId: 7 }],
      name: 'Report v2',
      tools: [{ toolId: 't1', config: { region: 'eu' } }],
    });
    expect(diffContent(active, draft)).toEqual([
      { field: 'name', active: 'Report', draft: 'Report v2' },
      { field: 'tools', active: [{ toolId: 't1' }], draft: [{ toolId: 't1', config: { region: 'eu' } }] },
      { field: 'subAgents', active: [], draft: [{ agentId: 7 }] },
    ]);
  });

  it('tells null from an empty string', () => {
    expect(diffContent(content({ description: null }), content({ description: '' }))).toEqual([
      { field: 'description', active: null, draft: '' },
    ]);
  });

  it('treats array order as meaningful', () => {
    const active = content({ subAgents: [{ agentId: 1 }, { agentId: 2 }] });
    const draft = content({ subAgents: [{ agentId: 2 }, { agentId: 1 }] });
    expect(diffContent(active, draft).map((change) => change.field)).toEqual(['subAgents']);
  });

  it('lists every field of the draft when nothing is active yet', () => {
    const draft = content();
    const changes = diffContent(null, draft);
    expect(changes.map((change) => change.field)).toEqual([...CONTENT_FIELDS]);
    expect(changes.every((change) => change.active === null)).toBe(true);
    expect(changes.find((change) => change.field === 'instructions')?.draft).toBe('Summarise sales.');
    expect(changes.find((change) => change.field === 'description')?.draft).toBeNull();
  });
});
