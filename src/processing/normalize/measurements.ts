/**
 * Measurements: kept on transactions only, with units and derived values.
 *
 * Follows `relay-event-normalization/src/event.rs` (`normalize_measurements`,
 * `normalize_units`, `compute_measurements`, `normalize_app_start_measurements`) and
 * `relay-event-schema` `Measurements` (names trimmed and lower-cased, names containing
 * whitespace dropped, non-numeric values dropped). reference/relay-protocol.md §8 "Measurements".
 */
import { isJsonObject, type JsonObject } from '../../protocol/json.js';
import type { EventMeta } from './meta.js';

/** Default units of Sentry's built-in measurements. */
const BUILTIN_UNITS: Readonly<Record<string, string>> = {
  fcp: 'millisecond',
  lcp: 'millisecond',
  fid: 'millisecond',
  fp: 'millisecond',
  inp: 'millisecond',
  ttfb: 'millisecond',
  'ttfb.requesttime': 'millisecond',
  cls: 'none',
  app_start_cold: 'millisecond',
  app_start_warm: 'millisecond',
  frames_total: 'none',
  frames_slow: 'none',
  frames_slow_rate: 'ratio',
  frames_frozen: 'none',
  frames_frozen_rate: 'ratio',
  time_to_initial_display: 'millisecond',
  time_to_full_display: 'millisecond',
  stall_count: 'none',
  stall_total_time: 'millisecond',
  stall_longest_time: 'millisecond',
  stall_percentage: 'ratio',
};

/** Mobile durations above this are SDK bugs and dropped (`MAX_DURATION_MOBILE_MS`, 180 s). */
const MAX_DURATION_MOBILE_MS = 180_000;

function value(measurements: JsonObject, name: string): number | undefined {
  const m = measurements[name];
  return isJsonObject(m) && typeof m.value === 'number' ? m.value : undefined;
}

/**
 * Removes `measurements` from non-transactions; on transactions normalizes names, drops
 * invalid entries (with an `invalid_data` error), fills default units, renames
 * `app.start.cold/warm`, drops mobile outliers and computes `frames_slow_rate`,
 * `frames_frozen_rate` and `stall_percentage`.
 */
export function normalizeMeasurements(event: JsonObject, meta: EventMeta): void {
  const raw = event.measurements;
  if (raw === undefined) return;
  if (event.type !== 'transaction' || !isJsonObject(raw)) {
    delete event.measurements;
    return;
  }

  const measurements: JsonObject = {};
  for (const key of Object.keys(raw)) {
    const entry = raw[key];
    const name = key.trim().toLowerCase();
    if (name === '' || /\s/.test(name)) continue;
    const number = isJsonObject(entry) ? entry.value : undefined;
    if (!isJsonObject(entry) || typeof number !== 'number' || !Number.isFinite(number)) {
      meta.addInvalid(['measurements', key], 'expected a measurement', entry ?? null);
      continue;
    }
    const measurement: JsonObject = { value: number };
    if (typeof entry.unit === 'string' && entry.unit !== '') measurement.unit = entry.unit;
    measurements[name] = measurement;
  }

  for (const [from, to] of [
    ['app.start.cold', 'app_start_cold'],
    ['app.start.warm', 'app_start_warm'],
  ] as const) {
    const m = measurements[from];
    if (m !== undefined) {
      delete measurements[from];
      measurements[to] = m;
    }
  }
  for (const key of ['app_start_cold', 'app_start_warm', 'time_to_initial_display', 'time_to_full_display']) {
    const v = value(measurements, key);
    if (v !== undefined && v > MAX_DURATION_MOBILE_MS) delete measurements[key];
  }

  for (const [name, m] of Object.entries(measurements)) {
    if (isJsonObject(m) && m.unit === undefined) m.unit = BUILTIN_UNITS[name] ?? 'none';
  }

  const total = value(measurements, 'frames_total');
  if (total !== undefined && total > 0) {
    const frozen = value(measurements, 'frames_frozen');
    if (frozen !== undefined) measurements.frames_frozen_rate = { value: frozen / total, unit: 'ratio' };
    const slow = value(measurements, 'frames_slow');
    if (slow !== undefined) measurements.frames_slow_rate = { value: slow / total, unit: 'ratio' };
  }
  const start = event.start_timestamp;
  const end = event.timestamp;
  const durationMs =
    typeof start === 'number' && typeof end === 'number' ? Math.max(0, (end - start) * 1000) : 0;
  const stall = measurements.stall_total_time;
  if (durationMs > 0 && isJsonObject(stall) && typeof stall.value === 'number') {
    if (stall.unit === 'millisecond' || stall.unit === 'none') {
      measurements.stall_percentage = { value: stall.value / durationMs, unit: 'ratio' };
    }
  }

  event.measurements = measurements;
}
