import { parseAgentRef } from './agent-ref';

describe('parseAgentRef', () => {
  it('reads numeric ids and slugs', () => {
    expect(parseAgentRef('42')).toEqual({ id: 42 });
    expect(parseAgentRef('daily-sales-report-a3f')).toEqual({ slug: 'daily-sales-report-a3f' });
  });

  it('names nothing for out-of-range ids or impossible slugs', () => {
    expect(parseAgentRef('0')).toBeNull();
    expect(parseAgentRef('99999999999')).toBeNull();
    expect(parseAgentRef('Has Spaces')).toBeNull();
  });
});
