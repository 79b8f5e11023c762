/**
 * The steps logs and trace metrics share once an entry's own fields are read: ids and timestamp,
 * request enrichment, scrubbing, the typed attribute maps and the columns every trace item row
 * has (src/protocol/trace-items.ts). Follows Relay's EAP item conversion
 * (`relay-server/src/processing/{logs,trace_metrics}/store.rs`: `sentry.release`,
 * `sentry.environment`, `sentry.sdk.*` come from the attributes; `_meta` is kept per field).
 * reference/relay-protocol.md §14.2, §14.4.
 */
import type { JsonObject } from '../../../protocol/json.js';
import type { TraceItemColumns } from '../../../protocol/trace-items.js';
import { newEventId, parseSpanId, parseTimestamp, parseTraceId } from '../../normalize/index.js';
import { DEFAULT_DATA_SCRUBBING, type DataScrubbingSettings } from '../../pii/index.js';
import {
  attributeErrorsMeta,
  stringAttribute,
  toAttributeMaps,
  type ParsedAttributes,
} from './attributes.js';
import type { ContainerMetadata } from './container.js';
import { enrichAttributes, type RequestInfo } from './enrich.js';
import type { TraceItemFilterContext } from './filter.js';
import { scrubTraceItem, type TraceItemType } from './scrub.js';

/** Default row retention in days (Relay's `eventRetention` default). */
export const DEFAULT_TRACE_ITEM_RETENTION_DAYS = 90;

/** What the trace-item pipelines need to know about the request and the project. */
export interface TraceItemContext extends RequestInfo, TraceItemFilterContext {
  projectId: number;
  organizationId: number;
  /** The project's data scrubbing settings; default Sentry's defaults for a new project. */
  scrubbing?: DataScrubbingSettings;
  /** Days to keep the rows; default {@link DEFAULT_TRACE_ITEM_RETENTION_DAYS}. */
  retentionDays?: number;
  /** Source of item ids (32 hex); default random UUIDs. */
  newItemId?: () => string;
}

/** The identity fields of an entry, validated. */
export interface TraceItemIds {
  /** Unix seconds, microsecond precision. */
  timestamp: number;
  traceId: string;
  /** `''` when absent or invalid. */
  spanId: string;
  /** `_meta` of the entry's own fields (an invalid `span_id` is removed with an error). */
  meta: JsonObject;
}

/**
 * Reads `timestamp` (unix seconds or RFC 3339), `trace_id` (32 hex or a UUID) and the optional
 * `span_id` (16 hex) of an entry. Returns `undefined` when the timestamp or trace id is missing
 * or invalid (the entry is then invalid); an invalid span id is dropped with an `invalid_data`
 * error in `meta`, as Relay annotates it.
 */
export function readTraceItemIds(entry: JsonObject): TraceItemIds | undefined {
  const timestamp = parseTimestamp(entry.timestamp);
  const traceId = parseTraceId(entry.trace_id);
  if (timestamp === undefined || traceId === undefined) return undefined;
  const meta: JsonObject = {};
  let spanId = '';
  const rawSpan = entry.span_id;
  if (rawSpan !== undefined && rawSpan !== null) {
    const parsed = parseSpanId(rawSpan);
    if (parsed === undefined) meta.span_id = { '': { err: ['invalid_data'], val: rawSpan } };
    else spanId = parsed;
  }
  return { timestamp, traceId, spanId, meta };
}

/** Unix seconds → integer unix microseconds, the time unit of processed rows. */
export function toMicros(seconds: number): number {
  return Math.round(seconds * 1e6);
}

/** The columns common to every trace item, and the (possibly scrubbed) body. */
export interface BuiltTraceItem {
  columns: TraceItemColumns<number>;
  /** The scrubbed body; `undefined` when none was given. */
  body: string | undefined;
}

/**
 * Enriches (observed time, browser, client address; unless `enriched` says the caller did, to run
 * the inbound filters in between as Relay does), scrubs (each attribute value per its pii mark, a
 * log's `body` with the replace-only rules; `itemType` is the item's `$log` / `$span` /
 * `$trace_metric` for selectors) and splits the attributes, and fills the columns every trace
 * item row has. Times are unix microseconds. `payloadSize` is the entry's canonical size,
 * measured before any of this. Mutates `attributes.values`.
 */
export function buildTraceItem(input: {
  itemType: TraceItemType;
  ids: TraceItemIds;
  attributes: ParsedAttributes;
  body: string | undefined;
  payloadSize: number;
  metadata: ContainerMetadata;
  ctx: TraceItemContext;
  /** True when `enrichAttributes` already ran on the attributes; default false. */
  enriched?: boolean;
}): BuiltTraceItem {
  const { ids, attributes, metadata, ctx } = input;
  const values = attributes.values;
  if (input.enriched !== true) enrichAttributes(values, metadata, ctx);
  const scrubbed = scrubTraceItem(
    input.itemType,
    input.body,
    values,
    ctx.scrubbing ?? DEFAULT_DATA_SCRUBBING,
  );

  const meta: JsonObject = { ...ids.meta };
  if (scrubbed.bodyMeta) meta.body = scrubbed.bodyMeta;
  const attributesMeta: JsonObject = {
    ...attributeErrorsMeta(attributes.errors),
    ...scrubbed.attributesMeta,
  };
  if (Object.keys(attributesMeta).length > 0) meta.attributes = attributesMeta;

  // The maps are listed rather than spread: spreading into this wide object takes V8's slow
  // object-cloning path (measured: most of a span's build time).
  const maps = toAttributeMaps(values);
  return {
    body: scrubbed.body,
    columns: {
      project_id: ctx.projectId,
      organization_id: ctx.organizationId,
      item_id: (ctx.newItemId ?? newEventId)(),
      timestamp: toMicros(ids.timestamp),
      observed_timestamp: toMicros(ctx.receivedAt),
      trace_id: ids.traceId,
      span_id: ids.spanId,
      release: stringAttribute(values, 'sentry.release') ?? '',
      environment: stringAttribute(values, 'sentry.environment') ?? '',
      sdk_name: stringAttribute(values, 'sentry.sdk.name') ?? '',
      sdk_version: stringAttribute(values, 'sentry.sdk.version') ?? '',
      payload_size_bytes: input.payloadSize,
      meta: Object.keys(meta).length > 0 ? JSON.stringify(meta) : '',
      retention_days: ctx.retentionDays ?? DEFAULT_TRACE_ITEM_RETENTION_DAYS,
      attributes_string: maps.attributes_string,
      attributes_int: maps.attributes_int,
      attributes_float: maps.attributes_float,
      attributes_bool: maps.attributes_bool,
      attributes_array: maps.attributes_array,
    },
  };
}

/** Invalid entries of one reason: how many, and their canonical bytes (for outcomes). */
export interface DroppedEntries {
  /** Relay's discard reason, e.g. `invalid_log`, `too_large:log`. */
  reason: string;
  count: number;
  bytes: number;
}

/** Adds one dropped entry of `bytes` to the tally of `reason`. */
export function tallyDrop(drops: DroppedEntries[], reason: string, bytes: number): void {
  const existing = drops.find((d) => d.reason === reason);
  if (existing) {
    existing.count += 1;
    existing.bytes += bytes;
  } else {
    drops.push({ reason, count: 1, bytes });
  }
}
