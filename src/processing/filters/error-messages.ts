/**
 * The error-messages filter (stat key `error-message`), following
 * `relay-filter/src/error_messages.rs`.
 *
 * Matches case-insensitive globs against `logentry.formatted` (or, when there is none,
 * `logentry.message`) and against every exception as `"<type>: <value>"` (just the type or
 * the value when the other is missing or empty). Transactions carry neither, so they never match.
 */
import { asString, isJsonObject } from '../../protocol/json.js';
import { KEEP, filteredBy, type FilterVerdict } from './common.js';
import type { GlobPatterns } from './glob.js';
import type { Filterable } from './filterable.js';

/** True when any message of the item matches `patterns`. */
export function matchesErrorMessage(item: Filterable, patterns: GlobPatterns): boolean {
  const logentry = item.logentry?.();
  if (logentry) {
    const formatted = asString(logentry.formatted);
    const message = formatted ?? asString(logentry.message);
    if (message !== undefined && patterns.isMatch(message)) return true;
  }
  for (const exception of item.exceptions?.() ?? []) {
    if (!isJsonObject(exception)) continue;
    const ty = asString(exception.type) ?? '';
    const value = asString(exception.value) ?? '';
    const message = ty === '' ? value : value === '' ? ty : `${ty}: ${value}`;
    if (patterns.isMatch(message)) return true;
  }
  return false;
}

/** Applies the error-messages filter with the compiled `patterns`. */
export function errorMessagesFilter(item: Filterable, patterns: GlobPatterns): FilterVerdict {
  if (patterns.isEmpty()) return KEEP;
  return matchesErrorMessage(item, patterns) ? filteredBy('error-message') : KEEP;
}
