/**
 * Required attributes with defaults: event type, level, platform and logger.
 *
 * Follows `relay-event-normalization/src/event.rs` (`normalize_platform_and_level`, event type
 * inference), `relay-event-schema/src/protocol/constants.rs` (`VALID_PLATFORMS`),
 * `relay-event-schema` `Level` parsing, and the logger trimming of `normalize/mod.rs`
 * (snapshots `normalize_logger_*`). reference/relay-protocol.md §8.
 */
import { isJsonObject, type JsonObject } from '../../protocol/json.js';
import { charLength, type EventMeta } from './meta.js';
import type { NormalizeItemType } from './types.js';

/** Platforms Relay accepts; anything else becomes `other`. */
export const VALID_PLATFORMS: ReadonlySet<string> = new Set([
  'as3',
  'c',
  'cfml',
  'cocoa',
  'csharp',
  'elixir',
  'go',
  'groovy',
  'haskell',
  'java',
  'javascript',
  'native',
  'node',
  'objc',
  'other',
  'perl',
  'php',
  'python',
  'ruby',
]);

const LEVEL_NAMES: Readonly<Record<string, string>> = {
  debug: 'debug',
  info: 'info',
  log: 'info',
  warning: 'warning',
  warn: 'warning',
  error: 'error',
  fatal: 'fatal',
  critical: 'fatal',
};

/** Python logging levels, accepted as legacy numeric levels. */
const PYTHON_LEVELS: Readonly<Record<number, string>> = {
  10: 'debug',
  20: 'info',
  30: 'warning',
  40: 'error',
  50: 'fatal',
};

/**
 * Parses a level: `debug`, `info` (`log`), `warning` (`warn`), `error`, `fatal` (`critical`),
 * case-insensitive, or a Python numeric level (10…50, also as a string). `undefined` if invalid.
 */
export function parseLevel(value: unknown): string | undefined {
  if (typeof value === 'number') return PYTHON_LEVELS[value];
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  return LEVEL_NAMES[text] ?? (/^\d+$/.test(text) ? PYTHON_LEVELS[Number(text)] : undefined);
}

/**
 * Infers `type` the way Relay does: transactions and feedback keep their type (the item type
 * decides for `transaction`/`feedback` items); otherwise `error` when there is at least one
 * exception, a security report type when its interface is present, else `default`.
 */
export function inferEventType(event: JsonObject, itemType: NormalizeItemType): string {
  if (itemType === 'transaction' || event.type === 'transaction') return 'transaction';
  if (itemType === 'feedback' || event.type === 'feedback') return 'feedback';
  const exception = event.exception;
  if (isJsonObject(exception) && Array.isArray(exception.values) && exception.values.length > 0)
    return 'error';
  for (const kind of ['csp', 'hpkp', 'expectct', 'expectstaple'] as const) {
    if (event[kind] !== undefined && event[kind] !== null) return kind;
  }
  return 'default';
}

/** Relay's logger limit (`MaxChars::Logger`). */
export const MAX_LOGGER_CHARS = 64;

/**
 * Trims a logger name longer than 64 characters from the left, keeping whole dot-separated words
 * where possible and marking the cut with `*`; returns the new name and how many characters of
 * the original were replaced. A single over-long word keeps its last 63 characters.
 */
export function trimLogger(logger: string): { value: string; removed: number } | undefined {
  const chars = Array.from(logger);
  if (chars.length <= MAX_LOGGER_CHARS) return undefined;
  let start = chars.length - (MAX_LOGGER_CHARS - 1);
  const atBoundary = chars[start - 1] === '.' || chars[start] === '.';
  if (!atBoundary) {
    const dot = chars.indexOf('.', start);
    if (dot !== -1) start = dot;
  }
  return { value: `*${chars.slice(start).join('')}`, removed: start };
}

/**
 * Sets `type`, `level`, `platform` and `logger` in place:
 * - `type` from {@link inferEventType};
 * - `level` parsed (invalid → `invalid_data` error), defaulting to `info` for transactions
 *   and `error` otherwise;
 * - `platform` missing or unknown → `other`;
 * - `logger` trimmed of whitespace (an all-whitespace logger becomes `""` with remark
 *   `@logger:remove`), cut to 64 characters with remark `@logger:replace`, defaulting to `""`.
 */
export function normalizeDefaults(event: JsonObject, meta: EventMeta, itemType: NormalizeItemType): void {
  event.type = inferEventType(event, itemType);

  const rawLevel = event.level;
  let level = rawLevel === undefined || rawLevel === null ? undefined : parseLevel(rawLevel);
  if (rawLevel !== undefined && rawLevel !== null && level === undefined) {
    meta.addError(['level'], 'invalid_data', { original: rawLevel });
  }
  level ??= event.type === 'transaction' ? 'info' : 'error';
  event.level = level;

  const platform = event.platform;
  event.platform = typeof platform === 'string' && VALID_PLATFORMS.has(platform) ? platform : 'other';

  const logger = event.logger;
  if (typeof logger !== 'string') {
    if (logger !== undefined && logger !== null)
      meta.addError(['logger'], 'invalid_data', { original: logger });
    event.logger = '';
    return;
  }
  if (/[\r\n]/.test(logger)) {
    meta.addError(['logger'], 'invalid_data', { data: { reason: 'invalid character' }, original: logger });
    event.logger = '';
    return;
  }
  const trimmed = logger.trim();
  if (trimmed === '' && logger !== '') {
    const length = charLength(logger);
    meta.addRemark(['logger'], ['@logger:remove', 'x', 0, length], length);
    event.logger = '';
    return;
  }
  const cut = trimLogger(trimmed);
  if (cut) {
    meta.addRemark(['logger'], ['@logger:replace', 's', 0, cut.removed], charLength(trimmed));
    event.logger = cut.value;
  } else {
    event.logger = trimmed;
  }
}
