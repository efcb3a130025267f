import { CronExpressionParser } from 'cron-parser';

/** A cron and the IANA zone its times are read in. */
export interface ScheduleSpec {
  cron: string;
  timezone: string;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** The wall-clock time at `instant` in the zone, as milliseconds of a UTC date with the same fields. */
function wallClock(instant: number, timezone: string): number {
  const parts = Object.fromEntries(formatterFor(timezone).formatToParts(new Date(instant)).map((part) => [part.type, Number(part.value)]));
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) + (instant % 1000);
}

/**
 * The instant a wall-clock time names in the zone (SPEC §8): when it occurs twice (fall back), the
 * first; when it does not exist (spring forward), the first valid instant after it, which is the
 * moment the clocks jump.
 */
export function instantOf(wall: number, timezone: string): number {
  const offsetBefore = wallClock(wall - DAY_MS, timezone) - (wall - DAY_MS);
  const offsetAfter = wallClock(wall + DAY_MS, timezone) - (wall + DAY_MS);
  const candidates = [wall - offsetBefore, wall - offsetAfter].filter((instant) => wallClock(instant, timezone) === wall);
  if (candidates.length > 0) return Math.min(...candidates);
  // In a gap: the jump lies between the two readings; find the first minute already on the new offset.
  let low = Math.min(wall - offsetBefore, wall - offsetAfter);
  let high = Math.max(wall - offsetBefore, wall - offsetAfter);
  while (high - low > MINUTE_MS) {
    const middle = low + Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS;
    if (wallClock(middle, timezone) > wall) high = middle;
    else low = middle;
  }
  return high;
}

/**
 * The schedule's ticks strictly after `after`, in order. The cron is matched against wall-clock times
 * of the zone (so 09:00 stays 09:00 across DST), each mapped to its instant by `instantOf`; wall times
 * that land on the same instant (a gap) or before `after` (the repeated hour) are not ticks again.
 */
export function* ticksAfter(schedule: ScheduleSpec, after: Date): Generator<Date> {
  const { timezone } = schedule;
  let last = after.getTime();
  // No wall time earlier than `after`'s can be a tick after it: instantOf maps wall times to instants
  // in order (a repeated time to its first occurrence, a missing one to the jump), so the parser
  // starts there (a minute early: its first time is strictly after its start). Starting an hour early
  // cost an every-minute cron sixty parser steps for each tick asked for.
  const walls = CronExpressionParser.parse(schedule.cron.trim(), { tz: 'UTC', currentDate: new Date(wallClock(last, timezone) - MINUTE_MS) });
  for (;;) {
    const instant = instantOf(walls.next().toDate().getTime(), timezone);
    if (instant <= last) continue;
    last = instant;
    yield new Date(instant);
  }
}

/** The first tick strictly after `after`. */
export function nextTick(schedule: ScheduleSpec, after: Date): Date {
  return ticksAfter(schedule, after).next().value as Date;
}

/** The next `count` ticks strictly after `after`. */
export function nextTicks(schedule: ScheduleSpec, after: Date, count: number): Date[] {
  const ticks: Date[] = [];
  for (const tick of ticksAfter(schedule, after)) {
    ticks.push(tick);
    if (ticks.length === count) break;
  }
  return ticks;
}

/**
 * The ticks from `first` (a due tick) up to `now`: how many there were and the latest. After downtime
 * only the latest may run; the others are counted as missed. Counting stops at `cap` ticks, so a long
 * outage of an every-minute schedule costs bounded work.
 */
export function dueTicks(schedule: ScheduleSpec, first: Date, now: Date, cap = 100_000): { latest: Date; count: number } {
  let latest = first;
  let count = 1;
  for (const tick of ticksAfter(schedule, first)) {
    if (tick > now || count >= cap) break;
    latest = tick;
    count += 1;
  }
  return { latest, count };
}
