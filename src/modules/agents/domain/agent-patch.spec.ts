import { content } from '../../../../test/support/content';
import { applyAgentPatch, nextNotificationConfig, Patchable } from './agent-patch';

const current: Patchable = {
  ...content({ instructions: 'Summarise' }),
  accessConfig: { owner: 'user:alice', orgAccess: 'use', grants: [{ principal: 'group:sales', access: 'manage' }] },
  notificationConfig: null,
};

const next = (body: Record<string, unknown>, mask: Parameters<typeof applyAgentPatch>[2] = { kind: 'present' }) => {
  const result = applyAgentPatch(current, body, mask);
  if ('errors' in result) throw new Error(JSON.stringify(result.errors));
  return result.next;
};

describe('applyAgentPatch', () => {
  it('keeps omitted accessConfig members and replaces sent ones whole', () => {
    expect(next({ accessConfig: { grants: [] } }).accessConfig).toEqual({ owner: 'user:alice', orgAccess: 'use', grants: [] });
    expect(next({ accessConfig: { orgAccess: 'none' } }).accessConfig.grants).toEqual(current.accessConfig.grants);
  });

  it('resets accessConfig to its default under a mask that names it without a value', () => {
    expect(next({}, { kind: 'paths', paths: ['accessConfig'] }).accessConfig).toEqual({ owner: 'user:alice', orgAccess: 'none', grants: [] });
  });

  it('refuses an owner change but accepts the unchanged owner', () => {
    const refused = applyAgentPatch(current, { accessConfig: { owner: 'user:bob' } }, { kind: 'present' });
    expect('errors' in refused && refused.errors).toEqual([expect.objectContaining({ field: 'accessConfig.owner', message: expect.stringMatching(/ownership transfer/) })]);
    expect(next({ accessConfig: { owner: 'user:alice', orgAccess: 'manage' } }).accessConfig.orgAccess).toBe('manage');
  });

  it('reports grant rule violations', () => {
    const result = applyAgentPatch(current, { accessConfig: { grants: [{ principal: 'bob', access: 'use' }] } }, { kind: 'present' });
    expect('errors' in result && result.errors.map((e) => e.field)).toEqual(['accessConfig.grants[0].principal']);
  });

  it('trims the name and gives voice its null pipeline mode', () => {
    const patched = next({ name: '  Weekly  ', voice: { enabled: true } });
    expect(patched.name).toBe('Weekly');
    expect(patched.voice).toEqual({ enabled: true, pipelineMode: null });
  });

  it('leaves content untouched by an access-only patch', () => {
    expect(next({ accessConfig: { orgAccess: 'manage' } }).instructions).toBe('Summarise');
  });
});

describe('nextNotificationConfig', () => {
  it('is not written when absent without a mask, and defaults to null under a mask', () => {
    expect(nextNotificationConfig({}, { kind: 'present' })).toEqual({ written: false });
    expect(nextNotificationConfig({}, { kind: 'paths', paths: ['notificationConfig'] })).toEqual({ written: true, config: null });
  });

  it('normalises a sent config', () => {
    expect(nextNotificationConfig({ notificationConfig: { slackChannelId: 'C0123456789' } }, { kind: 'present' })).toEqual({
      written: true,
      config: { slackChannelId: 'C0123456789', events: { actionTaken: true, approvalRequired: true, outcome: true, error: true, digest: false } },
    });
  });
});
