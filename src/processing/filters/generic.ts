/**
 * Generic inbound filters, following `relay-filter/src/generic.rs`: rule conditions from the
 * project config (`filterSettings.generic`) and from Relay's global config, tried in order; the
 * first enabled filter whose condition matches drops the item with its `id` as the stat key.
 *
 * Merging (`merge_generic_filters`): nothing applies when either config's `version` is above
 * {@link MAX_GENERIC_FILTERS_VERSION}. Project filters come first; a project filter without a
 * condition takes the global filter's condition of the same id (so a project can switch a global
 * filter on or off); global filters whose id the project config has are skipped.
 */
import { KEEP, filteredBy, type FilterVerdict } from './common.js';
import {
  MAX_GENERIC_FILTERS_VERSION,
  type GenericFilterConfig,
  type GenericFiltersConfig,
} from './config.js';
import { matchesCondition, type Getter } from './condition.js';

/** A filter after merging project and global config. */
export interface MergedGenericFilter {
  id: string;
  isEnabled: boolean;
  condition: GenericFilterConfig['condition'];
}

/** True when both versions are supported (Relay's `are_generic_filters_supported`). */
export function areGenericFiltersSupported(
  globalVersion: number | undefined,
  projectVersion: number,
): boolean {
  return (
    (globalVersion === undefined || globalVersion <= MAX_GENERIC_FILTERS_VERSION) &&
    projectVersion <= MAX_GENERIC_FILTERS_VERSION
  );
}

/** The filters to try, in order, for a project and the (optional) global config. */
export function mergeGenericFilters(
  project: GenericFiltersConfig,
  global: GenericFiltersConfig | undefined,
): MergedGenericFilter[] {
  if (!areGenericFiltersSupported(global?.version, project.version)) return [];
  const merged: MergedGenericFilter[] = [];
  const projectIds = new Set<string>();
  for (const filter of project.filters) {
    projectIds.add(filter.id);
    const fallback = global?.filters.find((g) => g.id === filter.id);
    merged.push({
      id: filter.id,
      isEnabled: filter.isEnabled,
      condition: filter.condition ?? fallback?.condition,
    });
  }
  for (const filter of global?.filters ?? []) {
    if (!projectIds.has(filter.id))
      merged.push({ id: filter.id, isEnabled: filter.isEnabled, condition: filter.condition });
  }
  return merged;
}

/** Applies the generic filters to an item's getter (items without one are kept). */
export function genericFilter(
  getter: Getter | undefined,
  project: GenericFiltersConfig,
  global: GenericFiltersConfig | undefined,
): FilterVerdict {
  if (getter === undefined) return KEEP;
  for (const filter of mergeGenericFilters(project, global)) {
    if (filter.isEnabled && filter.condition !== undefined && matchesCondition(filter.condition, getter)) {
      return filteredBy(filter.id);
    }
  }
  return KEEP;
}
