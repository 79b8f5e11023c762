/**
 * The generic filters Sentry itself sends to Relay (`src/sentry/ingest/inbound_filters.py`,
 * `ACTIVE_GENERIC_FILTERS`, `get_log_messages_generic_filter`,
 * `get_trace_metric_names_generic_filter`), as JSON conditions ready for
 * `filterSettings.generic.filters`. Sentry enables the first two per project option.
 */
import type { JsonObject } from '../../protocol/json.js';

type MessagePattern = [type: string | undefined, value: string | undefined];

/** Sentry's `_error_message_condition`: any exception matching a (type, value) glob pair. */
export function errorMessageCondition(values: readonly MessagePattern[]): JsonObject {
  const conditions: JsonObject[] = [];
  for (const [ty, value] of values) {
    const parts: JsonObject[] = [];
    if (ty !== undefined) parts.push({ op: 'glob', name: 'ty', value: [ty] });
    if (value !== undefined) parts.push({ op: 'glob', name: 'value', value: [value] });
    if (parts.length === 1) conditions.push(parts[0] as JsonObject);
    else if (parts.length === 2) conditions.push({ op: 'and', inner: parts });
  }
  return { op: 'any', name: 'event.exception.values', inner: { op: 'or', inner: conditions } };
}

/** `chunk-load-error`: webpack/Turbopack chunk load failures. */
export function chunkLoadErrorFilter(): JsonObject {
  return {
    id: 'chunk-load-error',
    isEnabled: true,
    condition: errorMessageCondition([
      ['ChunkLoadError', 'Loading chunk *'],
      ['*Uncaught *', 'ChunkLoadError: Loading chunk *'],
      ['ChunkLoadError', 'Failed to load chunk *'],
      ['*Uncaught *', 'ChunkLoadError: Failed to load chunk *'],
      ['Error', 'Uncaught (in promise): ChunkLoadError*'],
    ]),
  };
}

/** `react-hydration-errors`: React's minified hydration errors 418–425. */
export function hydrationErrorFilter(): JsonObject {
  return {
    id: 'react-hydration-errors',
    isEnabled: true,
    condition: errorMessageCondition([
      [undefined, '*https://reactjs.org/docs/error-decoder.html?invariant={418,419,421,422,423,425}*'],
      [undefined, '*https://react.dev/errors/{418,419,421,422,423,425}*'],
    ]),
  };
}

/** `log-message`: logs whose body matches any of the globs. */
export function logMessageFilter(patterns: readonly string[]): JsonObject {
  return {
    id: 'log-message',
    isEnabled: true,
    condition: { op: 'glob', name: 'log.body', value: [...patterns] },
  };
}

/** `trace-metric-name`: trace metrics whose name matches any of the globs. */
export function traceMetricNameFilter(patterns: readonly string[]): JsonObject {
  return {
    id: 'trace-metric-name',
    isEnabled: true,
    condition: { op: 'glob', name: 'trace_metric.name', value: [...patterns] },
  };
}
