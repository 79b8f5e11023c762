/**
 * The `tracemetrics` dataset (Sentry's `src/sentry/search/eap/trace_metrics/attributes.py`):
 * rows of the `trace_metrics` table — `metric.name`, `metric.type`, `metric.unit`, `value`,
 * the common trace-item fields and attributes (./trace-items.ts). Free text searches the metric
 * name; `p50()`, `avg()` … default to `value`.
 */
import { numberField, searchConfigFor, sourceOf, textField } from './fields.js';
import { attributeFallback, TRACE_ITEM_FIELDS, TRACE_ITEM_FUNCTIONS, traceItemShape } from './trace-items.js';
import type { ColumnDef, Dataset } from './types.js';

/** Named fields of the trace metrics source. */
export const TRACE_METRIC_FIELDS: Readonly<Record<string, ColumnDef>> = {
  ...TRACE_ITEM_FIELDS,
  'metric.name': textField('name'),
  'metric.type': textField('type', { lowercase: true }),
  'metric.unit': textField('unit'),
  value: numberField('value'),
  message: textField('name'),
};

/** Sentry's `tracemetrics` dataset. */
export const TRACE_METRICS_DATASET: Dataset = {
  label: 'tracemetrics',
  sources: [sourceOf(traceItemShape('trace_metrics'), TRACE_METRIC_FIELDS, attributeFallback)],
  searchConfig: searchConfigFor(TRACE_METRIC_FIELDS),
  defaultNumericColumn: 'value',
  statusField: null,
  autoFields: true,
  aggregateConditions: true,
  functions: TRACE_ITEM_FUNCTIONS,
  sortByUnselected: true,
  preciseTimestamp: true,
  defaultSort: '-timestamp',
};
