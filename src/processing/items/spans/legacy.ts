/**
 * Legacy (v1) spans — the child spans of a transaction and standalone `span` items with a JSON
 * span — as {@link SpanDraft}s. Follows Relay's `Span` schema (`relay-event-schema/src/protocol/
 * span.rs`: `timestamp`, `start_timestamp`, `exclusive_time` (ms), `op`, `span_id`,
 * `parent_span_id`, `trace_id`, `segment_id`, `is_segment`, `status`, `description`, `tags`,
 * `origin`, `data`, `measurements`) and its v1 → v2 conversion (`relay-spans/src/v1_to_v2.rs`:
 * `op` → `sentry.op`, `data` and `tags` → attributes, `description` → `sentry.description`).
 * reference/relay-protocol.md §14.3.
 */
import { isJsonObject, type JsonObject } from '../../../protocol/json.js';
import { parseSpanId, parseTimestamp, parseTraceId } from '../../normalize/index.js';
import type { AttributeValue } from '../eap/index.js';
import { setJsonAttributes, setStringAttribute } from './attributes.js';
import type { SpanDraft } from './span-record.js';

/**
 * Why a span is invalid: Relay's discard reason for a standalone span (`invalid_span` without a
 * valid span id, `timestamp` for missing or reversed timestamps, `no_data` when another required
 * field is missing) and its validation message.
 */
export interface SpanError {
  reason: 'invalid_span' | 'timestamp' | 'no_data';
  detail: string;
}

/** Attributes a measurement map adds: `measurements.<name>` = value (doubles). */
export function measurementAttributes(target: Map<string, AttributeValue>, measurements: unknown): void {
  if (!isJsonObject(measurements)) return;
  for (const [name, measurement] of Object.entries(measurements)) {
    const value = isJsonObject(measurement) ? measurement.value : undefined;
    if (typeof value === 'number' && Number.isFinite(value)) {
      target.set(`measurements.${name}`, { type: 'double', value });
    }
  }
}

/**
 * Reads one legacy span. `inherited` attributes (release, environment, SDK, … of the enclosing
 * transaction) are added where the span does not set them. Returns the draft, or why the span is
 * invalid: it needs a `trace_id`, `span_id`, `start_timestamp` and `timestamp` with
 * `start_timestamp ≤ timestamp` (Relay's `validate_span`, and for standalone spans the checks of
 * `relay-server/src/processing/spans/process.rs`).
 */
export function legacySpanDraft(
  span: JsonObject,
  inherited?: ReadonlyMap<string, AttributeValue>,
): SpanDraft | SpanError {
  const traceId = parseTraceId(span.trace_id);
  const spanId = parseSpanId(span.span_id);
  const start = parseTimestamp(span.start_timestamp);
  const end = parseTimestamp(span.timestamp);
  if (spanId === undefined) return { reason: 'invalid_span', detail: 'span is missing span_id' };
  if (start === undefined || end === undefined) {
    return { reason: 'timestamp', detail: 'span is missing a timestamp' };
  }
  if (end < start) return { reason: 'timestamp', detail: 'end timestamp is smaller than start timestamp' };
  if (traceId === undefined) return { reason: 'no_data', detail: 'span is missing trace_id' };

  const meta: JsonObject = {};
  let parentSpanId = '';
  if (span.parent_span_id !== undefined && span.parent_span_id !== null) {
    const parsed = parseSpanId(span.parent_span_id);
    if (parsed === undefined)
      meta.parent_span_id = { '': { err: ['invalid_data'], val: span.parent_span_id } };
    else parentSpanId = parsed;
  }
  const values = new Map<string, AttributeValue>();
  setJsonAttributes(values, isJsonObject(span.data) ? span.data : undefined);
  setJsonAttributes(values, isJsonObject(span.tags) ? span.tags : undefined);
  setJsonAttributes(values, isJsonObject(span.sentry_tags) ? span.sentry_tags : undefined, 'sentry.');
  measurementAttributes(values, span.measurements);
  setStringAttribute(values, 'sentry.op', span.op);
  setStringAttribute(values, 'sentry.origin', span.origin);
  setStringAttribute(values, 'sentry.description', span.description);
  if (inherited) for (const [key, value] of inherited) if (!values.has(key)) values.set(key, value);

  const op = typeof span.op === 'string' ? span.op : '';
  const description = typeof span.description === 'string' ? span.description : '';
  const segmentId = parseSpanId(span.segment_id);
  const exclusive = span.exclusive_time;
  return {
    traceId,
    spanId,
    parentSpanId,
    segmentId,
    isSegment: span.is_segment === true,
    start,
    end,
    op,
    name: description !== '' ? description : op,
    description,
    status: typeof span.status === 'string' ? span.status : 'ok',
    kind: typeof span.kind === 'string' ? span.kind : '',
    exclusiveTimeMs: typeof exclusive === 'number' && exclusive >= 0 ? exclusive : undefined,
    attributes: { values, errors: new Map() },
    meta,
  };
}
