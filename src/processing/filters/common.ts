/**
 * Filter stat keys and the verdict of the inbound filters.
 *
 * Follows `relay-filter/src/common.rs` (`FilterStatKey`, itself ported from Sentry's enum): the
 * key becomes the `reason` of the `filtered` outcome (reference/relay-protocol.md §7, §10).
 */

/** Stat keys of the built-in filters, in Relay's spelling. */
export const FILTER_STAT_KEYS = [
  'ip-address',
  'release-version',
  'error-message',
  'browser-extensions',
  'legacy-browsers',
  'localhost',
  'web-crawlers',
  'invalid-csp',
  'filtered-transaction',
] as const;

/** One of {@link FILTER_STAT_KEYS}. */
export type BuiltinFilterStatKey = (typeof FILTER_STAT_KEYS)[number];

/**
 * The outcome reason of a filtered item: a built-in key, or the `id` of the generic filter that
 * matched (`FilterStatKey::GenericFilter`, e.g. `chunk-load-error`).
 */
export type FilterStatKey = BuiltinFilterStatKey | (string & NonNullable<unknown>);

/** What {@link shouldFilter} decides: keep the item, or drop it with outcome `filtered`. */
export type FilterVerdict = { filtered: false } | { filtered: true; statKey: FilterStatKey };

/** The "keep" verdict (shared, frozen). */
export const KEEP: FilterVerdict = Object.freeze({ filtered: false });

/** A "drop with `statKey`" verdict. */
export function filteredBy(statKey: FilterStatKey): FilterVerdict {
  return { filtered: true, statKey };
}
