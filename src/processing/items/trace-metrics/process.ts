/**
 * The trace-metrics pipeline for one `trace_metric` container item (reference/relay-protocol.md
 * §14.4; Relay's `relay-server/src/processing/trace_metrics/`: `validate::size`,
 * `validate::validate`, `normalize`, `store::convert`):
 *
 * 1. the container: content type `application/vnd.sentry.items.trace-metric+json`, JSON with
 *    `items`, `item_count` equal to the number of entries — otherwise the item is `invalid_json`;
 * 2. per entry, the canonical size (name + attributes) over `maxTraceMetricSize` drops it as
 *    `too_large:trace_metric`;
 * 3. `timestamp`, `trace_id`, a non-empty `name`, `type` ∈ counter | gauge | distribution and a
 *    numeric `value` are required, else the entry is `invalid_trace_metric`; `unit` is optional;
 * 4. attributes and enrichment as for logs (src/processing/items/eap/), then the project's inbound
 *    filters (`filter::filter`: release, user agent, client IP, generic filters on
 *    `trace_metric.name` and `trace_metric.attributes.<key>.value`), then scrubbing;
 * 5. one `trace_metrics` row per entry, times in unix microseconds.
 *
 * Outcomes are the caller's, in data category `trace_metric` (one per entry).
 */
import type { JsonObject } from '../../../protocol/json.js';
import {
  TRACE_METRIC_TYPES,
  type TraceMetricColumns,
  type TraceMetricType,
} from '../../../protocol/trace-items.js';
import type { StepResult } from '../../pipeline/result.js';
import {
  buildTraceItem,
  enrichAttributes,
  filterTraceItem,
  processContainerEntries,
  readTraceItemIds,
  type ContainerHeaders,
  type ContainerMetadata,
  type DroppedEntries,
  type FilteredEntry,
  type ParsedAttributes,
  type TraceItemContext,
} from '../eap/index.js';

/** The content type of a trace-metric container item. */
export const TRACE_METRIC_CONTAINER_CONTENT_TYPE = 'application/vnd.sentry.items.trace-metric+json';

/** Relay's `max_trace_metric_size` default: 1 MiB per entry (canonical size, bytes). */
export const DEFAULT_MAX_TRACE_METRIC_SIZE = 1024 * 1024;

/** A row of the `trace_metrics` table as processing produces it; times are unix microseconds. */
export type TraceMetricRecord = TraceMetricColumns<number>;

/** What the trace-metrics pipeline needs besides the payload. */
export interface TraceMetricItemContext extends TraceItemContext {
  /** Largest canonical size of one entry in bytes; default {@link DEFAULT_MAX_TRACE_METRIC_SIZE}. */
  maxTraceMetricSize?: number;
}

/** The outcome of one container: rows to store and the entries dropped per reason. */
export interface ProcessedTraceMetrics {
  records: TraceMetricRecord[];
  /** Invalid entries per Relay discard reason (`invalid_trace_metric`, `too_large:trace_metric`). */
  dropped: DroppedEntries[];
  /** Entries dropped by an inbound filter, per filter stat key (in `reason`). */
  filtered: DroppedEntries[];
}

const TYPES: ReadonlySet<string> = new Set(TRACE_METRIC_TYPES);

function processEntry(
  entry: JsonObject,
  attributes: ParsedAttributes,
  size: number,
  metadata: ContainerMetadata,
  ctx: TraceMetricItemContext,
): TraceMetricRecord | FilteredEntry | undefined {
  const ids = readTraceItemIds(entry);
  const { name, type, unit, value } = entry;
  if (
    ids === undefined ||
    typeof name !== 'string' ||
    name === '' ||
    typeof type !== 'string' ||
    !TYPES.has(type) ||
    typeof value !== 'number' ||
    !Number.isFinite(value)
  ) {
    return undefined;
  }
  enrichAttributes(attributes.values, metadata, ctx);
  const verdict = filterTraceItem('trace_metric', attributes.values, { name }, ctx);
  if (verdict.filtered) return { filtered: verdict.statKey };
  const built = buildTraceItem({
    itemType: 'trace_metric',
    ids,
    attributes,
    body: undefined,
    payloadSize: size,
    metadata,
    ctx,
    enriched: true,
  });
  return {
    ...built.columns,
    name,
    type: type as TraceMetricType,
    unit: typeof unit === 'string' ? unit : '',
    value,
  };
}

/**
 * Processes one `trace_metric` item into `trace_metrics` rows (see the module comment). Returns
 * `drop('invalid', 'invalid_json')` when the container is rejected; otherwise the rows and the
 * tallies of invalid and filtered entries. Never throws on bad input.
 */
export function processTraceMetricItem(
  payload: Buffer,
  headers: ContainerHeaders,
  ctx: TraceMetricItemContext,
): StepResult<ProcessedTraceMetrics> {
  return processContainerEntries(payload, headers, {
    contentType: TRACE_METRIC_CONTAINER_CONTENT_TYPE,
    maxSize: ctx.maxTraceMetricSize ?? DEFAULT_MAX_TRACE_METRIC_SIZE,
    invalidReason: 'invalid_trace_metric',
    tooLargeReason: 'too_large:trace_metric',
    sizedText: (entry) => (typeof entry.name === 'string' ? entry.name : ''),
    build: (entry, attributes, size, metadata) => processEntry(entry, attributes, size, metadata, ctx),
  });
}
