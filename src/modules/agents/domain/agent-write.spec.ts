import { content } from '../../../../test/support/content';
import { errorFields as fieldsOf } from '../../../../test/support/errors';
import { defaultContent } from '../../variation-store/domain/variation-content';
import { Patchable } from './agent-patch';
import { newAgentBase, planAgentWrite, planNotificationWrite, restoreWrite } from './agent-write';

const current: Patchable = {
  ...content({ instructions: 'Summarise' }),
  accessConfig: { owner: 'user:alice', orgAccess: 'use', grants: [] },
  notificationConfig: null,
};
const present = { kind: 'present' as const };

describe('planAgentWrite', () => {
  it('applies the body to what the agent holds and lists what it wrote', () => {
    const plan = planAgentWrite(current, { body: { name: '  Renamed ', role: null }, mask: present });
    if ('errors' in plan) throw new Error(JSON.stringify(plan.errors));
    expect(plan.written.sort()).toEqual(['name', 'role']);
    expect(plan.content).toEqual({ ...defaultContent('Renamed', 'task'), instructions: 'Summarise' });
    expect(plan.notification).toEqual({ written: false });
  });

  it('fills a notification config with its defaults and carries it into the plan', () => {
    const plan = planAgentWrite(current, { body: { notificationConfig: { slackChannelId: 'C0123456789' } }, mask: present });
    if ('errors' in plan) throw new Error(JSON.stringify(plan.errors));
    expect(plan.next.notificationConfig).toEqual({ slackChannelId: 'C0123456789', events: { actionTaken: true, approvalRequired: true, outcome: true, error: true, digest: false } });
    expect(plan.notification).toEqual({ written: true, config: plan.next.notificationConfig });
  });

  it('reports notification errors first, then the patch’s, then the content rules’', () => {
    const broken = { slackChannelId: 'not-a-channel' };
    expect(fieldsOf(planAgentWrite(current, { body: { notificationConfig: broken, accessConfig: { owner: 'user:bob' } }, mask: present }))).toEqual([
      'notificationConfig.slackChannelId',
    ]);
    expect(fieldsOf(planAgentWrite(current, { body: { accessConfig: { owner: 'user:bob' }, trigger: { type: 'schedule' } }, mask: present }))).toEqual(['accessConfig.owner']);
    expect(fieldsOf(planAgentWrite(current, { body: { trigger: { type: 'schedule', schedule: { cron: 'nope', timezone: 'UTC' } } }, mask: present }))).toEqual([
      'trigger.schedule.cron',
    ]);
  });
});

describe('planNotificationWrite', () => {
  it('writes null under a mask that names notificationConfig without a value', () => {
    expect(planNotificationWrite({ body: {}, mask: { kind: 'paths', paths: ['notificationConfig'] } })).toEqual({ written: true, config: null });
    expect(planNotificationWrite({ body: {}, mask: present })).toEqual({ written: false });
  });
});

describe('newAgentBase', () => {
  it('needs a name, and starts from the defaults with the caller as owner and no one else', () => {
    expect(fieldsOf(newAgentBase('user:alice', {}))).toEqual(['name']);
    expect(newAgentBase('user:alice', { name: 'X', type: 'workflow' })).toEqual({
      ...defaultContent('X', 'workflow'),
      accessConfig: { owner: 'user:alice', orgAccess: 'none', grants: [] },
      notificationConfig: null,
    });
  });
});

describe('restoreWrite', () => {
  it('writes exactly the stored content and leaves the agent’s own settings alone', () => {
    const stored = { ...defaultContent('Old', 'task'), instructions: 'Old prompt', description: null, subAgents: [{ agentId: 7 }] };
    const withSettings: Patchable = { ...current, notificationConfig: { slackChannelId: 'C0123456789', events: { actionTaken: true, approvalRequired: true, outcome: true, error: true, digest: false } } };
    const plan = planAgentWrite(withSettings, restoreWrite(stored));
    if ('errors' in plan) throw new Error(JSON.stringify(plan.errors));
    expect(plan.content).toEqual(stored);
    expect(plan.next.accessConfig).toEqual(current.accessConfig);
    expect(plan.next.notificationConfig).toEqual(withSettings.notificationConfig);
    expect(plan.written).toContain('subAgents');
  });
});
