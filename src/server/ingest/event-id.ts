/**
 * Event ids at the edge: parsing them as Relay's `EventId` (a UUID in any of the `uuid` crate's
 * textual forms), and deciding the id an envelope answers with (reference/relay-protocol.md
 * §3.2; `Envelope::parse_request` in `relay-server/src/envelope/mod.rs`).
 */
import { randomUUID } from 'node:crypto';
import type { Envelope, EnvelopeItem } from '../../protocol/envelope.js';
import { isJsonObject, parseJsonText } from '../../protocol/json.js';

const SIMPLE = /^[0-9a-f]{32}$/i;
const HYPHENATED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Parses an event id: 32 hex digits, the hyphenated form, `{hyphenated}` or `urn:uuid:hyphenated`
 * (any case). Returns the canonical 32 lowercase hex digits, or `undefined` when `value` is not a
 * UUID string.
 */
export function parseEventId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  let text = value;
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
  else if (text.toLowerCase().startsWith('urn:uuid:')) text = text.slice(9);
  if (SIMPLE.test(text)) return text.toLowerCase();
  if (HYPHENATED.test(text)) return text.replace(/-/g, '').toLowerCase();
  return undefined;
}

/** A fresh random (v4) event id, 32 lowercase hex digits. */
export function generateEventId(): string {
  return randomUUID().replace(/-/g, '');
}

/** Item types that make or need an event (`creates_event` ∪ `requires_event`, envelope/item.rs). */
const EVENT_BOUND_TYPES = new Set([
  'event',
  'transaction',
  'security',
  'raw_security',
  'feedback',
  'unreal_report',
  'attachment',
  'form_data',
  'user_report',
]);

/** Items whose JSON payload may carry the event's own `event_id`. */
const EVENT_PAYLOAD_TYPES = new Set(['event', 'transaction', 'feedback']);

/**
 * Decides and writes the envelope's event id. Order: a valid header `event_id` (rewritten to
 * canonical form); else the `event_id` of the first event/transaction/feedback payload; else a
 * generated id when any item is event-bound (events, attachments, user reports, ...). The
 * chosen id is written into `envelope.headers.event_id` so processing uses the same id.
 *
 * Returns `{ ok: false }` when the header `event_id` is present but not a UUID (Relay fails to
 * deserialize the header: 400 invalid envelope header); otherwise the id, or `undefined` for
 * envelopes without an event (sessions, client reports, ...).
 */
export function assignEnvelopeEventId(
  envelope: Envelope,
): { ok: true; eventId: string | undefined } | { ok: false } {
  const declared: unknown = envelope.headers.event_id;
  if (declared !== undefined && declared !== null) {
    const parsed = parseEventId(declared);
    if (parsed === undefined) return { ok: false };
    envelope.headers.event_id = parsed;
    return { ok: true, eventId: parsed };
  }
  let eventId = payloadEventId(envelope.items);
  if (eventId === undefined && envelope.items.some((item) => EVENT_BOUND_TYPES.has(item.headers.type))) {
    eventId = generateEventId();
  }
  if (eventId !== undefined) envelope.headers.event_id = eventId;
  return { ok: true, eventId };
}

function payloadEventId(items: EnvelopeItem[]): string | undefined {
  const item = items.find((candidate) => EVENT_PAYLOAD_TYPES.has(candidate.headers.type));
  if (!item) return undefined;
  try {
    const parsed: unknown = parseJsonText(item.payload.toString('utf8'));
    return isJsonObject(parsed) ? parseEventId(parsed.event_id) : undefined;
  } catch {
    // Invalid payloads are rejected later in processing, with an outcome; the edge only needs an id.
    return undefined;
  }
}
