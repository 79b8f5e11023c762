/**
 * Cron monitor check-ins on the wire (`check_in` envelope items and the HTTP cron endpoint) and
 * the monitor configuration a check-in may upsert (reference/relay-protocol.md §1.4, §14.1).
 *
 * {@link decodeCheckIn} reads a payload the way Relay's serde model does
 * (`CheckIn` / `MonitorConfig` in `relay-monitors/src/lib.rs`): unknown fields are dropped,
 * optional fields may be `null`, `check_in_id` defaults to the nil UUID, `monitor_slug` to `""`,
 * an unknown `status` string becomes `unknown`, and every type mismatch makes the whole payload
 * invalid (Relay's `invalid_json` outcome). Validation beyond types (empty slugs, environment
 * length, schedule syntax) belongs to processing (`src/processing/items/check-ins/`).
 *
 * The stored monitor configuration ({@link MonitorConfig}) uses Sentry's web-API shape
 * (`MonitorConfigSerializerResponse` in `src/sentry/monitors/serializers.py`).
 */
import { isJsonObject, parseJsonText, type JsonObject } from './json.js';

/** Check-in status as Relay reads it (`CheckInStatus`); `missed` is never kept by Relay. */
export type CheckInStatus = 'ok' | 'error' | 'in_progress' | 'missed' | 'unknown';

/** Interval schedule units (`IntervalName` in relay-monitors). */
export type IntervalUnit = 'year' | 'month' | 'week' | 'day' | 'hour' | 'minute';

/** Every {@link IntervalUnit}, longest first. */
export const INTERVAL_UNITS: readonly IntervalUnit[] = ['year', 'month', 'week', 'day', 'hour', 'minute'];

/** The schedule of an upserting check-in: a crontab, or every `value` `unit`s. */
export type CheckInSchedule =
  { type: 'crontab'; value: string } | { type: 'interval'; value: number; unit: IntervalUnit };

/**
 * `monitor_config` of a check-in (Relay's `MonitorConfig`). Margins and runtimes are minutes,
 * thresholds counts of consecutive check-ins; all non-negative integers when present.
 */
export interface CheckInMonitorConfig {
  schedule: CheckInSchedule;
  /** Minutes after the expected time before a check-in counts as missed. */
  checkin_margin?: number;
  /** Minutes an `in_progress` check-in may run before it times out. */
  max_runtime?: number;
  /** tz database name, e.g. `Europe/Vienna`. */
  timezone?: string;
  /** Consecutive failed check-ins that open an incident. */
  failure_issue_threshold?: number;
  /** Consecutive successful check-ins that resolve it. */
  recovery_threshold?: number;
  /** Owner actor, e.g. `user:123` or `team:7`. */
  owner?: string;
}

/** A decoded check-in payload, in Relay's re-serialized form. */
export interface CheckInPayload {
  /** 32 lowercase hex digits; {@link NIL_CHECK_IN_ID} means "the latest in-progress check-in". */
  check_in_id: string;
  /** The monitor's slug as sent (not yet trimmed or slugified). */
  monitor_slug: string;
  status: CheckInStatus;
  environment?: string;
  /**
   * The SDK's `release`. Relay's model has no such field (it drops it); Vigil keeps it to show
   * which release ran a job.
   */
  release?: string;
  /** Seconds the job ran (SDKs send it with `ok`/`error`). */
  duration?: number;
  monitor_config?: CheckInMonitorConfig;
  /** Only the trace id survives (Relay's `CheckInContexts`); 32 lowercase hex. */
  contexts?: { trace?: { trace_id: string } };
}

/** Result of {@link decodeCheckIn}: the payload, or why it does not fit Relay's model. */
export type CheckInDecodeResult = { ok: true; checkIn: CheckInPayload } | { ok: false; error: string };

/** The nil UUID as a check-in id: "update the latest in-progress check-in" (§14.1). */
export const NIL_CHECK_IN_ID = '00000000000000000000000000000000';

/** `max_check_in_size`: largest accepted check-in payload, 100 KiB in bytes (§5.1). */
export const MAX_CHECK_IN_SIZE = 100 * 1024;

/**
 * A monitor's stored configuration in Sentry's web-API shape: `schedule` is a crontab string for
 * `crontab` schedules and `[count, unit]` for `interval` ones; minutes and counts are `null`
 * when unset (Sentry then applies its defaults: margin 1 minute, max runtime 30 minutes,
 * thresholds 1). A type alias rather than an interface, so that it is assignable to
 * `JsonObject` when stored as JSON.
 */
export type MonitorConfig = {
  schedule_type: 'crontab' | 'interval';
  schedule: string | [number, IntervalUnit];
  checkin_margin: number | null;
  max_runtime: number | null;
  timezone: string | null;
  failure_issue_threshold: number | null;
  recovery_threshold: number | null;
};

/**
 * The part of a {@link MonitorConfig} one upserting check-in sets: the schedule always, every
 * other key only when the check-in sent it (Sentry's `Monitor.update_config` merges only the
 * keys of the payload).
 */
export type MonitorConfigPatch = Pick<MonitorConfig, 'schedule_type' | 'schedule'> &
  Partial<Omit<MonitorConfig, 'schedule_type' | 'schedule'>>;

const UUID_BODY = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
/** The textual forms `Uuid::parse_str` accepts: simple, hyphenated, braced, URN. */
const UUID = new RegExp(`^(?:[0-9a-fA-F]{32}|${UUID_BODY}|\\{${UUID_BODY}\\}|urn:uuid:${UUID_BODY})$`);

/**
 * Parses a UUID in any form Rust's `Uuid::parse_str` accepts (32 hex, hyphenated, braced,
 * `urn:uuid:`) into 32 lowercase hex digits; `undefined` for anything else.
 */
