/**
 * When a monitor expects its next check-in: Sentry's `get_next_schedule`
 * (`src/sentry/monitors/schedule.py`) evaluated in the monitor's timezone
 * (`Monitor.get_next_expected_checkin`), plus the check-in margin for the latest acceptable
 * time (`next_checkin_latest`). Times are Unix milliseconds, truncated to whole minutes as
 * Sentry does.
 */
import type { IntervalUnit, MonitorConfig } from '../../../protocol/check-in.js';
import { nextCrontabTime, parseCrontab, previousCrontabTime } from './crontab.js';
import { daysInMonth, fromWallTime, toWallTime } from './zoned-time.js';

/** Sentry's default `checkin_margin` when unset (`DEFAULT_CHECKIN_MARGIN`), minutes. */
export const DEFAULT_CHECKIN_MARGIN_MINUTES = 1;

/** Sentry's default `max_runtime` when unset (`TIMEOUT`), minutes. */
export const DEFAULT_MAX_RUNTIME_MINUTES = 30;

const MINUTE_MS = 60_000;

/** The schedule part of a monitor config. */
export type ScheduleConfig = Pick<MonitorConfig, 'schedule_type' | 'schedule' | 'timezone'>;

/**
 * The next expected check-in strictly after `referenceMs` (the last check-in), or `undefined`
 * for a schedule that cannot be evaluated. Crontabs: the next matching minute in the monitor's
 * timezone (default UTC). Intervals: `referenceMs` plus `count` units, calendar units (day and
 * longer) added on the wall clock of the timezone; a month step that lands on a missing day
 * (31 January + 1 month) moves on to the next month that has it, as `dateutil.rrule` does.
 */
export function nextExpectedCheckIn(config: ScheduleConfig, referenceMs: number): number | undefined {
  const timeZone = config.timezone ?? 'UTC';
  if (config.schedule_type === 'crontab') {
    if (typeof config.schedule !== 'string') return undefined;
    const parsed = parseCrontab(config.schedule);
    if (!parsed.ok) return undefined;
    return nextCrontabTime(
      parsed.crontab,
      Math.floor(referenceMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS,
      timeZone,
    );
  }
  if (!Array.isArray(config.schedule)) return undefined;
  const [count, unit] = config.schedule;
  if (!Number.isSafeInteger(count) || count <= 0) return undefined;
  const next = addInterval(referenceMs, count, unit, timeZone);
  return next === undefined ? undefined : Math.floor(next / MINUTE_MS) * MINUTE_MS;
}

/**
 * The scheduled time a check-in that started at `startedMs` was most likely for: for crontabs
 * the last matching minute at or before `startedMs + margin` (so a run that starts a little
 * late still belongs to its slot). `undefined` for interval schedules, whose slots are anchored
 * on the previous check-in rather than the clock.
 */
export function expectedTimeOf(
  config: ScheduleConfig & Pick<MonitorConfig, 'checkin_margin'>,
  startedMs: number,
): number | undefined {
  if (config.schedule_type !== 'crontab' || typeof config.schedule !== 'string') return undefined;
  const parsed = parseCrontab(config.schedule);
  if (!parsed.ok) return undefined;
  const margin = (config.checkin_margin ?? DEFAULT_CHECKIN_MARGIN_MINUTES) * MINUTE_MS;
  return previousCrontabTime(parsed.crontab, startedMs + margin, config.timezone ?? 'UTC');
}

/** `nextMs` plus the check-in margin (default 1 minute): Sentry's `next_checkin_latest`. */
export function latestAcceptableCheckIn(
  config: Pick<MonitorConfig, 'checkin_margin'>,
  nextMs: number,
): number {
  return nextMs + (config.checkin_margin ?? DEFAULT_CHECKIN_MARGIN_MINUTES) * MINUTE_MS;
}

const FIXED_UNIT_MS: Partial<Record<IntervalUnit, number>> = { minute: MINUTE_MS, hour: 60 * MINUTE_MS };

function addInterval(
  fromMs: number,
  count: number,
  unit: IntervalUnit,
  timeZone: string,
): number | undefined {
  const fixed = FIXED_UNIT_MS[unit];
  if (fixed !== undefined) return fromMs + count * fixed;
  const wall = toWallTime(fromMs, timeZone);
  if (unit === 'day' || unit === 'week') {
    const days = unit === 'day' ? count : 7 * count;
    const date = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + days));
    return fromWallTime(
      {
        year: date.getUTCFullYear(),
        month: date.getUTCMonth() + 1,
        day: date.getUTCDate(),
        hour: wall.hour,
        minute: wall.minute,
      },
      timeZone,
    );
  }
  const months = unit === 'month' ? count : 12 * count;
  // rrule skips periods without the start's day; a few hundred steps cover any such gap.
  for (let step = 1; step <= 400; step++) {
    const index = wall.year * 12 + (wall.month - 1) + months * step;
    const year = Math.floor(index / 12);
    const month = (index % 12) + 1;
    if (wall.day <= daysInMonth(year, month)) {
      return fromWallTime({ year, month, day: wall.day, hour: wall.hour, minute: wall.minute }, timeZone);
    }
  }
  return undefined;
}
