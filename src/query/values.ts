/**
 * Value helpers of the search syntax: number multipliers, duration and size units, ISO dates,
 * relative dates, and the wildcard rules (classification and translation to regex / LIKE
 * patterns). Pure functions; bad input yields `null`, never an exception.
 * Reference: reference/sentry-semantics.md §1.3–§1.4 (`src/sentry/search/utils.py`,
 * `src/sentry/api/event_search.py`).
 */

/** Multipliers of the numeric shorthand units (case-insensitive), `parse_numeric_value`. */
export const NUMBER_MULTIPLIERS: Readonly<Record<string, number>> = { k: 1e3, m: 1e6, b: 1e9 };

/**
 * Duration units in grammar order (first prefix match wins, as in the PEG choice), each with
 * its length in milliseconds.
 */
export const DURATION_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['ms', 1],
  ['s', 1e3],
  ['min', 60e3],
  ['m', 60e3],
  ['hr', 3600e3],
  ['h', 3600e3],
  ['day', 86400e3],
  ['d', 86400e3],
  ['wk', 604800e3],
  ['w', 604800e3],
];

/** Size units in grammar order (matched case-insensitively), each with its size in bytes. */
export const SIZE_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['bit', 1 / 8],
  ['nb', 1 / 2],
  ['bytes', 1],
  ['kb', 1e3],
  ['mb', 1e6],
  ['gb', 1e9],
  ['tb', 1e12],
  ['pb', 1e15],
  ['eb', 1e18],
  ['zb', 1e21],
  ['yb', 1e24],
  ['kib', 1024],
  ['mib', 1024 ** 2],
  ['gib', 1024 ** 3],
  ['tib', 1024 ** 4],
  ['pib', 1024 ** 5],
  ['eib', 1024 ** 6],
  ['zib', 1024 ** 7],
  ['yib', 1024 ** 8],
];

/** Relative-date units (`-24h`) in milliseconds. */
export const RELATIVE_DATE_UNITS: Readonly<Record<'w' | 'd' | 'h' | 'm', number>> = {
  w: 604800e3,
  d: 86400e3,
  h: 3600e3,
  m: 60e3,
};

/** `'3'` + `'k'` → 3000; the unit is case-insensitive; null unit means ×1. */
export function applyNumberUnit(value: string, unit: string | null): number {
  const base = Number.parseFloat(value);
  return unit === null ? base : base * (NUMBER_MULTIPLIERS[unit.toLowerCase()] ?? 1);
}

/** `'1.5'` + `'s'` → 1500 (milliseconds); unknown units yield NaN. */
export function durationToMs(value: string, unit: string): number {
  const factor = DURATION_UNITS.find(([name]) => name === unit)?.[1];
  return factor === undefined ? Number.NaN : Number.parseFloat(value) * factor;
}

/** `'2'` + `'KiB'` → 2048 (bytes; units case-insensitive); unknown units yield NaN. */
export function sizeToBytes(value: string, unit: string): number {
  const factor = SIZE_UNITS.find(([name]) => name === unit.toLowerCase())?.[1];
  return factor === undefined ? Number.NaN : Number.parseFloat(value) * factor;
}

const ISO_DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/** The parts of a date of the search grammar's ISO-8601 subset. */
export interface IsoDateParts {
  /** The instant (ms since epoch). Naive values are UTC; `±HH:MM` offsets are applied. */
  epochMs: number;
  /** True when the value has a time component (`T…`). */
  hasTime: boolean;
}

/**
 * Parses `YYYY-MM-DD[THH:MM:SS[.f{1,6}]][Z|±HH:MM]`. Returns null for text outside that format
 * and for impossible calendar values (`2018-02-30`, `25:00:00`). Fractions beyond milliseconds
 * are truncated.
 */
export function parseIsoDate(text: string): IsoDateParts | null {
  const m = ISO_DATE_RE.exec(text);
  if (m === null) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(utc);
  // Date.UTC silently rolls 2018-02-30 over to March; reject instead.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return null;
  }
  let offsetMs = 0;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(4, 6));
    if (zh > 23 || zm > 59) return null;
    offsetMs = sign * (zh * 3600e3 + zm * 60e3);
  }
  return { epochMs: utc - offsetMs, hasTime: m[4] !== undefined };
}

/** ISO string of an instant, or null when it is outside JavaScript's date range. */
export function isoOrNull(epochMs: number): string | null {
  if (!Number.isFinite(epochMs) || Math.abs(epochMs) > 8.64e15) return null;
  return new Date(epochMs).toISOString();
}

/**
 * The instant a relative date denotes as the frontend shows it: `-2w` → now − 2 weeks,
 * `+7d` → now + 7 days (null when out of range). The backend *meaning* of `+7d` is
 * "older than 7 days" (see filters.ts).
 */
export function relativeDateInstant(
  now: Date,
  sign: '+' | '-',
  count: string,
  unit: 'w' | 'd' | 'h' | 'm',
): string | null {
  const offset = Number.parseInt(count, 10) * RELATIVE_DATE_UNITS[unit];
  return isoOrNull(sign === '-' ? now.getTime() - offset : now.getTime() + offset);
}

