/**
 * Timestamp parsing, clock-drift correction and future/past clamping.
 *
 * Follows `relay-event-normalization/src/clock_drift.rs`, `validation.rs` (`normalize_timestamps`)
 * and `timestamp.rs`; reference/relay-protocol.md §8.3. All timestamps leave this module as
 * unix seconds (floats rounded to microseconds, like Relay's serialization).
 */
import { isJsonObject, type JsonObject } from '../../protocol/json.js';
import type { EventMeta, EventPath } from './meta.js';

/** Envelope `sent_at` drift below this is transmission delay, not a wrong clock (55 minutes). */
export const MINIMUM_CLOCK_DRIFT_SECS = 55 * 60;
/** Default `maxSecsInFuture` (`processing.max_secs_in_future`). */
export const DEFAULT_MAX_SECS_IN_FUTURE = 60;
/** Default `maxSecsInPast`: 90 days of retention. */
export const DEFAULT_MAX_SECS_IN_PAST = 90 * 24 * 3600;

/** chrono's representable range, about ±262 000 years. */
const MAX_ABS_SECS = 8.2e12;

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * The envelope's clock drift in seconds (`receivedAt − sentAt`, both Unix seconds), or 0 when
 * there is no parseable `sentAt` or the drift is below 55 minutes, as Relay's
 * `ClockDriftProcessor::new(sent_at, received).at_least(MINIMUM_CLOCK_DRIFT)` decides.
 */
export function envelopeClockDrift(sentAt: unknown, receivedAt: number): number {
  const sent = sentAt === undefined ? undefined : parseTimestamp(sentAt);
  if (sent === undefined) return 0;
  const drift = receivedAt - sent;
  return Math.abs(Math.trunc(drift)) >= MINIMUM_CLOCK_DRIFT_SECS ? drift : 0;
}

/** Rounds seconds to whole microseconds, the precision Relay keeps. */
export function roundMicros(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}

/**
 * Parses a wire timestamp: a number of unix seconds, or an RFC 3339 / ISO 8601 date-time
 * (timezone optional, UTC assumed; `+0100` and `+01:00` offsets accepted). Returns unix seconds,
 * or `undefined` when the value is not a valid timestamp.
 */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && Math.abs(value) < MAX_ABS_SECS ? roundMicros(value) : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const m = RFC3339.exec(value.trim());
  if (!m) {
    const numeric = value.trim() === '' ? NaN : Number(value);
    return Number.isFinite(numeric) ? parseTimestamp(numeric) : undefined;
  }
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return undefined;
  }
  const millis = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(millis);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined;
  let seconds = millis / 1000;
  if (m[7]) seconds += Number(`0.${m[7]}`);
  const zone = m[8];
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || '0') * 60;
    seconds -= sign * offset;
  }
  return roundMicros(seconds);
}

/**
 * Formats unix seconds like chrono's `to_rfc3339()`: `2000-01-03T00:02:00+00:00`, with 3 or 6
 * fractional digits only when the value has a sub-second part.
 */
export function formatRfc3339(seconds: number): string {
  const micros = Math.round(seconds * 1e6);
  const wholeSeconds = Math.floor(micros / 1e6);
  const fraction = micros - wholeSeconds * 1e6;
  const base = new Date(wholeSeconds * 1000).toISOString().slice(0, 19);
  let frac = '';
  if (fraction !== 0) {
    frac =
      fraction % 1000 === 0
        ? `.${String(fraction / 1000).padStart(3, '0')}`
        : `.${String(fraction).padStart(6, '0')}`;
  }
  return `${base}${frac}+00:00`;
}

/** Where a timestamp slot sits: on the event, a breadcrumb or a span. */
type SlotOwner = 'event' | 'breadcrumb' | 'span';

/**
 * Visits a timestamp slot: `parent[key]`, owned by the event or by the breadcrumb / span at
 * `index`. Visitors build the slot's path with {@link slotPath} only when they need it.
 */
type SlotVisitor = (parent: JsonObject, key: string, owner: SlotOwner, index: number) => void;

/** The event path of a timestamp slot. */
function slotPath(owner: SlotOwner, index: number, key: string): EventPath {
  if (owner === 'event') return [key];
  return owner === 'breadcrumb' ? ['breadcrumbs', 'values', index, key] : ['spans', index, key];
}

