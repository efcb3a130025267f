import { globMatches, MAX_GLOBS, parseTypeGlobs } from './event-glob';
import { EVENT_TYPE_NAMES } from './event-types';

describe('globMatches', () => {
  it.each([
    ['run.*', 'run.started', true],
    ['run.*', 'run', false],
    ['run.*', 'runs.started', false],
    ['agent.*', 'agent.ownership_transfer.accepted', true],
    ['agent.ownership_transfer.*', 'agent.ownership_transfer.accepted', true],
    ['agent.ownership_transfer.*', 'agent.updated', false],
    ['*', 'api_key.created', true],
    ['*.created', 'webhook_endpoint.created', true],
    ['*.created', 'agent.created', true],
    ['agent.updated', 'agent.updated', true],
    ['agent.updated', 'agentXupdated', false],
    ['run.*ed', 'run.started', true],
    ['run.*ed', 'run.queued', true],
    ['run.*ed', 'run.action_taken', false],
  ])('%s on %s: %s', (glob, type, expected) => {
    expect(globMatches(glob, type)).toBe(expected);
  });

  it('treats dots literally, never as any character', () => {
    expect(globMatches('run.started', 'run_started')).toBe(false);
  });
});

describe('parseTypeGlobs', () => {
  it('expands a comma-separated list into the types it matches, in the table order, each once', () => {
    expect(parseTypeGlobs('run.succeeded,run.*,agent.deployed')).toEqual({
      types: EVENT_TYPE_NAMES.filter((type) => type.startsWith('run.') || type === 'agent.deployed'),
    });
    expect(parseTypeGlobs('*')).toEqual({ types: EVENT_TYPE_NAMES });
  });

  it('names every glob that matches no type, so a typo is a 400 and not an empty stream', () => {
    expect(parseTypeGlobs('run.*,runs.*,agent.update')).toEqual({ problem: expect.stringMatching(/^"runs\.\*", "agent\.update" match no event type/) });
  });

  it.each(['', ',', 'run.*,', 'Run.*', 'run.* ', 'run.%', 'run.started;'])('refuses %j', (text) => {
    expect(parseTypeGlobs(text)).toEqual({ problem: expect.any(String) });
  });

  it(`takes at most ${MAX_GLOBS} globs`, () => {
    expect(parseTypeGlobs(Array(MAX_GLOBS).fill('run.*').join(','))).toHaveProperty('types');
    expect(parseTypeGlobs(Array(MAX_GLOBS + 1).fill('run.*').join(','))).toEqual({ problem: expect.stringContaining(`at most ${MAX_GLOBS}`) });
  });
});
