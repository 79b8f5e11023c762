/**
 * Reading `session` and `sessions` item payloads into typed values, with the strictness of
 * Relay's serde types `SessionUpdate` / `SessionAggregates` (`relay-event-schema/src/protocol/
 * session.rs`; reference/relay-protocol.md §13.1–§13.2): a field of the wrong type makes the
 * whole payload invalid, missing fields take serde's defaults, `null` is only accepted where
 * the field is an `Option`. Times come out as unix seconds. Nothing here looks at the clock
 * or the request; process.ts does.
 */
import { isJsonObject, type JsonObject, type JsonValue, parseJsonText } from '../../../protocol/json.js';
import type { AbnormalMechanism } from '../../../protocol/session-columns.js';
import { parseEventId, parseTimestamp } from '../../normalize/index.js';
import { AUTO_IP, isValidIp } from '../../normalize/ip.js';

/** `attrs` of both item types. */
export interface SessionAttributes {
  /** Required; validated later (§8.5). */
  release: string;
  environment?: string;
  /** A valid IP address or `{{auto}}`. */
  ip_address?: string;
  user_agent?: string;
}

/** A parsed `session` item. Optional fields are absent when the payload left them out. */
export interface SessionUpdate {
  /** 32 lowercase hex digits; absent = generate one. */
  sid?: string;
  did?: string;
  /** Absent = "now in milliseconds" (Relay's default). Equals {@link U64_LIMIT} for `u64::MAX`. */
  seq?: number;
  init: boolean;
  /** Unix seconds; absent = received time. */
  timestamp?: number;
  /** Unix seconds. */
  started: number;
  /** Seconds. */
  duration?: number;
  /** As sent; unknown values are kept here and dropped by processing. */
  status: string;
  errors: number;
  attrs: SessionAttributes;
  abnormal_mechanism: AbnormalMechanism;
}

/** One bucket of a `sessions` item. */
export interface SessionAggregateItem {
  /** Unix seconds. */
  started: number;
  did?: string;
  exited: number;
  errored: number;
  abnormal: number;
  unhandled: number;
  crashed: number;
}

/** A parsed `sessions` item. */
export interface SessionAggregates {
  aggregates: SessionAggregateItem[];
  attrs: SessionAttributes;
}

/** Why a payload could not be read: not JSON, or not the item's schema (with the field). */
export type SessionParseFailure = { reason: 'invalid_json' } | { reason: 'invalid_session'; field: string };

/** Result of the parsers. */
export type SessionParseResult<T> = { ok: true; value: T } | ({ ok: false } & SessionParseFailure);

/**
 * 2^64: `JSON.parse` turns `u64::MAX` (18446744073709551615) into this double, and every
 * integer at or above it is either `u64::MAX` or out of `u64`'s range. Relay drops both.
 */
export const U64_LIMIT = 2 ** 64;

const U32_MAX = 4_294_967_295;

// chrono's `DateTime<Utc>` deserializer takes RFC 3339 text with an explicit offset only.
const DATETIME_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}[Tt ].*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/;

/** Raised inside this module only, to end a parse at the first bad field; never escapes. */
class FieldError extends Error {
  constructor(readonly field: string) {
    super(field);
  }
}

function fail(field: string): never {
  throw new FieldError(field);
}

function parseJson(payload: Buffer): JsonValue | undefined {
  try {
    return parseJsonText(payload.toString('utf8')) as JsonValue;
  } catch {
    return undefined;
  }
}

function run<T>(payload: Buffer, read: (root: JsonObject) => T): SessionParseResult<T> {
  const root = parseJson(payload);
  if (root === undefined) return { ok: false, reason: 'invalid_json' };
  try {
    if (!isJsonObject(root)) fail('$');
    return { ok: true, value: read(root) };
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, reason: 'invalid_session', field: err.field };
    throw err;
  }
}

/** `Option<String>`: absent or null → undefined. */
function optionalString(obj: JsonObject, key: string, path: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : fail(path);
}

/** A `u64`/`u32` with a serde default: absent → `fallback`; null, fractions, negatives → invalid. */
function unsigned(obj: JsonObject, key: string, path: string, fallback: number, max: number): number {
  const value = obj[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) fail(path);
  return value;
}

/** A `DateTime<Utc>`: RFC 3339 text with an offset, as unix seconds. */
function datetime(value: JsonValue | undefined, path: string): number {
  if (typeof value !== 'string' || !DATETIME_WITH_OFFSET.test(value.trim())) fail(path);
  const seconds = parseTimestamp(value);
  return seconds === undefined ? fail(path) : seconds;
}

