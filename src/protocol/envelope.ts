/**
 * Byte-exact Sentry envelope parsing and serialization (reference/relay-protocol.md §3.1).
 *
 * Mirrors `Envelope::parse_bytes` / `Item::parse` in Relay's `relay-server/src/envelope/mod.rs`
 * and `item.rs`. Relay reads each header with serde_json's stream deserializer, so this parser
 * does the same things that implies:
 * - JSON whitespace (space, `\t`, `\n`, `\r`) before a header is skipped. Blank lines before an
 *   item header are therefore accepted, as Relay accepts them; only whitespace *after the last
 *   item* is an error (`trailing_data`; Relay reports "unexpected end of file" there).
 * - A header is one JSON object that must be followed directly by `\n` or EOF; a header may even
 *   span lines if the line breaks sit between JSON tokens.
 * - JSON is held to serde_json's rules where `JSON.parse` is laxer: invalid UTF-8, numbers that
 *   overflow a double, lone-surrogate escapes and nesting deeper than 127 are rejected; duplicate
 *   keys at the top level of a header are rejected (serde's "duplicate field").
 *
 * Payloads are never copied or decoded: they are `subarray` views of the input, found with
 * `indexOf`, so a parsed envelope keeps the input buffer alive.
 */
import { Buffer, isUtf8 } from 'node:buffer';

import { parsePublicKey } from './auth.js';
import { parseDsn } from './dsn.js';
import type { JsonObject, JsonValue } from './json.js';
import { exceedsJsonDepth, isJsonObject } from './json.js';

/**
 * Envelope headers (reference/relay-protocol.md §3.2). The typed keys are validated as Relay
 * does: `event_id` must be a UUID (32 hex, hyphenated, braced or `urn:uuid:`; kept as sent, not
 * normalized), `dsn` a DSN with a numeric project id and a 32-ASCII-char key, `sent_at` a string
 * (its RFC 3339 format is checked by the consumer, not here). A `null` typed key is removed (serde's
 * `Option` reads it as absent); a non-object `sdk` or `trace` is dropped (Relay tolerates a bad DSC).
 * Other keys are kept unchanged.
 */
export interface EnvelopeHeaders extends JsonObject {
  event_id?: string;
  dsn?: string;
  sent_at?: string;
  sdk?: JsonObject;
  trace?: JsonObject;
}

/**
 * Item headers (reference/relay-protocol.md §3.3). `type` is required (any string; unknown types
 * are kept). `length` is the payload length in bytes, an integer in 0..2^32-1 (Relay's u32);
 * `item_count` likewise. `content_type`, `filename`, `attachment_type` must be strings. A `null`
 * typed key is removed. Other keys are kept unchanged.
 */
export interface ItemHeaders extends JsonObject {
  type: string;
  length?: number;
  content_type?: string;
  filename?: string;
  attachment_type?: string;
  item_count?: number;
}

/** One envelope item: its headers and its raw payload bytes (a view into the parsed input). */
export interface EnvelopeItem {
  headers: ItemHeaders;
  payload: Buffer;
}

/** A parsed envelope: headers plus items in wire order. */
export interface Envelope {
  headers: EnvelopeHeaders;
  items: EnvelopeItem[];
}

/**
 * Why an envelope failed to parse; `offset` is the byte offset in the input where the problem
 * was found. `message` reads like Relay's `EnvelopeError` text ("invalid envelope header",
 * "invalid item header", "unexpected end of file", "missing newline after header or payload"),
 * followed by `: <detail>` where there is one. All kinds map to HTTP 400 (`InvalidEnvelope`).
 * - `invalid_envelope_header`: missing, not a JSON object, bad JSON, duplicate key, bad typed key.
 * - `invalid_item_header`: not a JSON object, bad JSON, duplicate key, bad typed key.
 * - `missing_item_type`: the item header has no string `type`.
 * - `invalid_length`: `length` is not an integer in 0..2^32-1.
 * - `unexpected_eof`: fewer payload bytes than `length` announced.
 * - `missing_newline`: a header or length-delimited payload is followed by something other than `\n`/EOF.
 * - `trailing_data`: only whitespace follows the last item.
 */
export type EnvelopeError = {
  kind:
    | 'invalid_envelope_header'
    | 'invalid_item_header'
    | 'missing_item_type'
    | 'invalid_length'
    | 'unexpected_eof'
    | 'missing_newline'
    | 'trailing_data';
  message: string;
  offset: number;
};