// A wildcard is an asterisk preceded by an even number of backslashes (event_search.py WILDCARD_CHARS).
// A fresh RegExp per use: a shared global one would carry `lastIndex` between calls.
const wildcardRe = (): RegExp => /(?<!\\)(?:\\\\)*\*/g;

/** True when `raw` (a search value with escapes) contains an unescaped `*`. */
export function isWildcard(raw: string): boolean {
  return wildcardRe().test(raw);
}

/**
 * Unescapes `\*` to `*` in a non-wildcard value; every other backslash stays
 * (`translate_escape_sequences`).
 */
export function translateEscapeSequences(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\' && raw[i + 1] === '*') {
      out += '*';
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

/** The value a filter compares with once escapes are resolved: the raw text with `\*` → `*`. */
export function literalValue(raw: string): string {
  return translateEscapeSequences(raw);
}

/**
 * How a wildcard value can be matched: `prefix` (`abc*`), `suffix` (`*abc`), `infix` (`*abc*`)
 * — with the literal text to match (`prefix`/`suffix` lower-cased, as Sentry compares them with
 * `lower(column)`) — or `general` for any other wildcard, or `none` for no wildcard at all.
 * Mirrors `SearchValue.classify_and_format_wildcard`.
 */
export type WildcardClass =
  | { kind: 'none'; text: string }
  | { kind: 'prefix' | 'suffix' | 'infix'; text: string }
  | { kind: 'general'; raw: string };

/** Classifies a raw value's wildcards (see {@link WildcardClass}). */
export function classifyWildcard(raw: string): WildcardClass {
  const matches = [...raw.matchAll(wildcardRe())];
  if (matches.length === 0) return { kind: 'none', text: translateEscapeSequences(raw) };
  let leading = false;
  let trailing = false;
  let middle = false;
  for (const m of matches) {
    const start = m.index;
    const end = start + m[0].length;
    if (start === 0 && end === 1) leading = true;
    else if (end === raw.length) trailing = true;
    else middle = true;
  }
  if (!middle) {
    if (leading && trailing) return { kind: 'infix', text: translateEscapeSequences(raw.slice(1, -1)) };
    if (leading) return { kind: 'suffix', text: translateEscapeSequences(raw.slice(1)).toLowerCase() };
    if (trailing) return { kind: 'prefix', text: translateEscapeSequences(raw.slice(0, -1)).toLowerCase() };
  }
  return { kind: 'general', raw };
}

const REGEX_SPECIAL = new Set('()[]{}?*+-|^$\\.&~# \t\n\r\v\f/'.split(''));

/**
 * A wildcard value as an anchored regex (`^…$`): `*` → `.*`, `\x` → literal `x`, regex
 * metacharacters escaped (`translate_wildcard`).
 */
export function wildcardToRegex(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if (c === '\\' && i + 1 < raw.length) {
      out += escapeRegexChar(raw.charAt(i + 1));
      i++;
    } else if (c === '*') {
      out += '.*';
    } else {
      out += escapeRegexChar(c);
    }
  }
  return `^${out}$`;
}

function escapeRegexChar(c: string): string {
  return REGEX_SPECIAL.has(c) ? `\\${c}` : c;
}

/**
 * A wildcard value as a SQL LIKE pattern: `*` → `%`, literal `%`, `_` and `\` escaped with a
 * backslash, `\x` → literal `x` (`translate_wildcard_as_clickhouse_pattern`, which rejects escapes
 * other than `\*`; here every escaped character is simply taken literally).
 */
export function wildcardToLike(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    let c = raw.charAt(i);
    if (c === '\\' && i + 1 < raw.length) {
      c = raw.charAt(++i);
      out += likeLiteral(c);
    } else if (c === '*') {
      out += '%';
    } else {
      out += likeLiteral(c);
    }
  }
  return out;
}

function likeLiteral(c: string): string {
  return c === '%' || c === '_' || c === '\\' ? `\\${c}` : c;
}

/** Escapes `\` and `*` so arbitrary text can sit inside a wildcard value literally. */
export function escapeWildcardText(text: string): string {
  return text.replace(/[\\*]/g, (c) => `\\${c}`);
}

/**
 * The frontend's wildcard marker of a text value: `*x` leading, `x*` trailing, `*x*`
 * surrounded (a non-empty inside), `false` otherwise or when other unescaped `*` remain inside.
 */
export function wildcardPosition(raw: string): false | 'leading' | 'trailing' | 'surrounded' {
  const starts = raw.startsWith('*');
  const ends = raw.length > 1 && raw.endsWith('*') && !isEscapedAt(raw, raw.length - 1);
  const inner = raw.slice(starts ? 1 : 0, ends ? -1 : undefined);
  if (inner.length === 0 || isWildcard(inner)) return false;
  if (starts && ends) return 'surrounded';
  if (starts) return 'leading';
  if (ends) return 'trailing';
  return false;
}

function isEscapedAt(raw: string, index: number): boolean {
  let n = 0;
  for (let i = index - 1; i >= 0 && raw[i] === '\\'; i--) n++;
  return n % 2 === 1;
}