/** Visits every timestamp field Relay's `Timestamp` type covers in events and transactions. */
function forEachTimestampSlot(event: JsonObject, visit: SlotVisitor): void {
  visit(event, 'timestamp', 'event', 0);
  visit(event, 'start_timestamp', 'event', 0);
  const crumbs = event.breadcrumbs;
  if (isJsonObject(crumbs) && Array.isArray(crumbs.values)) {
    const values = crumbs.values;
    for (let i = 0; i < values.length; i++) {
      const crumb = values[i];
      if (isJsonObject(crumb)) visit(crumb, 'timestamp', 'breadcrumb', i);
    }
  }
  const spans = event.spans;
  if (Array.isArray(spans)) {
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i];
      if (!isJsonObject(span)) continue;
      visit(span, 'timestamp', 'span', i);
      visit(span, 'start_timestamp', 'span', i);
    }
  }
}

/** Adds `drift` seconds to every (already parsed) timestamp of the event. */
function shiftAll(event: JsonObject, drift: number): void {
  forEachTimestampSlot(event, (parent, key) => {
    const value = parent[key];
    if (typeof value === 'number') parent[key] = roundMicros(value + drift);
  });
}

/** Options for {@link normalizeTimestamps}; see {@link NormalizeContext}. */
export interface TimestampOptions {
  receivedAt: number;
  sentAt?: string;
  maxSecsInFuture: number;
  maxSecsInPast: number;
}

/**
 * Runs Relay's timestamp pipeline on `event` in place:
 *
 * 1. parses every timestamp field to unix seconds (invalid ones are removed with an
 *    `invalid_data` error);
 * 2. envelope clock drift: when `sentAt` is given and `|receivedAt − sentAt| ≥ 55 min`, shifts all
 *    timestamps by the drift and records `clock_drift` `{sdk_time, server_time}` on `timestamp`;
 * 3. clamps a `timestamp` more than `maxSecsInFuture` ahead / `maxSecsInPast` behind `receivedAt`
 *    by shifting the whole event so that `timestamp = receivedAt` (`future_timestamp` /
 *    `past_timestamp` errors);
 * 4. sets `received`, defaults a missing `timestamp` to `receivedAt`, removes negative
 *    timestamps and drops a `time_spent` that does not fit a 32-bit signed integer.
 */
export function normalizeTimestamps(event: JsonObject, meta: EventMeta, options: TimestampOptions): void {
  const { receivedAt } = options;

  // Negative values can only come from parsing or from a shift; without either, step 4's pass
  // over all slots would find nothing.
  let sawNegative = false;
  let shifted = false;
  forEachTimestampSlot(event, (parent, key, owner, index) => {
    const raw = parent[key];
    if (raw === undefined) return;
    if (raw === null) {
      delete parent[key];
      return;
    }
    const parsed = parseTimestamp(raw);
    if (parsed === undefined) {
      delete parent[key];
      meta.addInvalid(slotPath(owner, index, key), 'expected a timestamp', raw);
    } else {
      if (parsed < 0) sawNegative = true;
      // Numbers usually come back unchanged; not writing them back saves boxing a new number.
      if (parsed !== raw) parent[key] = parsed;
    }
  });

  const sentAt = options.sentAt === undefined ? undefined : parseTimestamp(options.sentAt);
  if (sentAt !== undefined) {
    const drift = receivedAt - sentAt;
    if (Math.abs(Math.trunc(drift)) >= MINIMUM_CLOCK_DRIFT_SECS) {
      shiftAll(event, drift);
      shifted = true;
      meta.addError(['timestamp'], 'clock_drift', {
        data: { sdk_time: formatRfc3339(sentAt), server_time: formatRfc3339(receivedAt) },
      });
    }
  }

  const timestamp = event.timestamp;
  if (typeof timestamp === 'number') {
    let kind: 'future_timestamp' | 'past_timestamp' | undefined;
    if (timestamp > receivedAt + options.maxSecsInFuture) kind = 'future_timestamp';
    else if (timestamp < receivedAt - options.maxSecsInPast) kind = 'past_timestamp';
    if (kind) {
      shiftAll(event, receivedAt - timestamp);
      shifted = true;
      event.timestamp = roundMicros(receivedAt);
      meta.addError(['timestamp'], kind, {
        data: { sdk_time: formatRfc3339(timestamp), server_time: formatRfc3339(receivedAt) },
      });
    }
  }

  event.received = roundMicros(receivedAt);
  if (typeof event.timestamp !== 'number') event.timestamp = roundMicros(receivedAt);

  if (sawNegative || shifted || (typeof event.timestamp === 'number' && event.timestamp < 0)) {
    forEachTimestampSlot(event, (parent, key, owner, index) => {
      const value = parent[key];
      if (typeof value === 'number' && value < 0) {
        delete parent[key];
        meta.addInvalid(slotPath(owner, index, key), 'timestamp is too stale', value);
      }
    });
  }

  const timeSpent = event.time_spent;
  if (
    timeSpent !== undefined &&
    !(typeof timeSpent === 'number' && timeSpent >= 0 && timeSpent < 2_147_483_647)
  ) {
    delete event.time_spent;
  }
}
