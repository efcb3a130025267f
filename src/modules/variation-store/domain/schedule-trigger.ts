import { CronExpressionParser } from 'cron-parser';
import type { FieldError } from '../../../common/errors/field-error';
import { isIanaTimeZone } from './iana-time-zone';
import { nextTick } from './schedule-ticks';
import type { ScheduleTrigger } from './variation-content';

/** Triggers other than schedules are opaque to us, so only their size is bounded. */
export const MAX_OPAQUE_TRIGGER_BYTES = 16 * 1024;

/** One of the five cron fields: its values, and the names it also takes (the first name stands for `min`). */
interface CronField {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** How the accepted values read in a message. */
  accepted: string;
}

const CRON_FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59, accepted: 'numbers 0-59' },
  { name: 'hour', min: 0, max: 23, accepted: 'numbers 0-23' },
  { name: 'day-of-month', min: 1, max: 31, accepted: 'numbers 1-31' },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'], accepted: 'numbers 1-12 or JAN-DEC' },
  { name: 'day-of-week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], accepted: 'numbers 0-7 (0 and 7 are Sunday) or SUN-SAT' },
];

/** One list item: `*`, a value or a range, then maybe a step. A value is digits or a three-letter name. */
const CRON_ITEM = /^(?:(\*)|(\d+|[A-Za-z]{3})(?:-(\d+|[A-Za-z]{3}))?)(?:\/(\d+))?$/;

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

/**
 * The 5-field cron of SPEC §2, as crontab(5) defines it: in each field `*`, a number, a range `a-b`
 * or a list of them, each range or `*` maybe stepped (`/n`, n from 1 to the field's largest value),
 * and month and weekday names. cron-parser accepts more (L, W, #, ?, H, a step after a single value,
 * any step however large: a minute step of 99999999999999999999 became hourly), so the grammar is
 * checked here first; cron-parser then refuses what the grammar cannot see, such as 31 February.
 */
function cronExpressionProblem(expression: string): string | null {
  const trimmed = expression.trim();
  if (trimmed === '') return 'must not be empty';
  if (trimmed.startsWith('@')) {
    return 'macros such as @hourly are not supported; use five fields: minute hour day-of-month month day-of-week';
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== CRON_FIELDS.length) {
    return `must have five fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  }
  const problems = fields.map((text, index) => cronFieldProblem(text, CRON_FIELDS[index])).filter((problem): problem is string => problem !== null);
  if (problems.length > 0) return problems.join('; ');
  try {
    CronExpressionParser.parse(trimmed);
    return null;
  } catch (error) {
    return `is not a valid cron expression: ${(error as Error).message}`;
  }
}

function cronFieldProblem(text: string, field: CronField): string | null {
  for (const item of text.split(',')) {
    const problem = cronItemProblem(item, field);
    if (problem) return `${field.name} field "${text}": ${problem}`;
  }
  return null;
}

function cronItemProblem(item: string, field: CronField): string | null {
  const match = CRON_ITEM.exec(item);
  if (!match) return `use ${field.accepted}, *, ranges (a-b), lists (a,b) or steps (*/n, a-b/n)`;
  const [, star, from, to, step] = match;
  const start = from === undefined ? undefined : cronValue(from, field);
  const end = to === undefined ? undefined : cronValue(to, field);
  if (start === null || end === null) return `${start === null ? from : to} is not among ${field.accepted}`;
  if (start !== undefined && end !== undefined && end < start) return `the range ${from}-${to} runs backwards`;
  if (step === undefined) return null;
  if (!star && end === undefined) return `a step needs * or a range before it, such as ${from}-${field.max}/${step}`;
  const every = Number(step);
  return every >= 1 && every <= field.max ? null : `the step ${step} is outside 1-${field.max}`;
}

/** A value's number, or null when it is not one of the field's. */
function cronValue(text: string, field: CronField): number | null {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    return value >= field.min && value <= field.max ? value : null;
  }
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  return index >= 0 ? field.min + index : null;
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
