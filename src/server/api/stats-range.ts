/**
 * The time range and interval of Sentry's time-series endpoints (sessions, stats_v2):
 * `get_constrained_date_range` in Sentry's `src/sentry/snuba/sessions_v2.py`. `interval` and
 * `statsPeriod` are `<n>[smhdw]` (a bare number is seconds); the range defaults to 90 days and is
 * widened to whole intervals. Bad values throw {@link ApiError} 400 with Sentry's messages.
 */
import { ApiError } from './errors.js';
import { parseTimeRange } from './time-range.js';

type Query = Record<string, unknown>;

const ONE_MINUTE = 60;
const ONE_DAY = 86_400;
/** Sentry's `MAX_POINTS`: most intervals in one answer. */
const MAX_POINTS = 1000;
/** Sentry's default range when neither `statsPeriod` nor `start`/`end` is given (`MAX_STATS_PERIOD`). */
const DEFAULT_PERIOD_SECONDS = 90 * ONE_DAY;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: ONE_DAY, w: 7 * ONE_DAY };

/** `parse_stats_period`: `<n>[smhdw]`, a bare number being seconds; undefined when malformed. */
export function parseStatsPeriod(raw: string): number | undefined {
  const m = /^(\d+)([smhdw]?)$/.exec(raw);
  return m ? Number(m[1]) * UNIT_SECONDS[m[2] || 's']! : undefined;
}

/** The interval in seconds, checked as `get_constrained_date_range` does. */
export function parseInterval(raw: unknown): number {
  const text = typeof raw === 'string' && raw !== '' ? raw : '1h';
  const interval = parseStatsPeriod(text);
  if (interval === undefined) throw new ApiError(400, `Invalid interval: ${text}`);
  if (interval % ONE_MINUTE !== 0 || interval < ONE_MINUTE) {
    throw new ApiError(400, 'The interval has to be a multiple of the minimum interval of one minute.');
  }
  if (interval > ONE_DAY) throw new ApiError(400, 'The interval has to be less than one day.');
  if (ONE_DAY % interval !== 0)
    throw new ApiError(400, 'The interval should divide one day without a remainder.');
  return interval;
}

/**
 * The range [start, end) in unix seconds, widened to whole intervals (start rounded down, end
 * up; a start in the future is now), at most {@link MAX_POINTS} intervals.
 */
export function parseRange(query: Query, interval: number, now: Date): { start: number; end: number } {
  let start: number;
  let end: number;
  const period = query.statsPeriod;
  if (typeof period === 'string' && period !== '') {
    const seconds = parseStatsPeriod(period);
    if (seconds === undefined) throw new ApiError(400, `Invalid statsPeriod: ${period}`);
    end = now.getTime() / 1000;
    start = end - seconds;
  } else if (query.start !== undefined || query.end !== undefined) {
    const range = parseTimeRange({ start: query.start, end: query.end }, now);
    if (!range.start || !range.end) throw new ApiError(400, 'start and end are both required');
    start = range.start.getTime() / 1000;
    end = range.end.getTime() / 1000;
    if (start > end) throw new ApiError(400, 'start must be before end');
  } else {
    end = now.getTime() / 1000;
    start = end - DEFAULT_PERIOD_SECONDS;
  }
  start = Math.min(start, now.getTime() / 1000);
  const alignedStart = Math.floor(start / interval) * interval;
  const alignedEnd = Math.ceil(end / interval) * interval;
  if ((alignedEnd - alignedStart) / interval > MAX_POINTS) {
    throw new ApiError(
      400,
      'Your interval and date range would create too many results. Use a larger interval, or a smaller date range.',
    );
  }
  return { start: alignedStart, end: alignedEnd };
}