export function parseUuidHex(value: string): string | undefined {
  if (!UUID.test(value)) return undefined;
  return value
    .replace(/^urn:uuid:/i, '')
    .replace(/[{}-]/g, '')
    .toLowerCase();
}

/** 32 hex digits as a hyphenated UUID (`8-4-4-4-12`), the form Sentry's API prints. */
export function hyphenatedUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Parses check-in JSON bytes, then {@link decodeCheckIn}s it. Never throws. */
export function parseCheckIn(bytes: Uint8Array | string): CheckInDecodeResult {
  let value: unknown;
  try {
    value = parseJsonText(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : 'invalid JSON' };
  }
  return decodeCheckIn(value);
}

const STATUSES: ReadonlySet<string> = new Set(['ok', 'error', 'in_progress', 'missed']);

/**
 * Decodes a parsed JSON value as Relay's `CheckIn` (see the module comment for the rules).
 * Returns `{ok: false, error}` naming the first offending field; never throws.
 */
export function decodeCheckIn(value: unknown): CheckInDecodeResult {
  if (!isJsonObject(value)) return fail('expected a JSON object');

  let checkInId = NIL_CHECK_IN_ID;
  if (value.check_in_id !== undefined) {
    const id = typeof value.check_in_id === 'string' ? parseUuidHex(value.check_in_id) : undefined;
    if (id === undefined) return fail('check_in_id: expected a UUID');
    checkInId = id;
  }

  let slug = '';
  if (value.monitor_slug !== undefined) {
    if (typeof value.monitor_slug !== 'string') return fail('monitor_slug: expected a string');
    slug = value.monitor_slug;
  }

  if (value.status === undefined) return fail('missing field `status`');
  if (typeof value.status !== 'string') return fail('status: expected a string');
  const status: CheckInStatus = STATUSES.has(value.status) ? (value.status as CheckInStatus) : 'unknown';

  const checkIn: CheckInPayload = { check_in_id: checkInId, monitor_slug: slug, status };

  const environment = optionalString(value, 'environment');
  if (environment === false) return fail('environment: expected a string');
  if (environment !== undefined) checkIn.environment = environment;

  const release = optionalString(value, 'release');
  if (release === false) return fail('release: expected a string');
  if (release !== undefined) checkIn.release = release;

  const duration = value.duration;
  if (duration !== undefined && duration !== null) {
    if (typeof duration !== 'number' || !Number.isFinite(duration))
      return fail('duration: expected a number');
    checkIn.duration = duration;
  }

  if (value.monitor_config !== undefined && value.monitor_config !== null) {
    const config = decodeMonitorConfig(value.monitor_config);
    if (typeof config === 'string') return fail(`monitor_config: ${config}`);
    checkIn.monitor_config = config;
  }

  if (value.contexts !== undefined && value.contexts !== null) {
    const contexts = value.contexts;
    if (!isJsonObject(contexts)) return fail('contexts: expected an object');
    const trace = contexts.trace;
    if (trace !== undefined && trace !== null) {
      if (!isJsonObject(trace)) return fail('contexts.trace: expected an object');
      const traceId = typeof trace.trace_id === 'string' ? parseUuidHex(trace.trace_id) : undefined;
      if (traceId === undefined) return fail('contexts.trace.trace_id: expected 32 hex digits');
      checkIn.contexts = { trace: { trace_id: traceId } };
    } else {
      checkIn.contexts = {};
    }
  }
  return { ok: true, checkIn };
}

/** Relay's `MonitorConfig`; returns an error text on a type mismatch. */
function decodeMonitorConfig(value: unknown): CheckInMonitorConfig | string {
  if (!isJsonObject(value)) return 'expected an object';
  const schedule = decodeSchedule(value.schedule);
  if (typeof schedule === 'string') return `schedule: ${schedule}`;
  const config: CheckInMonitorConfig = { schedule };
  for (const key of [
    'checkin_margin',
    'max_runtime',
    'failure_issue_threshold',
    'recovery_threshold',
  ] as const) {
    const field = value[key];
    if (field === undefined || field === null) continue;
    if (!isUnsigned(field)) return `${key}: expected a non-negative integer`;
    config[key] = field;
  }
  for (const key of ['timezone', 'owner'] as const) {
    const field = optionalString(value, key);
    if (field === false) return `${key}: expected a string`;
    if (field !== undefined) config[key] = field;
  }
  return config;
}

/** Relay's internally tagged `Schedule` enum (`{"type": "crontab" | "interval", ...}`). */
function decodeSchedule(value: unknown): CheckInSchedule | string {
  if (value === undefined) return 'missing field `schedule`';
  if (!isJsonObject(value)) return 'expected an object';
  if (value.type === 'crontab') {
    return typeof value.value === 'string'
      ? { type: 'crontab', value: value.value }
      : 'value: expected a string';
  }
  if (value.type === 'interval') {
    if (!isUnsigned(value.value)) return 'value: expected a non-negative integer';
    const unit = value.unit;
    if (typeof unit !== 'string' || !(INTERVAL_UNITS as readonly string[]).includes(unit)) {
      return `unit: expected one of ${INTERVAL_UNITS.join(', ')}`;
    }
    return { type: 'interval', value: value.value, unit: unit as IntervalUnit };
  }
  return 'type: expected `crontab` or `interval`';
}

/** The string at `key`, `undefined` when absent or null, `false` when it is another type. */
function optionalString(object: JsonObject, key: string): string | undefined | false {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : false;
}

/** serde's `u64` (JSON cannot tell `5` from `5.0`, so integral doubles pass). */
function isUnsigned(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
