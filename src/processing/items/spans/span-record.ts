/**
 * The common end of every spans pipeline (transactions, span v2 containers, legacy standalone
 * spans, OTLP traces): a source-independent {@link SpanDraft} per span, the tree fields derived
 * from the spans that arrived together (segment ids and names, exclusive times), the envelope's
 * clock drift, and the `spans` row (src/protocol/span-columns.ts) built with the trace-item
 * steps (enrichment from the request, default scrubbing, typed attribute maps).
 *
 * Follows Relay: exclusive time is the span's duration minus the union of its direct children's
 * intervals clipped to it (`relay-event-normalization/src/normalize/span/exclusive_time.rs`);
 * clock drift is corrected as for events when the envelope's `sent_at` is ≥ 55 min off, and a
 * span ending more than 60 s in the future or older than the retention is shifted to end at the
 * receive time (`clock_drift.rs`, `eap/time.rs`; reference/relay-protocol.md §8.3).
 */
import type { JsonObject } from '../../../protocol/json.js';
import type { SpanColumns } from '../../../protocol/span-columns.js';
import {
  DEFAULT_MAX_SECS_IN_FUTURE,
  DEFAULT_MAX_SECS_IN_PAST,
  MINIMUM_CLOCK_DRIFT_SECS,
  parseTimestamp,
} from '../../normalize/index.js';
import {
  buildTraceItem,
  canonicalSize,
  stringAttribute,
  type ContainerMetadata,
  type ParsedAttributes,
  type TraceItemContext,
} from '../eap/index.js';

/** A `spans` row as processing produces it: times in unix microseconds. */
export type SpanRecord = SpanColumns<number>;

/** Relay's `max_span_size` default: 1 MiB per span (canonical size, bytes). */
export const DEFAULT_MAX_SPAN_SIZE = 1024 * 1024;

/** What the spans pipelines need besides the payload. */
export interface SpanItemContext extends TraceItemContext {
  /** The envelope's `sent_at` header (RFC 3339), for clock-drift correction. */
  sentAt?: string;
  /** Largest canonical size of one span in bytes; default {@link DEFAULT_MAX_SPAN_SIZE}. */
  maxSpanSize?: number;
}

/** One span, read from whichever source, before its row is built. Times are unix seconds. */
export interface SpanDraft {
  traceId: string;
  spanId: string;
  /** `''` for a root span. */
  parentSpanId: string;
  /** Filled by {@link completeSpanTree} when the source does not say. */
  segmentId?: string;
  segmentName?: string;
  isSegment: boolean;
  start: number;
  end: number;
  op: string;
  name: string;
  description: string;
  status: string;
  kind: string;
  /** Milliseconds; computed by {@link completeSpanTree} when absent. */
  exclusiveTimeMs?: number;
  /** The transaction event id, for spans from a transaction. */
  eventId?: string;
  attributes: ParsedAttributes;
  /** `_meta` of the span's own fields. */
  meta: JsonObject;
}

