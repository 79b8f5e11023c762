/**
 * Wall-clock time in an IANA time zone, through the platform's `Intl` tz database (no I/O):
 * the conversions monitor schedules need, since crontabs and calendar intervals run in the
 * monitor's `timezone` (Sentry's `Monitor.get_next_expected_checkin`).
 */

/** A wall-clock minute: `month` 1–12, `day` 1–31, `weekday` 0 = Sunday … 6 = Saturday. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** True when `timeZone` is a time zone name the platform knows (`UTC`, `Europe/Vienna`, `US/Pacific`...). */
export function isKnownTimeZone(timeZone: string): boolean {
  if (timeZone === '') return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock minute of instant `ms` (Unix milliseconds) in `timeZone` (seconds dropped). */
export function toWallTime(ms: number, timeZone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const year = parts.year ?? 1970;
  const month = parts.month ?? 1;
  const day = parts.day ?? 1;
  return {
    year,
    month,
    day,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
  };
}

/** Offset of `timeZone` from UTC at instant `ms`, in milliseconds (east positive). */
function offsetAt(ms: number, timeZone: string): number {
  const wall = toWallTime(ms, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  return asUtc - Math.floor(ms / 60_000) * 60_000;
}

/**
 * The instant (Unix ms) of a wall-clock minute in `timeZone`. A minute skipped by a DST
 * transition maps to the instant one offset later (e.g. 02:30 on a spring-forward night → 03:30);
 * a repeated minute maps to its first occurrence.
 */
export function fromWallTime(
  wall: Pick<WallTime, 'year' | 'month' | 'day' | 'hour' | 'minute'>,
  timeZone: string,
): number {
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const first = naive - offsetAt(naive, timeZone);
  const second = naive - offsetAt(first, timeZone);
  if (first === second) return first;
  // Ambiguous or skipped: prefer the earlier instant that still shows this wall time.
  const earlier = Math.min(first, second);
  const shown = toWallTime(earlier, timeZone);
  return shown.hour === wall.hour && shown.minute === wall.minute ? earlier : Math.max(first, second);
}

/** Days in `month` (1–12) of `year` (proleptic Gregorian). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
