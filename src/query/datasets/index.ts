/**
 * The Discover-like datasets of the events endpoint (`dataset=` values, Sentry's
 * `DATASET_OPTIONS` that Vigil serves) and their compiler. Reference:
 * reference/sentry-semantics.md §1; `src/sentry/snuba/utils.py`.
 */
import { DISCOVER_DATASET } from './discover.js';
import { ERRORS_DATASET } from './errors.js';
import { LOGS_DATASET } from './logs.js';
import { SPANS_DATASET } from './spans.js';
import { TRACE_METRICS_DATASET } from './trace-metrics.js';
import { TRANSACTIONS_DATASET } from './transactions.js';
import type { Dataset } from './types.js';

/**
 * Datasets by `dataset` value. `ourlogs` is the deprecated name of `logs` (answered as `logs`);
 * `metricsEnhanced` falls back to Discover, as Sentry's does without metrics.
 */
export const DATASETS: Readonly<Record<string, Dataset>> = {
  discover: DISCOVER_DATASET,
  errors: ERRORS_DATASET,
  transactions: TRANSACTIONS_DATASET,
  metricsEnhanced: { ...DISCOVER_DATASET, label: 'metricsEnhanced' },
  spans: SPANS_DATASET,
  logs: LOGS_DATASET,
  ourlogs: LOGS_DATASET,
  tracemetrics: TRACE_METRICS_DATASET,
};

/** The dataset of a `dataset` value (default `discover`), or undefined for an unknown one. */
export function datasetFor(label: string | undefined): Dataset | undefined {
  const key = label === undefined || label === '' ? 'discover' : label;
  return Object.hasOwn(DATASETS, key) ? DATASETS[key] : undefined;
}

export {
  compileDatasetQuery,
  datasetLookupNeeds,
  functionAlias,
  MAX_FIELDS,
  type CompiledDatasetQuery,
  type DatasetQueryRequest,
  type OutputColumn,
} from './compile.js';
export type { DecodeContext, Dataset, FieldType } from './types.js';
export type { DatasetLookups, LookupNeeds } from './lookups.js';
export { NO_THRESHOLDS, type TransactionThresholds } from './thresholds.js';
export {
  DISCOVER_DATASET,
  ERRORS_DATASET,
  LOGS_DATASET,
  SPANS_DATASET,
  TRACE_METRICS_DATASET,
  TRANSACTIONS_DATASET,
};
