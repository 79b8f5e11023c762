/**
 * The trace-metrics pipeline in the processing loop: an `ItemHandler` for `trace_metric`
 * container items (reference/relay-protocol.md §14.4). Each item runs through
 * `processTraceMetricItem` on the main thread; the rows go to the `trace_metrics` sink in `flush`.
 * Outcomes are in Relay's category `trace_metric` (one per entry), per ./trace-item-handler.ts.
 */
import {
  processTraceMetricItem,
  type TraceMetricRecord,
} from '../../processing/items/trace-metrics/index.js';
import { encodeTraceMetricRow } from '../../storage/clickhouse/trace-metrics.js';
import {
  TraceItemHandler,
  traceItemRequestContext,
  type TraceItemHandlerDeps,
} from './trace-item-handler.js';
import { projectRetentionDays } from '../../processing/project-config/index.js';

/** Collaborators and settings of {@link TraceMetricItemHandler}. */
export interface TraceMetricItemHandlerDeps extends TraceItemHandlerDeps {
  /** Days to keep the rows; default 90. */
  retentionDays?: number;
  /** Largest canonical size of one metric in bytes (`max_trace_metric_size`); default 1 MiB. */
  maxTraceMetricSize?: number;
}

/**
 * Handles `trace_metric` items; register it as `handlers.trace_metric` (sink:
 * `jsonLinesWriter(store, TRACE_METRICS_TABLE)`).
 */
export class TraceMetricItemHandler extends TraceItemHandler<TraceMetricRecord> {
  constructor(deps: TraceMetricItemHandlerDeps) {
    super(
      {
        itemType: 'trace_metric',
        categories: { items: 'trace_metric' },
        process: (accepted, item) =>
          processTraceMetricItem(item.payload, item.headers, {
            ...traceItemRequestContext(accepted),
            retentionDays: projectRetentionDays(accepted.config, deps.retentionDays),
            maxTraceMetricSize: deps.maxTraceMetricSize,
            scrubbing: accepted.config.scrubbing,
            filterSettings: accepted.config.filterSettings,
          }),
        encode: encodeTraceMetricRow,
      },
      deps,
    );
  }
}
