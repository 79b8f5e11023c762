/**
 * Message normalisation for grouping: keep the first two non-empty lines (appending `...` when
 * anything was cut), then replace event-specific values with placeholders.
 *
 * Follows `sentry: src/sentry/grouping/strategies/message.py` (`normalize_message_for_grouping`);
 * reference/sentry-semantics.md §3.4.
 */
import { BoundedCache } from './bounded-cache.js';
import { parameterize } from './parameterization.js';
import { pySplitLines, pyStrip } from './py-regex.js';

/** Messages longer than this are not remembered (keeps the memo's memory bounded). */
const MAX_REMEMBERED_LENGTH = 512;
/** Recent results: the same exception values and log messages arrive over and over. */
const remembered = new BoundedCache<string, string>(4096);

/**
 * Normalises a log message or exception value for grouping, e.g.
 * `"Loading chunk 158 failed.\n(timeout: https://…)"` → `"Loading chunk <int> failed.\n(timeout: <url>"`.
 * Lines are split and stripped with Python's rules (`str.splitlines`, `str.strip`). Results for
 * messages of up to 512 characters are remembered (4096 of them at most).
 */
export function normalizeMessageForGrouping(message: string): string {
  if (message.length > MAX_REMEMBERED_LENGTH) return normalize(message);
  return remembered.get(message) ?? remembered.set(message, normalize(message));
}

function normalize(message: string): string {
  let trimmed = pySplitLines(message)
    .filter((line) => pyStrip(line) !== '')
    .slice(0, 2)
    .join('\n');
  if (trimmed !== message) trimmed += '...';
  return parameterize(trimmed);
}