/** Result of {@link parseEnvelope}. */
export type ParseResult = { ok: true; envelope: Envelope } | { ok: false; error: EnvelopeError };

/** Result of {@link parseEnvelopeHeaders}. */
export type ParseHeadersResult = { ok: true; headers: EnvelopeHeaders } | { ok: false; error: EnvelopeError };

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** serde_json's recursion limit is 128, which allows 127 nested arrays/objects. */
const MAX_JSON_DEPTH = 127;
/** `length` and `item_count` are u32 in Relay. */
const MAX_U32 = 0xffffffff;

const EOF_MESSAGE = 'unexpected end of file';
const MISSING_NEWLINE_MESSAGE = 'missing newline after header or payload';
const ENVELOPE_HEADER_MESSAGE = 'invalid envelope header';
const ITEM_HEADER_MESSAGE = 'invalid item header';

const UUID_BODY = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
/** The forms `Uuid::parse_str` accepts: simple, hyphenated, braced, URN. */
const UUID = new RegExp(`^(?:[0-9a-fA-F]{32}|${UUID_BODY}|\\{${UUID_BODY}\\}|urn:uuid:${UUID_BODY})$`);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const NEWLINE_BUFFER = Buffer.from([LF]);

/**
 * Parses a complete envelope (reference/relay-protocol.md §3.1; Relay's `Envelope::parse_bytes`).
 *
 * Payloads with a `length` take exactly that many bytes, which must be followed by `\n` or EOF;
 * payloads without one run to the next `\n` (exclusive) or EOF, and a `\r` before that `\n` stays
 * in the payload. Empty payloads, a header-only envelope and a missing final newline are fine.
 * Returned payloads are views into `bytes` (no copy). Never throws: bad input gives a typed
 * {@link EnvelopeError}.
 */
export function parseEnvelope(bytes: Uint8Array): ParseResult {
  const buf = asBuffer(bytes);
  const length = buf.length;
  const header = readEnvelopeHeader(buf);
  if (!header.ok) return header;

  const items: EnvelopeItem[] = [];
  let offset = header.end + 1;
  while (offset < length) {
    const start = skipWhitespace(buf, offset);
    if (start === length) {
      return failure('trailing_data', `${EOF_MESSAGE}: only whitespace after the last item`, offset);
    }
    const read = readHeaderObject(buf, start, 'invalid_item_header', ITEM_HEADER_MESSAGE);
    if (!read.ok) return read;
    const itemError = validateItemHeaders(read.value);
    if (itemError !== undefined) return failure(itemError.kind, itemError.message, start);
    const headers = read.value as ItemHeaders;

    // A header at EOF without its newline may still carry an empty payload.
    const payloadStart = Math.min(read.end + 1, length);
    let payloadEnd: number;
    if (headers.length !== undefined) {
      payloadEnd = payloadStart + headers.length;
      if (payloadEnd > length) return failure('unexpected_eof', EOF_MESSAGE, length);
      if (payloadEnd < length && buf[payloadEnd] !== LF) {
        return failure('missing_newline', MISSING_NEWLINE_MESSAGE, payloadEnd);
      }
    } else {
      const newline = buf.indexOf(LF, payloadStart);
      payloadEnd = newline === -1 ? length : newline;
    }
    items.push({ headers, payload: buf.subarray(payloadStart, payloadEnd) });
    offset = payloadEnd + 1;
  }
  return { ok: true, envelope: { headers: header.headers, items } };
}

/**
 * Parses only the envelope header (the first JSON object, which must end at `\n` or EOF) with
 * the same validation as {@link parseEnvelope}; the server uses it to authenticate by the
 * envelope's `dsn` before the full parse (reference/relay-protocol.md §2.1, source 5). Items are
 * not looked at. Never throws.
 */
export function parseEnvelopeHeaders(bytes: Uint8Array): ParseHeadersResult {
  const header = readEnvelopeHeader(asBuffer(bytes));
  return header.ok ? { ok: true, headers: header.headers } : header;
}

/**
 * Serializes an envelope the way Relay's `Envelope::serialize` does: compact JSON header, `\n`,
 * then per item its headers with `length` set to the payload's byte length (replacing any given
 * value, keeping its key position, else appended), `\n`, the payload, `\n`. `undefined` header
 * values are omitted. `parseEnvelope` of the result gives back the same headers (plus `length`)
 * and payloads. Throws only on values JSON cannot represent (BigInt, cycles), which are bugs.
 */
