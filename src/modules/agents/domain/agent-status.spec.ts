import { statusAfterUndelete } from './agent-status';

describe('statusAfterUndelete', () => {
  it('restores a deployed agent as active', () => {
    expect(statusAfterUndelete('00000000-0000-4000-a000-000000000100')).toBe('active');
  });

  it('restores a never-deployed agent as draft', () => {
    expect(statusAfterUndelete(null)).toBe('draft');
  });
});
