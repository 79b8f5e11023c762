/**
 * The legacy store endpoint's body handling (reference/relay-protocol.md §1.4 "Store";
 * `decode_bytes` / `parse_event` in `relay-server/src/endpoints/store.rs`): base64 + zlib bodies
 * of old JS/Node clients, NaN/Infinity repair for Python clients, and wrapping the event JSON
 * into a one-item envelope.
 */
import zlib from 'node:zlib';
import type { Envelope } from '../../protocol/envelope.js';
import { isJsonObject } from '../../protocol/json.js';
import type { IngestError } from './errors.js';
import { generateEventId, parseEventId } from './event-id.js';
import { parseJsonBody } from './route-kit.js';

/** Result of {@link decodeStoreBody}. */
export type StoreBodyResult = { ok: true; body: Buffer } | { ok: false; error: IngestError };

const OPEN_BRACE = 0x7b;
const BASE64_TEXT = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Returns the event JSON bytes of a store body. A body whose first non-whitespace byte is `{`
 * is used as is; otherwise it must be base64 (standard or URL-safe alphabet, surrounding
 * whitespace ignored) of either JSON or zlib-compressed JSON. Inflation stops at `limit` bytes
 * (→ 413 `payload_too_large`); bad base64 or zlib data → 400 `invalid_body`.
 */
export function decodeStoreBody(body: Buffer, limit: number): StoreBodyResult {
  const start = firstNonWhitespace(body);
  if (start === body.length || body[start] === OPEN_BRACE) return { ok: true, body };

  const text = body.toString('latin1').trim();
  if (!BASE64_TEXT.test(text) || text.length % 4 === 1) {
    return { ok: false, error: { kind: 'invalid_body', cause: 'invalid base64 data' } };
  }
  const binary = Buffer.from(text, 'base64');
  if (binary[firstNonWhitespace(binary)] === OPEN_BRACE) return { ok: true, body: binary };

  try {
    return { ok: true, body: zlib.inflateSync(binary, { maxOutputLength: limit }) };
  } catch (error) {
    if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      return { ok: false, error: { kind: 'payload_too_large' } };
    }
    const message = error instanceof Error ? error.message : 'invalid zlib data';
    return { ok: false, error: { kind: 'invalid_body', cause: `failed to decode zlib payload: ${message}` } };
  }
}

/**
 * True for SDKs known to send bare `NaN`/`Infinity` tokens: a `sentry_client` (or User-Agent)
 * starting with `raven-python/` or `sentry-python/` (store.rs `is_legacy_python_json`).
 */
export function isLegacyPythonClient(client: string | undefined): boolean {
  return client !== undefined && (client.startsWith('raven-python/') || client.startsWith('sentry-python/'));
}

const REPLACEMENTS: Array<[Buffer, Buffer]> = [
  [Buffer.from('-Infinity'), Buffer.from('-0.000000')],
  [Buffer.from('Infinity'), Buffer.from('0.000000')],
  [Buffer.from('NaN'), Buffer.from('0.0')],
];
// Only these bytes can start a token, so everything else is skipped with one comparison.
const TOKEN_STARTS = new Set([0x2d, 0x49, 0x4e]);

/**
 * Rewrites bare `NaN`, `Infinity` and `-Infinity` outside of JSON strings to zeros of the same
 * byte length (the json-forensics crate's approach, which keeps error offsets stable). Returns
 * a new buffer; strings (with their escapes) are left untouched.
 */
export function repairPythonJson(body: Buffer): Buffer {
  const out = Buffer.from(body);
  let inString = false;
  for (let i = 0; i < out.length; i++) {
    const byte = out[i] ?? 0;
    if (inString) {
      if (byte === 0x5c) i++;
      else if (byte === 0x22) inString = false;
      continue;
    }
    if (byte === 0x22) {
      inString = true;
      continue;
    }
    if (!TOKEN_STARTS.has(byte)) continue;
    for (const [token, zero] of REPLACEMENTS) {
      if (i + token.length <= out.length && out.compare(token, 0, token.length, i, i + token.length) === 0) {
        zero.copy(out, i);
        i += token.length - 1;
        break;
      }
    }
  }
  return out;
}

/** Result of {@link eventEnvelopeFromJson}. */
export type EventEnvelopeResult =
  { ok: true; envelope: Envelope; eventId: string } | { ok: false; error: IngestError };

/**
 * Wraps a store event into a one-item envelope: a `transaction` item when `"type":"transaction"`,
 * else an `event` item, with the JSON bytes as payload (unchanged). The envelope's `event_id` is
 * the event's own (canonicalised) or a generated one. The body must be a JSON object whose
 * `event_id`, if present and not null, is a UUID → else 400 `invalid_json`.
 */
export function eventEnvelopeFromJson(body: Buffer): EventEnvelopeResult {
  const json = parseJsonBody(body);
  if (!json.ok) return json;
  const parsed = json.value;
  if (!isJsonObject(parsed)) {
    return { ok: false, error: { kind: 'invalid_json', cause: 'expected a JSON object' } };
  }
  let eventId: string | undefined;
  if (parsed.event_id !== undefined && parsed.event_id !== null) {
    eventId = parseEventId(parsed.event_id);
    if (eventId === undefined)
      return { ok: false, error: { kind: 'invalid_json', cause: 'invalid event_id' } };
  }
  eventId ??= generateEventId();
  const type = parsed.type === 'transaction' ? 'transaction' : 'event';
  const envelope: Envelope = {
    headers: { event_id: eventId },
    items: [{ headers: { type, length: body.length, content_type: 'application/json' }, payload: body }],
  };
  return { ok: true, envelope, eventId };
}

function firstNonWhitespace(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) break;
    i++;
  }
  return i;
}