export function serializeEnvelope(envelope: Envelope): Buffer {
  const parts: Uint8Array[] = [Buffer.from(`${JSON.stringify(envelope.headers)}\n`)];
  for (const item of envelope.items) {
    const headers: ItemHeaders = { ...item.headers, length: item.payload.length };
    parts.push(Buffer.from(`${JSON.stringify(headers)}\n`), item.payload, NEWLINE_BUFFER);
  }
  return Buffer.concat(parts);
}

type HeaderRead = { ok: true; value: JsonObject; end: number } | { ok: false; error: EnvelopeError };
type EnvelopeHeaderRead =
  { ok: true; headers: EnvelopeHeaders; end: number } | { ok: false; error: EnvelopeError };

function readEnvelopeHeader(buf: Buffer): EnvelopeHeaderRead {
  const start = skipWhitespace(buf, 0);
  if (start === buf.length) {
    return failure('invalid_envelope_header', 'missing envelope header', start);
  }
  const read = readHeaderObject(buf, start, 'invalid_envelope_header', ENVELOPE_HEADER_MESSAGE);
  if (!read.ok) return read;
  const problem = validateEnvelopeHeaders(read.value);
  if (problem !== undefined) {
    return failure('invalid_envelope_header', `${ENVELOPE_HEADER_MESSAGE}: ${problem}`, start);
  }
  return { ok: true, headers: read.value as EnvelopeHeaders, end: read.end };
}

/**
 * Reads one JSON object starting at `start` (first non-whitespace byte) and checks that `\n` or
 * EOF follows it. `end` is the offset just past the closing brace.
 */
function readHeaderObject(
  buf: Buffer,
  start: number,
  kind: 'invalid_envelope_header' | 'invalid_item_header',
  label: string,
): HeaderRead {
  if (buf[start] !== OPEN_BRACE) return failure(kind, `${label}: expected a JSON object`, start);
  const scan = scanObject(buf, start);
  if (typeof scan === 'string') return failure(kind, `${label}: ${scan}`, start);

  const { end, pairs } = scan;
  const text = buf.toString('utf8', start, end);
  // The decoder substitutes U+FFFD for bad sequences; only then is the (rarer) full check needed.
  if (text.includes('\ufffd') && !isUtf8(buf.subarray(start, end))) {
    return failure(kind, `${label}: invalid UTF-8`, start);
  }
  if (exceedsJsonDepth(text)) return failure(kind, `${label}: recursion limit exceeded`, start);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return failure(kind, `${label}: ${error instanceof Error ? error.message : 'invalid JSON'}`, start);
  }
  if (!isJsonObject(value)) return failure(kind, `${label}: expected a JSON object`, start);
  if (Object.keys(value).length !== pairs) return failure(kind, `${label}: duplicate key`, start);
  const invalid = findInvalidJson(value, text.includes('\\u'));
  if (invalid !== undefined) return failure(kind, `${label}: ${invalid}`, start);

  if (end < buf.length && buf[end] !== LF) {
    return failure('missing_newline', MISSING_NEWLINE_MESSAGE, end);
  }
  return { ok: true, value, end };
}

/**
 * Finds the end of the JSON object at `start` by bracket depth, skipping strings with `indexOf`,
 * and counts its top-level `key: value` pairs (one `:` each) so duplicates can be detected after
 * `JSON.parse` merged them. Validity is left to `JSON.parse`. Returns an error text on EOF or
 * when nesting exceeds serde_json's limit.
 */
function scanObject(buf: Buffer, start: number): { end: number; pairs: number } | string {
  const length = buf.length;
  let depth = 0;
  let pairs = 0;
  let i = start;
  while (i < length) {
    const c = buf[i];
    if (c === QUOTE) {
      const close = findStringEnd(buf, i + 1);
      if (close === -1) return 'EOF while parsing a string';
      i = close + 1;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > MAX_JSON_DEPTH) return 'recursion limit exceeded';
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return { end: i + 1, pairs };
    } else if (c === COLON && depth === 1) {
      pairs++;
    }
    i++;
  }
  return 'EOF while parsing an object';
}

