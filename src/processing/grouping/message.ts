/**
 * Message normalisation for grouping: keep the first two non-empty lines (appending `...` when
 * anything was cut), then replace event-specific values with placeholders.
 *
 * Follows `sentry: src/sentry/grouping/strategies/message.py` (`normalize_message_for_grouping`);
 * reference/sentry-semantics.md §3.4.
 */
import { parameterize } from './parameterization.js';
import { pySplitLines, pyStrip } from './py-regex.js';

/**
 * Normalises a log message or exception value for grouping, e.g.
 * `"Loading chunk 158 failed.\n(timeout: https://…)"` → `"Loading chunk <int> failed.\n(timeout: <url>"`.
 * Lines are split and stripped with Python's rules (`str.splitlines`, `str.strip`).
 */
export function normalizeMessageForGrouping(message: string): string {
  let trimmed = pySplitLines(message)
    .filter((line) => pyStrip(line) !== '')
    .slice(0, 2)
    .join('\n');
  if (trimmed !== message) trimmed += '...';
  return parameterize(trimmed);
}
