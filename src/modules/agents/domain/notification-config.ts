import { FieldError } from '../../../common/errors/field-error';

export const NOTIFICATION_EVENTS = ['actionTaken', 'approvalRequired', 'outcome', 'error', 'digest'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export interface NotificationConfig {
  slackChannelId: string;
  events: Record<NotificationEvent, boolean>;
}

/** The digest is a daily summary on top of the per-run messages, so it is opt-in. */
export const DEFAULT_NOTIFICATION_EVENTS: Readonly<Record<NotificationEvent, boolean>> = {
  actionTaken: true,
  approvalRequired: true,
  outcome: true,
  error: true,
  digest: false,
};

const CONFIG_KEYS = ['slackChannelId', 'events'];
// Channel (C), private channel or group DM (G) and DM (D) conversation ids.
const SLACK_CONVERSATION_ID = /^[CGD][A-Z0-9]{8,20}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates a request's notificationConfig and fills in the event toggles it left out; null clears. */
export function normalizeNotificationConfig(
  input: unknown,
  path = 'notificationConfig',
): { config: NotificationConfig | null } | { errors: FieldError[] } {
  if (input === null) return { config: null };
  if (!isObject(input)) return { errors: [{ field: path, message: 'must be null or an object {slackChannelId, events}' }] };

  const errors: FieldError[] = Object.keys(input)
    .filter((key) => !CONFIG_KEYS.includes(key))
    .map((key) => ({ field: `${path}.${key}`, message: `unknown field "${key}"; expected slackChannelId or events` }));

  const { slackChannelId, events } = input;
  if (typeof slackChannelId !== 'string') {
    errors.push({ field: `${path}.slackChannelId`, message: 'is required and must be a string' });
  } else if (!SLACK_CONVERSATION_ID.test(slackChannelId)) {
    errors.push({
      field: `${path}.slackChannelId`,
      message: 'must be a Slack channel ID like C0123456789, not the channel name; it is shown at the bottom of the channel details in Slack',
    });
  }

  const toggles = { ...DEFAULT_NOTIFICATION_EVENTS };
  if (events !== undefined && !isObject(events)) {
    errors.push({ field: `${path}.events`, message: `must be an object of booleans keyed by ${NOTIFICATION_EVENTS.join(', ')}` });
  } else if (events !== undefined) {
    for (const [event, enabled] of Object.entries(events)) {
      if (!isNotificationEvent(event)) {
        errors.push({ field: `${path}.events.${event}`, message: `unknown event; expected one of ${NOTIFICATION_EVENTS.join(', ')}` });
      } else if (typeof enabled !== 'boolean') {
        errors.push({ field: `${path}.events.${event}`, message: 'must be a boolean' });
      } else {
        toggles[event] = enabled;
      }
    }
  }

  return errors.length > 0 ? { errors } : { config: { slackChannelId: slackChannelId as string, events: toggles } };
}

/** Every fault of a request's notificationConfig, for the validation pass (which keeps no value). */
export function notificationConfigErrors(input: unknown, path: string): FieldError[] {
  const normalized = normalizeNotificationConfig(input, path);
  return 'errors' in normalized ? normalized.errors : [];
}

function isNotificationEvent(key: string): key is NotificationEvent {
  return (NOTIFICATION_EVENTS as readonly string[]).includes(key);
}

/** Only a newly set channel must be checked with Slack; keeping or clearing one needs no round trip. */
export function channelNeedsVerification(previous: NotificationConfig | null, next: NotificationConfig | null): boolean {
  return next !== null && next.slackChannelId !== previous?.slackChannelId;
}
