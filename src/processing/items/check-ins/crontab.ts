/**
 * Five-field crontabs as Sentry accepts them for monitor schedules (`ConfigValidator` in
 * `src/sentry/monitors/validators.py`; evaluated with `cronsim` there): whitespace is
 * normalized, `@yearly`/`@annually`/`@monthly`/`@weekly`/`@daily`/`@hourly` expand to their
 * five-field form, six- and seven-field crontabs are refused.
 *
 * Supported field syntax: `*`, `?` (day fields), numbers, ranges `a-b`, steps `a-b/n`, `a/n` (from `a`
 * to the field's end) and a star with a step, comma lists, month names `JAN`–`DEC` and weekday
 * names `SUN`–`SAT` (any case), weekday `7` = Sunday, `L` (last day of the month) in the
 * day-of-month field and `d#n` (the n-th weekday `d` of the month) and `dL` (the last weekday
 * `d`) in the day-of-week field. Days match like Vixie cron: when both day fields are
 * restricted (neither starts with `*` or `?`) either may match, otherwise both must (so
 * a day-of-month star with step 2 and `tue` means odd days that are Tuesdays).
 */
import { daysInMonth, fromWallTime, toWallTime } from './zoned-time.js';

/** A parsed crontab; the boolean arrays are indexed by field value. */
export interface Crontab {
  /** The normalized five-field text, as Sentry stores it. */
  text: string;
  minutes: boolean[];
  hours: boolean[];
  /** Index 1–31. */
  daysOfMonth: boolean[];
  /** `L`: the last day of the month. */
  lastDayOfMonth: boolean;
  /** Index 1–12. */
  months: boolean[];
  /** Index 0–6, 0 = Sunday. */
  daysOfWeek: boolean[];
  /** `d#n` entries: weekday `d` in week `n` (1–5) of the month. */
  nthWeekdays: Array<{ weekday: number; n: number }>;
  /** `dL` entries: the last weekday `d` of the month. */
  lastWeekdays: number[];
  /** The day-of-month field starts with `*` or `?`. */
  domStar: boolean;
  /** The day-of-week field starts with `*` or `?`. */
  dowStar: boolean;
}

/** Result of {@link parseCrontab}. */
export type CrontabResult = { ok: true; crontab: Crontab } | { ok: false; error: string };

/** Sentry's `NONSTANDARD_CRONTAB_SCHEDULES` (`@reboot` is not a schedule). */
const ALIASES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Value of the first name (1 for months, 0 for weekdays). */
  nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: WEEKDAY_NAMES, nameBase: 0 },
];

/**
 * Normalizes and parses a crontab (see the module comment for the accepted syntax). Returns
 * an error text for anything else; never throws.
 */
export function parseCrontab(input: string): CrontabResult {
  let text = input.replace(/\s+/g, ' ').trim();
  if (text.startsWith('@')) {
    const alias = ALIASES[text.toLowerCase()];
    if (alias === undefined) return { ok: false, error: 'Schedule was not parseable' };
    text = alias;
  }
  const parts = text.split(' ');
  if (parts.length > 5) return { ok: false, error: 'Only 5 field crontab syntax is supported' };
  if (parts.length < 5) return { ok: false, error: 'Schedule is invalid' };

  const crontab: Crontab = {
    text,
    minutes: new Array<boolean>(60).fill(false),
    hours: new Array<boolean>(24).fill(false),
    daysOfMonth: new Array<boolean>(32).fill(false),
    lastDayOfMonth: false,
    months: new Array<boolean>(13).fill(false),
    daysOfWeek: new Array<boolean>(7).fill(false),
    nthWeekdays: [],
    lastWeekdays: [],
    domStar: /^[*?]/.test(parts[2] ?? ''),
    dowStar: /^[*?]/.test(parts[4] ?? ''),
  };
  const targets = [crontab.minutes, crontab.hours, crontab.daysOfMonth, crontab.months, crontab.daysOfWeek];
  for (let i = 0; i < 5; i++) {
    const error = parseField(parts[i] ?? '', FIELDS[i]!, targets[i]!, i, crontab);
    if (error !== undefined) return { ok: false, error: `Schedule is invalid: ${error}` };
  }
  return { ok: true, crontab };
}

