/**
 * Transaction validation and span completion.
 *
 * Follows `relay-event-normalization/src/validation.rs` (`validate_transaction`: timestamps,
 * trace context, spans) and `transactions/processor.rs` (missing transaction name →
 * `<unlabeled transaction>`; unfinished spans end with the transaction and get status
 * `deadline_exceeded`). reference/relay-protocol.md §8.3 point 6.
 */
import { isJsonObject, type JsonObject } from '../../protocol/json.js';
import { normalizeTraceIds } from './contexts.js';
import type { EventMeta } from './meta.js';

/** The name Relay gives transactions that arrive without one. */
export const UNLABELED_TRANSACTION = '<unlabeled transaction>';

/**
 * Validates span ids in place for every span (events and transactions); non-array `spans`
 * are removed.
 */
export function normalizeSpanIds(event: JsonObject, meta: EventMeta): void {
  const spans = event.spans;
  if (spans === undefined) return;
  if (!Array.isArray(spans)) {
    delete event.spans;
    if (spans !== null) meta.addInvalid(['spans'], 'expected an array', spans);
    return;
  }
  spans.forEach((span, i) => {
    if (isJsonObject(span)) normalizeTraceIds(span, ['spans', i], meta);
  });
}

/**
 * Completes and validates a transaction in place. Returns Relay's reason text when the
 * transaction must be dropped as `invalid_transaction`, else `undefined`:
 * - `timestamp` and `start_timestamp` present, `timestamp ≥ start_timestamp`;
 * - `contexts.trace` with a valid `trace_id` and `span_id`;
 * - every span an object with `start_timestamp ≤ timestamp`, `trace_id` and `span_id`
 *   (spans without `timestamp` first get the transaction's and status `deadline_exceeded`).
 * Expects timestamps, contexts and span ids to be normalized already.
 */
export function validateTransaction(event: JsonObject): string | undefined {
  const transaction = event.transaction;
  if (typeof transaction !== 'string' || transaction.trim() === '') event.transaction = UNLABELED_TRANSACTION;
  else event.transaction = transaction.trim();

  const end = event.timestamp;
  const start = event.start_timestamp;
  if (typeof end !== 'number') return 'timestamp hard-required for transaction events';
  if (typeof start !== 'number') return 'start_timestamp hard-required for transaction events';
  if (end < start) return 'end timestamp is smaller than start timestamp';

  const contexts = event.contexts;
  const trace = isJsonObject(contexts) ? contexts.trace : undefined;
  if (!isJsonObject(trace)) return 'missing valid trace context';
  if (trace.trace_id === undefined) return 'trace context is missing trace_id';
  if (trace.span_id === undefined) return 'trace context is missing span_id';

  const spans = event.spans;
  if (spans === undefined) return undefined;
  if (!Array.isArray(spans)) return 'spans must be valid in transaction event';
  for (const span of spans) {
    if (!isJsonObject(span)) return 'spans must be valid in transaction event';
    if (span.timestamp === undefined) {
      span.timestamp = end;
      span.status = 'deadline_exceeded';
    }
    const spanEnd = span.timestamp;
    const spanStart = span.start_timestamp;
    if (typeof spanStart !== 'number') return 'span is missing start_timestamp';
    if (typeof spanEnd !== 'number') return 'span is missing timestamp';
    if (spanEnd < spanStart) return 'end timestamp is smaller than start timestamp';
    if (span.trace_id === undefined) return 'span is missing trace_id';
    if (span.span_id === undefined) return 'span is missing span_id';
  }
  return undefined;
}
