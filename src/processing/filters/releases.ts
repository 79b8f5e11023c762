/**
 * The releases filter (stat key `release-version`), following `relay-filter/src/releases.rs`:
 * the item's release against case-insensitive globs (`1.2.*`, `my-app@1.*`; no SemVer special
 * casing). Items without a release never match.
 */
import { KEEP, filteredBy, type FilterVerdict } from './common.js';
import type { GlobPatterns } from './glob.js';
import type { Filterable } from './filterable.js';

/** Applies the releases filter with the compiled `releases` patterns. */
export function releasesFilter(item: Filterable, releases: GlobPatterns): FilterVerdict {
  if (releases.isEmpty()) return KEEP;
  const release = item.release?.();
  return release !== undefined && releases.isMatch(release) ? filteredBy('release-version') : KEEP;
}
