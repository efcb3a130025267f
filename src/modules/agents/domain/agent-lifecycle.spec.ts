import { codeOf } from '../../../../test/support/errors';
import { ErrorCode } from '../../../common/errors/error-code';
import { AgentMove, AgentMoveName, assertMoveAllowed, AppliedMove, LifecycleState, LIVE_ACTIVATION, moveAgent, NEW_AGENT } from './agent-lifecycle';
import { AGENT_STATUSES, AgentStatus } from './agent-status';

const NOW = new Date('2026-03-02T10:20:00.000Z');
/** Hourly: the next tick after NOW. */
const HOURLY = { type: 'schedule', schedule: { cron: '0 * * * *', timezone: 'UTC' } };
const NEXT_HOUR = new Date('2026-03-02T11:00:00.000Z');
const DAILY = { type: 'schedule', schedule: { cron: '0 9 * * *', timezone: 'UTC' } };
const TOMORROW_9 = new Date('2026-03-03T09:00:00.000Z');
const MANUAL = { type: 'manual' };

/** One agent per status, as a use case finds it: deployed ones have an active variation, all a draft, the schedule on once deployed. */
const IN: Record<AgentStatus, LifecycleState> = {
  draft: { status: 'draft', activeVariationId: null, draftVariationId: 'd', isScheduleActive: false },
  active: { status: 'active', activeVariationId: 'a', draftVariationId: 'd', isScheduleActive: true },
  paused: { status: 'paused', activeVariationId: 'a', draftVariationId: 'd', isScheduleActive: true },
  deleted: { status: 'deleted', activeVariationId: 'a', draftVariationId: null, isScheduleActive: false },
};

/** The moves as the use cases make them, with an hourly schedule live (a deploy: a daily one replacing the hourly; a toggle: off). */
const MOVES: Record<AgentMoveName, AgentMove> = {
  deploy: { name: 'deploy', trigger: DAILY, previousTrigger: HOURLY },
  discard_draft: { name: 'discard_draft' },
  pause: { name: 'pause' },
  resume: { name: 'resume', trigger: HOURLY },
  toggle: { name: 'toggle', on: false, trigger: HOURLY },
  keep_draft: { name: 'keep_draft' },
  delete: { name: 'delete' },
  undelete: { name: 'undelete' },
  notifications_changed: { name: 'notifications_changed' },
};

/** Every allowed move from each status and what it writes (null: nothing, the ETag stays), written out independently of the table. */
const ALLOWED: [AgentMoveName, AgentStatus, AppliedMove | null][] = [
  ['deploy', 'draft', { event: 'agent.deployed', changes: { status: 'active', isScheduleActive: true, nextRunAt: TOMORROW_9, digestDueAt: null } }],
  ['deploy', 'active', { event: 'agent.deployed', changes: { status: 'active', isScheduleActive: true, nextRunAt: TOMORROW_9, digestDueAt: null } }],
  ['deploy', 'paused', { event: 'agent.deployed', changes: { status: 'paused', isScheduleActive: true, nextRunAt: null, digestDueAt: null } }],
  ['discard_draft', 'active', { event: 'agent.draft_discarded', changes: { draftVariationId: null, hasUnpublishedChanges: false } }],
  ['discard_draft', 'paused', { event: 'agent.draft_discarded', changes: { draftVariationId: null, hasUnpublishedChanges: false } }],
  ['pause', 'active', { event: 'agent.paused', changes: { status: 'paused', nextRunAt: null } }],
  ['pause', 'paused', null],
  ['resume', 'active', null],
  ['resume', 'paused', { event: 'agent.resumed', changes: { status: 'active', nextRunAt: NEXT_HOUR } }],
  ['toggle', 'draft', { event: 'agent.schedule_toggled', changes: { isScheduleActive: false, nextRunAt: null }, data: { active: false } }],
  ['toggle', 'active', { event: 'agent.schedule_toggled', changes: { isScheduleActive: false, nextRunAt: null }, data: { active: false } }],
  ['toggle', 'paused', { event: 'agent.schedule_toggled', changes: { isScheduleActive: false, nextRunAt: null }, data: { active: false } }],
  ['keep_draft', 'draft', null],
  ['delete', 'draft', { event: 'agent.deleted', changes: { status: 'deleted', deletedAt: NOW, isScheduleActive: false, nextRunAt: null } }],
  ['delete', 'active', { event: 'agent.deleted', changes: { status: 'deleted', deletedAt: NOW, isScheduleActive: false, nextRunAt: null } }],
  ['delete', 'paused', { event: 'agent.deleted', changes: { status: 'deleted', deletedAt: NOW, isScheduleActive: false, nextRunAt: null } }],
  ['undelete', 'deleted', { event: 'agent.undeleted', changes: { status: 'active', deletedAt: null } }],
  ['notifications_changed', 'draft', { event: 'agent.notifications_changed', changes: { digestDueAt: null } }],
  ['notifications_changed', 'active', { event: 'agent.notifications_changed', changes: { digestDueAt: null } }],
  ['notifications_changed', 'paused', { event: 'agent.notifications_changed', changes: { digestDueAt: null } }],
];

