/**
 * Message parameterization: replaces event-specific values (numbers, ids, dates, urls, ...)
 * in messages and exception values with placeholders such as `<int>` so that messages which
 * differ only in those values group together.
 *
 * Follows `sentry: src/sentry/grouping/parameterization.py` (reference/sentry-semantics.md §3.4):
 * the patterns are tried as one combined alternation in a fixed order (the first alternative that
 * matches at a position wins); when a pattern's validation callback rejects a match (the `ip`
 * pattern also catches things like `12:31:99`), the whole input is re-run pattern by pattern so
 * later patterns still get their chance. Known imperfections are kept on purpose (for example
 * `Encoding: utf-8` becomes `Encoding: utf-<int>`), because grouping hashes must equal Sentry's.
 *
 * Two shortcuts keep this fast without changing any result: patterns that cannot match anywhere
 * in a message (it lacks all of their "clues", e.g. a digit or an `@`) are left out of its
 * combined regex, and pure-ASCII messages use regexes with JavaScript's faster ASCII `\d \w \b`
 * (equal to Python's Unicode ones on ASCII text).
 */
import { isIP } from 'node:net';
import { isAscii, pyRegex } from './py-regex.js';

/** One named pattern of the parameterizer (JavaScript regex syntax, Python semantics). */
interface ParameterizationPattern {
  /** Placeholder name: a match becomes `<name>`. */
  name: string;
  /** Pattern body, without the named group. */
  body: string;
  /** Optional positive lookbehind placed before the named group. */
  lookbehind?: string;
  /**
   * Optional validation: returns the replacement, or the matched text itself to decline the
   * match (which triggers the pattern-by-pattern fallback).
   */
  replace?: (matched: string) => string;
  /** The pattern can only match text that shows at least one of these clues (see {@link CLUES}). */
  clues: readonly Clue[];
}

/**
 * Cheap tests for text every match of some pattern contains. Patterns without any of their
 * clues in a message cannot match anywhere in it, so they are left out of the combined regex
 * for that message (the first alternative that matches at a position cannot change).
 */