function readAttributes(root: JsonObject): SessionAttributes {
  const attrs = root.attrs;
  if (!isJsonObject(attrs)) fail('attrs');
  const release = attrs.release;
  if (typeof release !== 'string') fail('attrs.release');
  const result: SessionAttributes = { release };
  const environment = optionalString(attrs, 'environment', 'attrs.environment');
  if (environment !== undefined) result.environment = environment;
  const ip = optionalString(attrs, 'ip_address', 'attrs.ip_address');
  if (ip !== undefined) {
    // Relay's `IpAddr` deserializes only `{{auto}}` or an address; anything else fails the item.
    if (ip !== AUTO_IP && !isValidIp(ip)) fail('attrs.ip_address');
    result.ip_address = ip;
  }
  const userAgent = optionalString(attrs, 'user_agent', 'attrs.user_agent');
  if (userAgent !== undefined) result.user_agent = userAgent;
  return result;
}

const MECHANISMS: ReadonlySet<string> = new Set(['anr_foreground', 'anr_background']);

function readAbnormalMechanism(root: JsonObject): AbnormalMechanism {
  const value = root.abnormal_mechanism;
  if (value === undefined || value === null) return 'none';
  if (typeof value !== 'string') fail('abnormal_mechanism');
  // `#[serde(other)]`: unknown names read as `none`.
  return MECHANISMS.has(value) ? (value as AbnormalMechanism) : 'none';
}

function readUpdate(root: JsonObject): SessionUpdate {
  const update: SessionUpdate = {
    init: false,
    started: datetime(root.started, 'started'),
    status: 'ok',
    errors: unsigned(root, 'errors', 'errors', 0, U64_LIMIT),
    attrs: readAttributes(root),
    abnormal_mechanism: readAbnormalMechanism(root),
  };
  if (root.sid !== undefined) update.sid = parseEventId(root.sid) ?? fail('sid');
  const did = optionalString(root, 'did', 'did');
  if (did !== undefined) update.did = did;
  if (root.seq !== undefined) update.seq = unsigned(root, 'seq', 'seq', 0, U64_LIMIT);
  if (root.init !== undefined) update.init = typeof root.init === 'boolean' ? root.init : fail('init');
  if (root.timestamp !== undefined) update.timestamp = datetime(root.timestamp, 'timestamp');
  const duration = root.duration;
  if (duration !== undefined && duration !== null) {
    update.duration = typeof duration === 'number' ? duration : fail('duration');
  }
  if (root.status !== undefined)
    update.status = typeof root.status === 'string' ? root.status : fail('status');
  return update;
}

function readAggregateItem(value: JsonValue, index: number): SessionAggregateItem {
  const path = `aggregates.${index}`;
  if (!isJsonObject(value)) fail(path);
  const item: SessionAggregateItem = {
    started: datetime(value.started, `${path}.started`),
    exited: unsigned(value, 'exited', `${path}.exited`, 0, U32_MAX),
    errored: unsigned(value, 'errored', `${path}.errored`, 0, U32_MAX),
    abnormal: unsigned(value, 'abnormal', `${path}.abnormal`, 0, U32_MAX),
    unhandled: unsigned(value, 'unhandled', `${path}.unhandled`, 0, U32_MAX),
    crashed: unsigned(value, 'crashed', `${path}.crashed`, 0, U32_MAX),
  };
  const did = optionalString(value, 'did', `${path}.did`);
  if (did !== undefined) item.did = did;
  return item;
}

/**
 * Reads a `session` item payload (`SessionUpdate`). `started` and `attrs.release` are
 * required; a present `sid` must be a UUID; `seq` and `errors` must be unsigned integers;
 * `attrs.ip_address` must be an IP or `{{auto}}`. Never throws.
 */
export function parseSessionUpdate(payload: Buffer): SessionParseResult<SessionUpdate> {
  return run(payload, readUpdate);
}

/**
 * Reads a `sessions` item payload (`SessionAggregates`): `aggregates` (default empty) of
 * `{started, did?, exited, errored, abnormal, unhandled, crashed}` with `u32` counts, and the
 * shared `attrs`. Never throws.
 */
export function parseSessionAggregates(payload: Buffer): SessionParseResult<SessionAggregates> {
  return run(payload, (root) => {
    const raw = root.aggregates;
    let aggregates: SessionAggregateItem[] = [];
    if (raw !== undefined) {
      if (!Array.isArray(raw)) fail('aggregates');
      aggregates = raw.map(readAggregateItem);
    }
    return { aggregates, attrs: readAttributes(root) };
  });
}