/** Every refused move and the typed error the use cases answered with before the table existed. */
const REFUSED: [AgentMoveName, AgentStatus, ErrorCode, string][] = [
  ['deploy', 'deleted', ErrorCode.AGENT_DELETED, 'The agent is deleted; undelete it before changing it.'],
  ['discard_draft', 'draft', ErrorCode.NOT_DEPLOYED, 'The agent was never deployed: its draft is all it has.'],
  ['discard_draft', 'deleted', ErrorCode.AGENT_DELETED, 'The agent is deleted; undelete it before changing it.'],
  ['pause', 'draft', ErrorCode.NOT_DEPLOYED, 'The agent has never been deployed; there is nothing to pause.'],
  ['pause', 'deleted', ErrorCode.AGENT_DELETED, 'The agent is deleted; undelete it before changing it.'],
  ['resume', 'draft', ErrorCode.NOT_DEPLOYED, 'The agent has never been deployed; there is nothing to resume.'],
  ['resume', 'deleted', ErrorCode.AGENT_DELETED, 'The agent is deleted; undelete it before changing it.'],
  ['toggle', 'deleted', ErrorCode.AGENT_DELETED, 'The agent is deleted; undelete it before changing it.'],
  ['keep_draft', 'active', ErrorCode.CONFLICT, 'The agent has been deployed; it cannot go back to draft (pause it instead).'],
  ['keep_draft', 'paused', ErrorCode.CONFLICT, 'The agent has been deployed; it cannot go back to draft (pause it instead).'],
  ['keep_draft', 'deleted', ErrorCode.AGENT_DELETED, 'The agent is deleted; undelete it before changing it.'],
  ['delete', 'deleted', ErrorCode.AGENT_DELETED, 'The agent is deleted; undelete it before changing it.'],
  ['undelete', 'draft', ErrorCode.CONFLICT, 'The agent is not deleted.'],
  ['undelete', 'active', ErrorCode.CONFLICT, 'The agent is not deleted.'],
  ['undelete', 'paused', ErrorCode.CONFLICT, 'The agent is not deleted.'],
  ['notifications_changed', 'deleted', ErrorCode.AGENT_DELETED, 'The agent is deleted; undelete it before changing it.'],
];

