import { runEventChange, runEventOf, runQueuedChange } from './run-events';

const event = { runId: 'run-1', orgId: 'org', agentId: 7, seq: 3, type: 'outcome', message: 'done' };

describe('run event changes', () => {
  it('names each run event as SPEC §13 does and carries the event as its data', () => {
    expect(runEventChange(event)).toEqual({ type: 'run.succeeded', orgId: 'org', agentId: 7, runId: 'run-1', data: { seq: 3, event: 'outcome', message: 'done' } });
    expect(runEventChange({ ...event, type: 'error' }).type).toBe('run.failed');
    expect(runEventChange({ ...event, type: 'error' }, 'run.timed_out').type).toBe('run.timed_out');
    expect(runEventChange({ ...event, type: 'claim_revoked' }).type).toBe('run.claim_revoked');
  });

  it('refuses an event type it has no name for, rather than recording a nameless change', () => {
    expect(() => runEventChange({ ...event, type: 'exploded' })).toThrow('no change is named for run event exploded');
  });

  it('gives back the run event a change carries, and nothing for other changes', () => {
    expect(runEventOf(runEventChange(event))).toEqual({ runId: 'run-1', seq: 3, type: 'outcome', message: 'done' });
    expect(runEventOf(runEventChange({ ...event, message: null }))).toEqual({ runId: 'run-1', seq: 3, type: 'outcome', message: null });
    const queued = runQueuedChange({ id: 'run-1', orgId: 'org', agentId: 7, trigger: 'schedule', variationVersion: 2, scheduledFor: new Date('2026-03-02T11:00:00Z') });
    expect(queued.data).toEqual({ trigger: 'schedule', version: 2, scheduledFor: '2026-03-02T11:00:00.000Z' });
    expect(runEventOf(queued)).toBeUndefined();
    expect(runEventOf({ type: 'agent.paused', orgId: 'org', agentId: 7 })).toBeUndefined();
  });
});