function coveredMs(span: SpanDraft, children: readonly SpanDraft[]): number {
  const intervals = children
    .map((c) => [Math.max(c.start, span.start), Math.min(c.end, span.end)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let [from, to] = [Number.NaN, Number.NaN];
  for (const [a, b] of intervals) {
    if (Number.isNaN(from) || a > to) {
      if (!Number.isNaN(from)) covered += to - from;
      [from, to] = [a, b];
    } else {
      to = Math.max(to, b);
    }
  }
  if (!Number.isNaN(from)) covered += to - from;
  return covered * 1000;
}

/**
 * Fills what the spans of one batch say about each other, in place: a missing segment id is
 * the nearest ancestor in the batch that is a segment (or the batch's root, which becomes the
 * segment when none is marked), a missing segment name that segment's name, and a missing
 * exclusive time the duration not covered by the span's direct children.
 */
export function completeSpanTree(spans: readonly SpanDraft[]): void {
  const byId = new Map<string, SpanDraft>();
  const children = new Map<string, SpanDraft[]>();
  for (const span of spans) byId.set(span.spanId, span);
  for (const span of spans) {
    if (span.parentSpanId === '' || !byId.has(span.parentSpanId)) continue;
    const list = children.get(span.parentSpanId);
    if (list) list.push(span);
    else children.set(span.parentSpanId, [span]);
  }
  for (const span of spans) {
    if (span.segmentId === undefined) {
      let current = span;
      const seen = new Set<string>();
      while (!current.isSegment && byId.has(current.parentSpanId) && !seen.has(current.spanId)) {
        seen.add(current.spanId);
        current = byId.get(current.parentSpanId)!;
      }
      if (current.isSegment || current.parentSpanId === '') span.segmentId = current.spanId;
    }
    if (span.segmentId === span.spanId && span.parentSpanId === '') span.isSegment = true;
    if (span.segmentName === undefined && span.segmentId !== undefined) {
      const segment = byId.get(span.segmentId);
      if (segment !== undefined) span.segmentName = segment.name;
    }
    if (span.exclusiveTimeMs === undefined) {
      const duration = (span.end - span.start) * 1000;
      span.exclusiveTimeMs = Math.max(0, duration - coveredMs(span, children.get(span.spanId) ?? []));
    }
  }
}

/**
 * Corrects the spans' times in place for the envelope's clock drift (`sentAt` ≥ 55 min away from
 * the receive time) and shifts a span that ends more than `maxSecsInFuture` ahead or more than
 * `maxSecsInPast` ago to end at the receive time (keeping its duration), as Relay does for
 * events; each shifted span records the reason under `_meta.end_timestamp`.
 */
export function correctSpanTimes(
  spans: readonly SpanDraft[],
  ctx: { receivedAt: number; sentAt?: string; maxSecsInFuture?: number; maxSecsInPast?: number },
): void {
  const sentAt = ctx.sentAt === undefined ? undefined : parseTimestamp(ctx.sentAt);
  const drift = sentAt === undefined ? 0 : ctx.receivedAt - sentAt;
  const shiftDrift = Math.abs(Math.trunc(drift)) >= MINIMUM_CLOCK_DRIFT_SECS;
  const future = ctx.maxSecsInFuture ?? DEFAULT_MAX_SECS_IN_FUTURE;
  const past = ctx.maxSecsInPast ?? DEFAULT_MAX_SECS_IN_PAST;
  for (const span of spans) {
    if (shiftDrift) {
      span.start += drift;
      span.end += drift;
      span.meta.end_timestamp = { '': { err: [['clock_drift', { sdk_time: ctx.sentAt ?? null }]] } };
    }
    let kind: string | undefined;
    if (span.end > ctx.receivedAt + future) kind = 'future_timestamp';
    else if (span.end < ctx.receivedAt - past) kind = 'past_timestamp';
    if (kind !== undefined) {
      const shift = ctx.receivedAt - span.end;
      span.start += shift;
      span.end += shift;
      span.meta.end_timestamp = { '': { err: [kind] } };
    }
  }
}

/** Rounds to microseconds (in milliseconds: three decimals). */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * Builds the `spans` row of a completed draft: enrichment (observed time, browser, client
 * address per the container's ingest settings; skipped when `enriched`, the caller having done it
 * before the inbound filters), default scrubbing of the string attributes, the typed attribute
 * maps, and the span columns. `size` is the draft's canonical size (name + attributes), measured
 * before anything changed. Mutates `draft.attributes.values`.
 */
export function buildSpanRecord(
  draft: SpanDraft,
  size: number,
  metadata: ContainerMetadata,
  ctx: SpanItemContext,
  enriched = false,
): SpanRecord {
  const built = buildTraceItem({
    itemType: 'span',
    ids: { timestamp: draft.start, traceId: draft.traceId, spanId: draft.spanId, meta: draft.meta },
    attributes: draft.attributes,
    body: undefined,
    payloadSize: size,
    metadata,
    ctx,
    enriched,
  });
  const values = draft.attributes.values;
  const c = built.columns;
  // Listed field by field rather than spread: a spread of the wide column object takes V8's slow
  // object-cloning path, which cost more than the rest of the span's processing together.
  return {
    project_id: c.project_id,
    organization_id: c.organization_id,
    item_id: c.item_id,
    timestamp: c.timestamp,
    observed_timestamp: c.observed_timestamp,
    trace_id: c.trace_id,
    span_id: c.span_id,
    release: c.release,
    environment: c.environment,
    sdk_name: c.sdk_name,
    sdk_version: c.sdk_version,
    payload_size_bytes: c.payload_size_bytes,
    meta: c.meta,
    retention_days: c.retention_days,
    attributes_string: c.attributes_string,
    attributes_int: c.attributes_int,
    attributes_float: c.attributes_float,
    attributes_bool: c.attributes_bool,
    attributes_array: c.attributes_array,
    parent_span_id: draft.parentSpanId,
    segment_id: draft.segmentId ?? '',
    is_segment: draft.isSegment,
    op: draft.op,
    name: draft.name,
    description: draft.description,
    status: draft.status,
    kind: draft.kind,
    duration_ms: roundMs(Math.max(0, draft.end - draft.start) * 1000),
    exclusive_time_ms: roundMs(draft.exclusiveTimeMs ?? 0),
    segment_name: draft.segmentName ?? stringAttribute(values, 'sentry.segment.name') ?? '',
    event_id: draft.eventId ?? '',
  };
}

/** The canonical size of a draft (Relay's `calculate_size`: name + attributes, at least 1). */
export function spanSize(draft: SpanDraft): number {
  return canonicalSize(draft.name, draft.attributes);
}