describe('moveAgent', () => {
  it.each(ALLOWED)('%s from %s', (move, from, applied) => {
    expect(moveAgent(IN[from], MOVES[move], NOW)).toEqual(applied);
  });

  it.each(REFUSED)('refuses %s from %s with %s', (move, from, code, detail) => {
    expect(codeOf(() => moveAgent(IN[from], MOVES[move], NOW))).toBe(code);
    expect(() => moveAgent(IN[from], MOVES[move], NOW)).toThrow(detail);
    expect(codeOf(() => assertMoveAllowed(IN[from], move))).toBe(code);
  });

  it('covers every move from every status: 20 allowed, the other 16 refused', () => {
    const moves = Object.keys(MOVES) as AgentMoveName[];
    const cells = moves.flatMap((move) => AGENT_STATUSES.map((from) => `${move} ${from}`));
    const listed = [...ALLOWED, ...REFUSED].map(([move, from]) => `${move} ${from}`);
    expect(listed.sort()).toEqual(cells.sort());
    expect([ALLOWED.length, REFUSED.length]).toEqual([20, 16]);
  });

  it('creates an agent as a draft with its schedule off and no digest planned', () => {
    expect(NEW_AGENT).toEqual({ status: 'draft', isScheduleActive: false, nextRunAt: null, digestDueAt: null });
  });

  describe('deploy', () => {
    it('turns a schedule on at its first deploy, from now, and a first deploy without one leaves it off', () => {
      expect(moveAgent(IN.draft, { name: 'deploy', trigger: HOURLY, previousTrigger: null }, NOW)?.changes).toMatchObject({ isScheduleActive: true, nextRunAt: NEXT_HOUR });
      expect(moveAgent(IN.draft, { name: 'deploy', trigger: MANUAL, previousTrigger: null }, NOW)?.changes).toMatchObject({ isScheduleActive: false, nextRunAt: null });
    });

    it("keeps the user's switch when the live version already had a schedule, and turns it on when it had none", () => {
      const off = { ...IN.active, isScheduleActive: false };
      expect(moveAgent(off, { name: 'deploy', trigger: DAILY, previousTrigger: HOURLY }, NOW)?.changes).toMatchObject({ isScheduleActive: false, nextRunAt: null });
      expect(moveAgent(off, { name: 'deploy', trigger: DAILY, previousTrigger: MANUAL }, NOW)?.changes).toMatchObject({ isScheduleActive: true, nextRunAt: TOMORROW_9 });
    });

    it('turns the schedule off with a version that has none', () => {
      expect(moveAgent(IN.active, { name: 'deploy', trigger: MANUAL, previousTrigger: HOURLY }, NOW)?.changes).toMatchObject({ isScheduleActive: false, nextRunAt: null });
    });
  });

  describe('toggle', () => {
    it('sets the switch asked for, or flips it; a paused agent keeps it on without a next tick', () => {
      const off = { ...IN.active, isScheduleActive: false };
      expect(moveAgent(off, { name: 'toggle', on: undefined, trigger: HOURLY }, NOW)?.changes).toEqual({ isScheduleActive: true, nextRunAt: NEXT_HOUR });
      expect(moveAgent(IN.active, { name: 'toggle', on: undefined, trigger: HOURLY }, NOW)?.changes).toEqual({ isScheduleActive: false, nextRunAt: null });
      expect(moveAgent(IN.active, { name: 'toggle', on: true, trigger: HOURLY }, NOW)?.changes).toEqual({ isScheduleActive: true, nextRunAt: NEXT_HOUR });
      expect(moveAgent(IN.paused, { name: 'toggle', on: true, trigger: HOURLY }, NOW)?.changes).toEqual({ isScheduleActive: true, nextRunAt: null });
    });

    it('refuses to turn on a schedule the active variation does not have, from any status that takes a toggle', () => {
      for (const from of ['draft', 'active', 'paused'] as const) {
        expect(codeOf(() => moveAgent(IN[from], { name: 'toggle', on: true, trigger: from === 'draft' ? undefined : MANUAL }, NOW))).toBe(ErrorCode.SCHEDULE_TRIGGER_MISSING);
      }
    });
  });

  it('resumes without a next tick when the schedule is off', () => {
    expect(moveAgent({ ...IN.paused, isScheduleActive: false }, MOVES.resume, NOW)?.changes).toEqual({ status: 'active', nextRunAt: null });
  });

  it('discards nothing when there is no draft', () => {
    expect(moveAgent({ ...IN.active, draftVariationId: null }, MOVES.discard_draft, NOW)).toBeNull();
  });

  it('undeletes a never-deployed agent as a draft', () => {
    expect(moveAgent({ ...IN.deleted, activeVariationId: null }, MOVES.undelete, NOW)?.changes).toEqual({ status: 'draft', deletedAt: null });
  });
});

describe('LIVE_ACTIVATION', () => {
  it("maps seed 001's isActive and seed 002's status onto the table's moves", () => {
    expect(LIVE_ACTIVATION).toEqual({ active: 'resume', paused: 'pause', draft: 'keep_draft' });
  });
});