/** Offset of the `"` closing a string whose content starts at `from`, or -1. */
function findStringEnd(buf: Buffer, from: number): number {
  let quote = buf.indexOf(QUOTE, from);
  while (quote !== -1) {
    let backslashes = 0;
    for (let k = quote - 1; k >= from && buf[k] === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return quote;
    quote = buf.indexOf(QUOTE, quote + 1);
  }
  return -1;
}

/**
 * Finds a value `JSON.parse` accepts but serde_json (Relay) rejects: a number that overflowed
 * to ±Infinity, or (with `checkSurrogates`) a string or key holding a lone UTF-16 surrogate
 * from a `\uD800`-style escape, which ClickHouse and other UTF-8 stores cannot hold either.
 * Returns serde's problem text, or `undefined` when the value is fine.
 */
export function findInvalidJson(value: JsonValue, checkSurrogates: boolean): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'number out of range';
  if (typeof value === 'string') {
    return checkSurrogates && LONE_SURROGATE.test(value) ? 'lone surrogate in string escape' : undefined;
  }
  if (Array.isArray(value)) {
    for (const element of value) {
      const invalid = findInvalidJson(element, checkSurrogates);
      if (invalid !== undefined) return invalid;
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    if (checkSurrogates && LONE_SURROGATE.test(key)) return 'lone surrogate in string escape';
    const child = value[key];
    if (child === undefined) continue;
    const invalid = findInvalidJson(child, checkSurrogates);
    if (invalid !== undefined) return invalid;
  }
  return undefined;
}

/** Checks (and normalizes in place) the typed envelope header keys; returns a problem text. */
function validateEnvelopeHeaders(headers: JsonObject): string | undefined {
  const eventId = headers.event_id;
  if (eventId === null) delete headers.event_id;
  else if (eventId !== undefined && (typeof eventId !== 'string' || !UUID.test(eventId))) {
    return '`event_id` is not a valid UUID';
  }

  const dsn = headers.dsn;
  if (dsn === null) delete headers.dsn;
  else if (dsn !== undefined) {
    if (typeof dsn !== 'string') return '`dsn` must be a string';
    const parsed = parseDsn(dsn);
    if (!parsed.ok) return `bad \`dsn\`: ${parsed.error.message}`;
    if (!parsePublicKey(parsed.dsn.publicKey, false).ok) return 'bad `dsn`: invalid project key';
  }

  const sentAt = headers.sent_at;
  if (sentAt === null) delete headers.sent_at;
  else if (sentAt !== undefined && typeof sentAt !== 'string') return '`sent_at` must be a string';

  if (headers.sdk !== undefined && !isJsonObject(headers.sdk)) delete headers.sdk;
  if (headers.trace !== undefined && !isJsonObject(headers.trace)) delete headers.trace;
  return undefined;
}

const STRING_ITEM_KEYS = ['content_type', 'filename', 'attachment_type'] as const;

/** Checks (and normalizes in place) the typed item header keys; returns the error, if any. */
function validateItemHeaders(
  headers: JsonObject,
): { kind: EnvelopeError['kind']; message: string } | undefined {
  const type = headers.type;
  if (typeof type !== 'string') {
    const detail = type === undefined ? 'missing field `type`' : '`type` must be a string';
    return { kind: 'missing_item_type', message: `${ITEM_HEADER_MESSAGE}: ${detail}` };
  }

  const length = headers.length;
  if (length === null) delete headers.length;
  else if (length !== undefined && !isU32(length)) {
    return {
      kind: 'invalid_length',
      message: `${ITEM_HEADER_MESSAGE}: \`length\` must be an integer from 0 to ${MAX_U32}`,
    };
  }

  for (const key of STRING_ITEM_KEYS) {
    const value = headers[key];
    if (value === null) delete headers[key];
    else if (value !== undefined && typeof value !== 'string') {
      return { kind: 'invalid_item_header', message: `${ITEM_HEADER_MESSAGE}: \`${key}\` must be a string` };
    }
  }

  const itemCount = headers.item_count;
  if (itemCount === null) delete headers.item_count;
  else if (itemCount !== undefined && !isU32(itemCount)) {
    return {
      kind: 'invalid_item_header',
      message: `${ITEM_HEADER_MESSAGE}: \`item_count\` must be an integer from 0 to ${MAX_U32}`,
    };
  }
  return undefined;
}

function isU32(value: JsonValue): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_U32;
}

function skipWhitespace(buf: Buffer, offset: number): number {
  let i = offset;
  while (i < buf.length) {
    const c = buf[i];
    if (c !== SPACE && c !== LF && c !== TAB && c !== CR) break;
    i++;
  }
  return i;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function failure(
  kind: EnvelopeError['kind'],
  message: string,
  offset: number,
): { ok: false; error: EnvelopeError } {
  return { ok: false, error: { kind, message, offset } };
}
