import { channelNeedsVerification, NotificationConfig, normalizeNotificationConfig } from './notification-config';

const ALL_DEFAULTS = { actionTaken: true, approvalRequired: true, outcome: true, error: true, digest: false };

describe('normalizeNotificationConfig', () => {
  it('keeps null, which clears the config', () => {
    expect(normalizeNotificationConfig(null)).toEqual({ config: null });
  });

  it('fills in every event toggle when events is omitted', () => {
    expect(normalizeNotificationConfig({ slackChannelId: 'C0123456789' })).toEqual({
      config: { slackChannelId: 'C0123456789', events: ALL_DEFAULTS },
    });
  });

  it('takes the toggles given and defaults the missing ones', () => {
    expect(normalizeNotificationConfig({ slackChannelId: 'G01ABCDEFGH', events: { outcome: false, digest: true } })).toEqual({
      config: { slackChannelId: 'G01ABCDEFGH', events: { ...ALL_DEFAULTS, outcome: false, digest: true } },
    });
  });

  it.each(['C01234567', 'D0123456789ABCDEFGHIJ', 'G0123456789'])('accepts the conversation id %s', (id) => {
    expect(normalizeNotificationConfig({ slackChannelId: id })).toHaveProperty('config.slackChannelId', id);
  });

  it.each(['general', '#general', 'C0123', 'c0123456789', 'U0123456789', ' C0123456789', 'C0123456789ABCDEFGHIJK'])(
    'rejects %j, asking for the channel ID',
    (id) => {
      expect(normalizeNotificationConfig({ slackChannelId: id })).toEqual({
        errors: [{ field: 'notificationConfig.slackChannelId', message: expect.stringMatching(/channel ID like C0123456789, not the channel name/) }],
      });
    },
  );

  it('requires slackChannelId', () => {
    expect(normalizeNotificationConfig({ events: {} })).toEqual({ errors: [{ field: 'notificationConfig.slackChannelId', message: expect.any(String) }] });
  });

  it.each([[[]], ['C0123456789'], [42]])('rejects the non-object %j', (input) => {
    expect(normalizeNotificationConfig(input)).toEqual({ errors: [{ field: 'notificationConfig', message: expect.any(String) }] });
  });

  it('reports every problem at once, under the given path', () => {
    const result = normalizeNotificationConfig(
      { slackChannelId: '#general', channel: 'x', events: { outcome: 'yes', foo: true, digest: true } },
      'body.notificationConfig',
    );
    expect(result).toEqual({
      errors: [
        { field: 'body.notificationConfig.channel', message: expect.stringContaining('unknown field') },
        { field: 'body.notificationConfig.slackChannelId', message: expect.any(String) },
        { field: 'body.notificationConfig.events.outcome', message: 'must be a boolean' },
        { field: 'body.notificationConfig.events.foo', message: expect.stringContaining('unknown event') },
      ],
    });
  });

  it.each([[null], [[true]], ['all']])('rejects events %j that is not an object', (events) => {
    expect(normalizeNotificationConfig({ slackChannelId: 'C0123456789', events })).toEqual({
      errors: [{ field: 'notificationConfig.events', message: expect.any(String) }],
    });
  });

  it('rejects __proto__ smuggled in by JSON.parse instead of merging it', () => {
    expect(normalizeNotificationConfig(JSON.parse('{"slackChannelId":"C0123456789","__proto__":{"x":1}}'))).toEqual({
      errors: [{ field: 'notificationConfig.__proto__', message: expect.stringContaining('unknown field') }],
    });
  });
});

describe('channelNeedsVerification', () => {
  const config = (slackChannelId: string): NotificationConfig => ({ slackChannelId, events: ALL_DEFAULTS });

  it.each([
    ['setting a channel', null, config('C0123456789'), true],
    ['changing the channel', config('C0123456789'), config('C9876543210'), true],
    ['keeping the channel while changing toggles', config('C0123456789'), { ...config('C0123456789'), events: { ...ALL_DEFAULTS, digest: true } }, false],
    ['clearing the config', config('C0123456789'), null, false],
    ['leaving it cleared', null, null, false],
  ])('%s → %s', (_case, previous, next, expected) => {
    expect(channelNeedsVerification(previous, next)).toBe(expected);
  });
});
