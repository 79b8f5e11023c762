/**
 * Trace metrics (reference/relay-protocol.md §14.4): `trace_metric` container items become rows
 * of the `trace_metrics` table (src/protocol/trace-items.ts). Pure: no I/O.
 */
export {
  DEFAULT_MAX_TRACE_METRIC_SIZE,
  TRACE_METRIC_CONTAINER_CONTENT_TYPE,
  processTraceMetricItem,
  type ProcessedTraceMetrics,
  type TraceMetricItemContext,
  type TraceMetricRecord,
} from './process.js';
