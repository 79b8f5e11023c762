/**
 * The ignore-transactions filter (stat key `filtered-transaction`), following
 * `relay-filter/src/transaction_name.rs`: when enabled, the transaction name (of a transaction
 * event, or a span's segment name) against case-insensitive globs, such as Sentry's
 * health-check list ({@link HEALTH_CHECK_GLOBS}).
 */
import { KEEP, filteredBy, type FilterVerdict } from './common.js';
import type { GlobPatterns } from './glob.js';
import type { Filterable } from './filterable.js';

/** Applies the ignore-transactions filter; `enabled` is `ignoreTransactions.isEnabled`. */
export function transactionNameFilter(
  item: Filterable,
  enabled: boolean,
  patterns: GlobPatterns,
): FilterVerdict {
  if (!enabled || patterns.isEmpty()) return KEEP;
  const name = item.transaction?.();
  return name !== undefined && patterns.isMatch(name) ? filteredBy('filtered-transaction') : KEEP;
}