function parseField(
  field: string,
  spec: FieldSpec,
  target: boolean[],
  index: number,
  crontab: Crontab,
): string | undefined {
  for (const item of field.split(',')) {
    if (item === '') return `empty entry in the ${spec.name} field`;
    const lower = item.toLowerCase();
    if (index === 2 && lower === 'l') {
      crontab.lastDayOfMonth = true;
      continue;
    }
    if (index === 4) {
      const special = /^([a-z0-9]+)(?:#([1-5])|(l))$/.exec(lower);
      if (special) {
        const weekday = parseValue(special[1]!, spec);
        if (weekday === undefined) return `bad weekday ${special[1]}`;
        if (special[2] !== undefined)
          crontab.nthWeekdays.push({ weekday: weekday % 7, n: Number(special[2]) });
        else crontab.lastWeekdays.push(weekday % 7);
        continue;
      }
    }
    const [rangeText, stepText, extra] = lower.split('/');
    if (extra !== undefined) return `bad step in ${item}`;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) return `bad step in ${item}`;
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (rangeText === '*' || (rangeText === '?' && (index === 2 || index === 4))) {
      from = spec.min;
      to = index === 4 ? 6 : spec.max;
    } else {
      const [a, b, rest] = (rangeText ?? '').split('-');
      if (rest !== undefined) return `bad range ${item}`;
      const start = parseValue(a ?? '', spec);
      if (start === undefined) return `bad value ${a} in the ${spec.name} field`;
      from = start;
      if (b !== undefined) {
        const end = parseValue(b, spec);
        if (end === undefined) return `bad value ${b} in the ${spec.name} field`;
        if (end < start) return `range ${item} runs backwards`;
        to = end;
      } else {
        to = stepText !== undefined ? spec.max : start;
      }
    }
    for (let v = from; v <= to; v += step) target[index === 4 ? v % 7 : v] = true;
  }
  return undefined;
}

function parseValue(text: string, spec: FieldSpec): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= spec.min && n <= spec.max ? n : undefined;
  }
  const index = spec.names?.indexOf(text) ?? -1;
  return index === -1 ? undefined : index + (spec.nameBase ?? 0);
}

/** True when the day `year-month-day` (weekday `weekday`, 0 = Sunday) matches the day fields. */
function dayMatches(crontab: Crontab, year: number, month: number, day: number, weekday: number): boolean {
  if (!crontab.months[month]) return false;
  const last = daysInMonth(year, month);
  const dom = crontab.daysOfMonth[day] === true || (crontab.lastDayOfMonth && day === last);
  const dow =
    crontab.daysOfWeek[weekday] === true ||
    crontab.nthWeekdays.some((e) => e.weekday === weekday && Math.ceil(day / 7) === e.n) ||
    crontab.lastWeekdays.some((w) => w === weekday && day + 7 > last);
  // A starred field has every value set (or, for `*/n`, the stepped ones), so AND is right.
  return crontab.domStar || crontab.dowStar ? dom && dow : dom || dow;
}

/** Upper bound of days searched: 8 years covers a February-29th-on-a-Monday schedule. */
const MAX_DAYS = 8 * 366 + 1;
const MINUTE_MS = 60_000;

/**
 * The first minute at or after `fromMs` (Unix ms, rounded up to a whole minute) whose
 * wall-clock time in `timeZone` matches `crontab`; `undefined` when none within 8 years (an
 * impossible date such as `0 0 30 2 *`).
 */
export function nextCrontabTime(crontab: Crontab, fromMs: number, timeZone: string): number | undefined {
  return search(crontab, Math.ceil(fromMs / MINUTE_MS) * MINUTE_MS, timeZone, 1);
}

/**
 * The last minute at or before `atMs` (rounded down to a whole minute) matching `crontab` in
 * `timeZone`; `undefined` when none within 8 years.
 */
export function previousCrontabTime(crontab: Crontab, atMs: number, timeZone: string): number | undefined {
  return search(crontab, Math.floor(atMs / MINUTE_MS) * MINUTE_MS, timeZone, -1);
}

function search(crontab: Crontab, startMs: number, timeZone: string, direction: 1 | -1): number | undefined {
  const start = toWallTime(startMs, timeZone);
  let date = Date.UTC(start.year, start.month - 1, start.day);
  for (let i = 0; i < MAX_DAYS; i++, date += direction * 86_400_000) {
    const d = new Date(date);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    if (!dayMatches(crontab, year, month, day, d.getUTCDay())) continue;
    const firstDay = i === 0;
    for (const hour of ordered(24, direction)) {
      if (!crontab.hours[hour]) continue;
      if (firstDay && direction * (hour - start.hour) < 0) continue;
      for (const minute of ordered(60, direction)) {
        if (!crontab.minutes[minute]) continue;
        if (firstDay && hour === start.hour && direction * (minute - start.minute) < 0) continue;
        const candidate = fromWallTime({ year, month, day, hour, minute }, timeZone);
        if (direction * (candidate - startMs) >= 0) return candidate;
      }
    }
  }
  return undefined;
}

function ordered(count: number, direction: 1 | -1): number[] {
  const values = Array.from({ length: count }, (_, i) => i);
  return direction === 1 ? values : values.reverse();
}
