import { CronExpressionParser } from 'cron-parser';
import type { FieldError } from '../../../common/errors/field-error';
import { isIanaTimeZone } from './iana-time-zone';
import { nextTick } from './schedule-ticks';
import type { ScheduleTrigger } from './variation-content';

/** Triggers other than schedules are opaque to us, so only their size is bounded. */
export const MAX_OPAQUE_TRIGGER_BYTES = 16 * 1024;

const CRON_FIELD_COUNT = 5;
/** cron-parser's H picks a random minute/hour unless seeded, so the same trigger would tick at different times. */
const HASHED_VALUE = /\bH\b/i;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Shape only, for narrowing stored triggers; validateTrigger decides whether one is acceptable. */
export function isScheduleTrigger(trigger: unknown): trigger is ScheduleTrigger {
  return (
    isPlainObject(trigger) &&
    trigger.type === 'schedule' &&
    isPlainObject(trigger.schedule) &&
    typeof trigger.schedule.cron === 'string' &&
    typeof trigger.schedule.timezone === 'string'
  );
}

export function validateTrigger(trigger: unknown, path = 'trigger'): FieldError[] {
  if (trigger === null) return [];
  if (!isPlainObject(trigger)) return [{ field: path, message: 'must be an object or null' }];
  if (typeof trigger.type !== 'string' || trigger.type.trim() === '') {
    return [{ field: `${path}.type`, message: 'must be a non-empty string' }];
  }
  if (trigger.type === 'schedule') return scheduleTriggerProblems(trigger, path);

  const bytes = Buffer.byteLength(JSON.stringify(trigger), 'utf8');
  if (bytes > MAX_OPAQUE_TRIGGER_BYTES) {
    return [{ field: path, message: `must be at most ${MAX_OPAQUE_TRIGGER_BYTES} bytes as JSON, got ${bytes}` }];
  }
  return [];
}

function scheduleTriggerProblems(trigger: Record<string, unknown>, path: string): FieldError[] {
  const errors = unexpectedKeys(trigger, ['type', 'schedule'], path);
  const schedule = trigger.schedule;
  if (!isPlainObject(schedule)) {
    errors.push({ field: `${path}.schedule`, message: 'must be an object with cron and timezone' });
    return errors;
  }
  errors.push(...unexpectedKeys(schedule, ['cron', 'timezone'], `${path}.schedule`));

  const { cron, timezone } = schedule;
  const cronProblem = typeof cron === 'string' ? cronExpressionProblem(cron) : notAStringProblem(cron);
  if (cronProblem) errors.push({ field: `${path}.schedule.cron`, message: cronProblem });

  const timezoneProblem = typeof timezone === 'string' ? timeZoneProblem(timezone) : notAStringProblem(timezone);
  if (timezoneProblem) errors.push({ field: `${path}.schedule.timezone`, message: timezoneProblem });
  return errors;
}

function unexpectedKeys(object: Record<string, unknown>, allowed: readonly string[], path: string): FieldError[] {
  return Object.keys(object)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({ field: `${path}.${key}`, message: `unexpected key; allowed keys are ${allowed.join(' and ')}` }));
}

function notAStringProblem(value: unknown): string {
  return value === undefined ? 'is required' : 'must be a string';
}

function cronExpressionProblem(expression: string): string | null {
  const trimmed = expression.trim();
  if (trimmed === '') return 'must not be empty';
  if (trimmed.startsWith('@')) {
    return 'macros such as @hourly are not supported; use five fields: minute hour day-of-month month day-of-week';
  }
  const fieldCount = trimmed.split(/\s+/).length;
  if (fieldCount !== CRON_FIELD_COUNT) {
    return `must have five fields (minute hour day-of-month month day-of-week), got ${fieldCount}`;
  }
  if (HASHED_VALUE.test(trimmed)) return 'H (hashed) values are not supported';
  try {
    CronExpressionParser.parse(trimmed);
    return null;
  } catch (error) {
    return `is not a valid cron expression: ${(error as Error).message}`;
  }
}

function timeZoneProblem(timezone: string): string | null {
  return isIanaTimeZone(timezone)
    ? null
    : `${JSON.stringify(timezone)} is not an IANA time zone name such as Europe/Berlin or UTC`;
}

/** The first tick strictly after `from`, in the trigger's own zone (DST rules: schedule-ticks.ts). */
export function nextRunAt(trigger: ScheduleTrigger, from: Date): Date {
  return nextTick(trigger.schedule, from);
}
