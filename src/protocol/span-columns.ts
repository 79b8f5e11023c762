/**
 * Spans as stored: the columns of the `spans` table, shared by the spans pipelines (transactions,
 * span v2 containers, legacy standalone spans, OTLP traces) and the ClickHouse layer. A span row
 * is a trace item (src/protocol/trace-items.ts: ids, release, environment, SDK, typed attribute
 * maps) plus the span tree fields of Sentry's EAP spans (`sentry_protos` `TraceItem` of type
 * span; Snuba's `eap_spans` / `spans` storages): parent, segment, op, name, description,
 * status, duration and exclusive time. `timestamp` is the span's start.
 * reference/relay-protocol.md §3.4, §8.3, §14.3.
 */
import type { TraceItemColumns } from './trace-items.js';

/** A row of the `spans` table; `Time` is how instants are represented. */
export interface SpanColumns<Time> extends TraceItemColumns<Time> {
  /** 16 lowercase hex digits, `''` for a root span. */
  parent_span_id: string;
  /** Span id of the segment (transaction) the span belongs to, `''` when unknown. */
  segment_id: string;
  /** Whether the span is its segment's root (a transaction, or a span v2 `is_segment`). */
  is_segment: boolean;
  /** The span operation (`http.server`, `db`, …; `sentry.op`), `''` when none was sent. */
  op: string;
  /** The span name (span v2 `name`, a transaction's name, else the description or op). */
  name: string;
  /** The span description as sent (`description`, `sentry.description`), `''` when none. */
  description: string;
  /** `ok`, `error`, or a legacy span status (`internal_error`, `deadline_exceeded`, …). */
  status: string;
  /** OpenTelemetry span kind (`server`, `client`, `internal`, …), `''` when not sent. */
  kind: string;
  /** End minus start, milliseconds. */
  duration_ms: number;
  /** Duration not covered by the span's children, milliseconds (Relay's `exclusive_time`). */
  exclusive_time_ms: number;
  /** The name of the segment (transaction) the span belongs to, `''` when unknown. */
  segment_name: string;
  /** The transaction event id for spans that came in a transaction, `''` otherwise. */
  event_id: string;
}
