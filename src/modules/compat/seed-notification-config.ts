import { notificationConfigErrors } from '../agents/domain/notification-config';

const camelCase = (key: string): string => key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());

/** Seed 002's notification_config keys in camelCase, one level of `events` deep; unknown keys pass through to be refused by name. */
export function notificationConfigFrom(value: Record<string, unknown> | null): Record<string, unknown> | null {
  if (value === null) return null;
  const config = Object.fromEntries(Object.entries(value).map(([key, inner]) => [camelCase(key), inner]));
  const events = config.events;
  if (events && typeof events === 'object' && !Array.isArray(events)) {
    config.events = Object.fromEntries(Object.entries(events).map(([key, inner]) => [camelCase(key), inner]));
  }
  return config;
}

/** The notifications rules on seed 002's notification_config; the envelope names the faults in snake_case. */
export const seedNotificationConfigErrors = (value: unknown, path: string) => notificationConfigErrors(notificationConfigFrom(value as Record<string, unknown>), path);
