/**
 * Sentry's time-range query parameters: `statsPeriod` (`90m`, `24h`, `14d`, `2w`) or
 * `start`/`end` (ISO-8601). Absent = no bound.
 */
import { ApiError } from './errors.js';

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };

/** Parses the range; throws ApiError 400 on a malformed value. */
export function parseTimeRange(query: Record<string, unknown>, now: Date): { start?: Date; end?: Date } {
  const period = query.statsPeriod;
  if (typeof period === 'string' && period !== '') {
    const m = /^(\d+)([smhdw])$/.exec(period);
    if (!m) throw new ApiError(400, `Invalid statsPeriod: ${period}`);
    const start = new Date(now.getTime() - Number(m[1]) * UNIT_MS[m[2]!]!);
    if (Number.isNaN(start.getTime())) throw new ApiError(400, `Invalid statsPeriod: ${period}`);
    return { start, end: now };
  }
  const parse = (v: unknown, name: string): Date | undefined => {
    if (typeof v !== 'string' || v === '') return undefined;
    const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
    if (Number.isNaN(d.getTime())) throw new ApiError(400, `${name} is not a valid ISO8601 date`);
    return d;
  };
  const start = parse(query.start, 'start');
  const end = parse(query.end, 'end');
  // Sentry requires both bounds of an absolute range.
  if ((start === undefined) !== (end === undefined))
    throw new ApiError(400, 'start and end are both required');
  return { start, end };
}

/** A query parameter that may repeat (`?project=1&project=2`) as an array of strings. */
export function multiParam(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  return (Array.isArray(value) ? value : [value]).map(String).filter((v) => v !== '');
}