const CLUES = {
  digit: /\p{Nd}/u,
  at: /@/u,
  equals: /=/u,
  scheme: /:\/\//u,
  dotLetter: /\.[a-zA-Z]/u,
  // IPv6 written without digits, e.g. `::` or `fe:ab::`
  colons: /:[0-9a-fA-F]{0,4}:/u,
  hexRun: /[0-9a-fA-F]{8}/u,
  datetimeCall: /datetime\(/u,
} as const;
type Clue = keyof typeof CLUES;
const CLUE_NAMES = Object.keys(CLUES) as Clue[];

const IPV4_OCTET = '(?:25[0-5]|(?:2[0-4]|1{0,1}[0-9]){0,1}[0-9])';
const IPV4 = `(?:${IPV4_OCTET}\\.){3}${IPV4_OCTET}`;
const MONTHS = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const WEEKDAYS = '(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat)';
const ZONE_NAME = '(?:UT|GMT|(?:E|C|M|P)(?:ST|DT)|[A-IK-Z])';
const TLDS = [
  'com', 'net', 'org', 'jp', 'de', 'uk', 'fr', 'br', 'it', 'ru', 'es', 'me', 'gov', 'pl', 'ca', 'au', 'cn',
  'co', 'in', 'nl', 'edu', 'info', 'eu', 'ch', 'id', 'at', 'kr', 'cz', 'mx', 'be', 'tv', 'se', 'tr', 'tw',
  'al', 'ua', 'ir', 'vn', 'cl', 'sk', 'ly', 'cc', 'to', 'no', 'fi', 'us', 'pt', 'dk', 'ar', 'hu', 'tk', 'gr',
  'il', 'news', 'ro', 'my', 'biz', 'ie', 'za', 'nz', 'sg', 'ee', 'th', 'io', 'xyz', 'pe', 'bg', 'hk', 'rs',
  'lt', 'link', 'ph', 'club', 'si', 'site', 'mobi', 'by', 'cat', 'wiki', 'la', 'ga', 'xxx', 'cf', 'hr', 'ng',
  'jobs', 'online', 'kz', 'ug', 'gq', 'ae', 'is', 'lv', 'pro', 'fm', 'tips', 'ms', 'sa', 'app',
]; // prettier-ignore

/** Accepts `value` as an IP address (or CIDR network) the way Python's `ipaddress` would. */
function isValidIp(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash === -1) return isIP(value) !== 0;
  const address = value.slice(0, slash);
  const prefix = value.slice(slash + 1);
  const family = isIP(address);
  if (family === 0 || !/^\d+$/u.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** The patterns in Sentry's order; order decides which placeholder wins. */
const PATTERNS: readonly ParameterizationPattern[] = [
  {
    name: 'email',
    clues: ['at'],
    body: "[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*",
  },
  { name: 'url', clues: ['scheme'], body: '\\b(?:wss?|https?|ftp)://[^\\s/$.?#].[^\\s]*' },
  {
    // Only the ~100 most common TLDs, lowercase or uppercase.
    name: 'hostname',
    clues: ['dotLetter'],
    body: `\\b(?:[a-zA-Z0-9\\-]{1,63}\\.)+?(?:(?:${TLDS.map((t) => t.toUpperCase()).join('|')})|(?:${TLDS.join('|')}))\\b`,
  },
  {
    // IPv6 candidates are deliberately loose (any colon-separated hex groups, an embedded IPv4,
    // a zone id, a CIDR prefix length) and then validated; guards on both sides keep
    // `Option::unwrap()`-style code out. Declined candidates such as `12:31:99` make the
    // parameterizer fall back to trying every pattern on its own (see `parameterize`).
    name: 'ip',
    clues: ['digit', 'colons'],
    body:
      '(?<![0-9a-zA-Z_])' +
      `(?:[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){1,6}:${IPV4}|[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7})` +
      '(?:%[0-9a-zA-Z]+)?(?:/\\d{1,3})?(?![0-9a-zA-Z])' +
      `|\\b${IPV4}\\b(?:/\\d{1,2}\\b)?`,
    replace: (matched) => (isValidIp(matched) ? '<ip>' : matched),
  },
  {
    // W3C `traceparent` and AWS X-Ray trace ids.
    name: 'traceparent',
    clues: ['digit'],
    body: '\\b00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]\\b|\\b1-[0-9a-f]{8}-[0-9a-f]{24}\\b',
  },
  {
    name: 'uuid',
    clues: ['hexRun'],
    body: '\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b',
  },
  { name: 'sha1', clues: ['hexRun'], body: '\\b[0-9a-fA-F]{40}\\b' },
  { name: 'md5', clues: ['hexRun'], body: '\\b[0-9a-fA-F]{32}\\b' },
  {
    name: 'date',
    clues: ['digit', 'datetimeCall'],
    body: [
      // RFC 822 / 1123 (with numeric or named zone)
      `${WEEKDAYS},\\s\\d{1,2}\\s${MONTHS}\\s\\d{2,4}\\s\\d{1,2}:\\d{1,2}(?::\\d{1,2})?\\s(?:[-+][\\d]{2}[0-5][\\d]|${ZONE_NAME})`,
      // "Mon Jan 02, 1999" and "Jan 02, 1999"
      `(?:${WEEKDAYS}\\s)?${MONTHS}\\s[0-3]\\d,\\s\\d{2,4}`,
      // RFC 850
      `(?:Sun|Sunday|Mon|Monday|Tue|Tuesday|Wed|Wednesday|Thu|Thursday|Fri|Friday|Sat|Saturday),\\s\\d{2}-${MONTHS}-\\d{2}\\s\\d{2}:\\d{2}:\\d{2}\\s${ZONE_NAME}`,
      // RFC 3339 (nano)
      '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z?(?:[+-]?\\d{2}:\\d{2})?',
      // JavaScript's Date.prototype.toString()
      `${WEEKDAYS}\\s${MONTHS}\\s\\d{2}\\s\\d{4}\\s\\d{2}:\\d{2}:\\d{2}\\sGMT[+-]\\d{4}(?:\\s\\([^)]+\\))?`,
      // Datetimes with an offset come before plain ones so the offset is not left as an <int>.
      '\\d{4}-?[01]\\d-?[0-3]\\d[\\sT][0-2]\\d:?[0-5]\\d:?[0-5]\\d\\.\\d+(?:[+-][0-2]\\d:?[0-5]\\d|Z)',
      '\\d{4}-?[01]\\d-?[0-3]\\d[\\sT][0-2]\\d:?[0-5]\\d:?[0-5]\\d(?:[+-][0-2]\\d:?[0-5]\\d|Z)',
      '\\d{4}-?[01]\\d-?[0-3]\\d[\\sT][0-2]\\d:?[0-5]\\d(?:[+-][0-2]\\d:?[0-5]\\d|Z)',
      '\\d{4}-?[01]\\d-?[0-3]\\d[\\sT][0-2]\\d:?[0-5]\\d:?[0-5]\\d\\.\\d+',
      '\\d{4}-?[01]\\d-?[0-3]\\d[\\sT][0-2]\\d:?[0-5]\\d:?[0-5]\\d',
      '\\d{4}-?[01]\\d-?[0-3]\\d[\\sT][0-2]\\d:?[0-5]\\d',
      // Kitchen times, 12 hour then 24 hour; the lookarounds stop 3-digit hours and 3-digit
      // minutes/seconds, and force seconds through the seconds part.
      '(?<!\\d)(?:[1-9]|1[0-2]):[0-5]\\d(?::[0-5]\\d)?(?![\\d:])(?:\\s?[aApP][Mm])?',
      '(?<!\\d)(?:0?\\d|1\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d)?(?![\\d:])',
      // Date, then time
      '\\d{4}-[01]\\d-[0-3]\\d',
      '[0-2]\\d:[0-5]\\d:[0-5]\\d',
      // Older formats
      `\\b(?:${WEEKDAYS}\\s+)?${MONTHS}\\s+[\\d]{1,2}\\s+[\\d]{2}:[\\d]{2}:[\\d]{2}\\s+[\\d]{4}`,
      `\\b(?:${WEEKDAYS},\\s+)?(?:0[1-9]|[1-2]?[\\d]|3[01])\\s+${MONTHS}\\s+(?:19[\\d]{2}|[2-9][\\d]{3})\\s+(?:2[0-3]|[0-1][\\d]):[0-5][\\d](?::(?:60|[0-5][\\d]))?\\s+(?:[-+][\\d]{2}[0-5][\\d]|${ZONE_NAME})`,
      // Python's repr of a datetime
      'datetime.datetime\\(.*?\\)',
    ].join('|'),
  },
  { name: 'duration', clues: ['digit'], body: '\\b\\d+ms|\\d+(?:\\.\\d+)?s\\b' },
  {
    // OpenStack Swift transaction ids, with any suffix
    name: 'swift_txn_id',
    clues: ['hexRun'],
    body: '\\btx[0-9a-f]{21}-[0-9a-f]{10}\\S*',
  },
  {
    // `0x` prefixed: any length. Bare: 4-6 chars mixing letters and digits (7 are git shas),
    // or 8-128 chars; one letter case only. A dash is a minus sign only when not joining words.
    name: 'hex',
    clues: ['digit', 'hexRun'],
    body:
      '\\b0[xX][0-9a-fA-F]+\\b|(?:\\b|(?<!\\w)-)(?:' +
      '(?=[a-f]*[0-9])(?=[0-9]*[a-f])[0-9a-f]{4,6}|(?=[A-F]*[0-9])(?=[0-9]*[A-F])[0-9A-F]{4,6}|' +
      '[0-9a-f]{8,128}|[0-9A-F]{8,128})\\b',
  },
  { name: 'git_sha', clues: ['digit'], body: '\\b(?=[a-f]*[0-9])(?=[0-9]*[a-f])[0-9a-f]{7}\\b' },
  { name: 'float', clues: ['digit'], body: '-\\d+\\.\\d+\\b|\\b\\d+\\.\\d+\\b' },
  // Up to 7 digits; 8 and more are hex.
  { name: 'int', clues: ['digit'], body: '(?:\\b|(?<!\\w)-)\\d{1,7}\\b' },
  // Only values of key=value pairs
  { name: 'quoted_str', clues: ['equals'], lookbehind: '=', body: `'[^']+'|"[^"]+"` },
  { name: 'bool', clues: ['equals'], lookbehind: '=', body: 'True|true|False|false' },
];

function groupSource(pattern: ParameterizationPattern): string {
  const prefix = pattern.lookbehind === undefined ? '' : `(?<=${pattern.lookbehind})`;
  return `${prefix}(?<${pattern.name}>${pattern.body})`;
}

/** Per pattern: the bit mask of its clues. */
const CLUE_MASKS = PATTERNS.map((pattern) =>
  pattern.clues.reduce((mask, clue) => mask | (1 << CLUE_NAMES.indexOf(clue)), 0),
);

/** Every clue: the mask under which no pattern is left out. */
const ALL_CLUES = (1 << CLUE_NAMES.length) - 1;

/** The clues `message` shows, as a bit mask over {@link CLUE_NAMES}. */
function cluesOf(message: string): number {
  let mask = 0;
  CLUE_NAMES.forEach((clue, bit) => {
    if (CLUES[clue].test(message)) mask |= 1 << bit;
  });
  return mask;
}

/** Patterns compiled for any subject, or (faster) for pure-ASCII subjects only. */
const SINGLE = {
  unicode: PATTERNS.map((pattern) => pyRegex(groupSource(pattern), 'g')),
  ascii: PATTERNS.map((pattern) => pyRegex(groupSource(pattern), 'g', true)),
};
/** Combined regexes of the patterns a clue mask allows, compiled on first use (at most 512). */
const COMBINED = new Map<number, RegExp | null>();

function combinedFor(clues: number, ascii: boolean): RegExp | null {
  const key = clues * 2 + (ascii ? 1 : 0);
  let regex = COMBINED.get(key);
  if (regex === undefined) {
    const sources = PATTERNS.filter((_, i) => ((CLUE_MASKS[i] as number) & clues) !== 0).map(groupSource);
    regex = sources.length === 0 ? null : pyRegex(sources.join('|'), 'g', ascii);
    COMBINED.set(key, regex);
  }
  return regex;
}

const BY_NAME = new Map(PATTERNS.map((pattern) => [pattern.name, pattern]));

/** Options of {@link parameterize}. */
export interface ParameterizeOptions {
  /**
   * Skip the shortcuts (clue pruning, ASCII-only regexes) and run every pattern with the
   * Unicode-aware regexes: the same result, only slower. For verifying the shortcuts.
   */
  exhaustive?: boolean;
}

/**
 * Replaces event-specific values in `message` with placeholders (`<int>`, `<uuid>`, `<date>`,
 * ...), exactly as Sentry's default parameterizer does, including its known-incorrect outputs.
 * Pure; never throws. Example: `"Error with order #1231"` → `"Error with order #<int>"`.
 */
export function parameterize(message: string, options: ParameterizeOptions = {}): string {
  const ascii = !options.exhaustive && isAscii(message);
  const clues = options.exhaustive ? ALL_CLUES : cluesOf(message);
  const combinedRegex = combinedFor(clues, ascii);
  if (combinedRegex === null) return message;
  let declined = false;
  const replace = (matched: string, groups: Record<string, string | undefined>): string => {
    for (const [name, value] of Object.entries(groups)) {
      if (value === undefined) continue;
      const pattern = BY_NAME.get(name);
      const replacement = pattern?.replace ? pattern.replace(value) : `<${name}>`;
      if (replacement === value) declined = true;
      return replacement;
    }
    return matched;
  };
  const handler = (matched: string, ...rest: unknown[]): string => {
    const groups = rest[rest.length - 1] as Record<string, string | undefined>;
    return replace(matched, groups);
  };
  const combined = message.replace(combinedRegex, handler);
  if (!declined) return combined;
  // A declined match stopped the combined regex from trying later patterns at that spot.
  let result = message;
  for (const regex of ascii ? SINGLE.ascii : SINGLE.unicode) result = result.replace(regex, handler);
  return result;
}
