/**
 * Validation of a check-in's `monitor_config` as Sentry's consumer does before it upserts the
 * monitor (`ConfigValidator` in `src/sentry/monitors/validators.py`, limits from
 * `src/sentry/monitors/constants.py`): crontabs are normalized and must parse, intervals need a
 * positive count, `checkin_margin` 0 becomes 1, minutes and thresholds must be within range,
 * the timezone must be a known tz name (blank = unset). The owner is kept apart, as Sentry pops
 * it out of the config.
 */
import type { CheckInMonitorConfig, MonitorConfigPatch } from '../../../protocol/check-in.js';
import { parseCrontab } from './crontab.js';
import { isKnownTimeZone } from './zoned-time.js';

/** `MAX_MARGIN`: longest check-in margin, minutes (28 days). */
export const MAX_CHECKIN_MARGIN_MINUTES = 40_320;
/** `MAX_TIMEOUT`: longest max runtime, minutes (28 days). */
export const MAX_RUNTIME_MINUTES = 40_320;
/** `MAX_THRESHOLD`: largest failure/recovery threshold. */
export const MAX_THRESHOLD = 720;

/** A validated config: what to merge into the monitor, and the owner if one was sent. */
export type MonitorConfigResult =
  { ok: true; patch: MonitorConfigPatch; owner?: string } | { ok: false; error: string };

/**
 * Validates and normalizes `config` into the keys a check-in sets on its monitor. The patch has
 * `schedule_type`/`schedule` always and every other key only when it was sent; the error texts
 * are Sentry's validation messages.
 */
export function validateMonitorConfig(config: CheckInMonitorConfig): MonitorConfigResult {
  let patch: MonitorConfigPatch;
  if (config.schedule.type === 'crontab') {
    const parsed = parseCrontab(config.schedule.value);
    if (!parsed.ok) return { ok: false, error: `schedule: ${parsed.error}` };
    patch = { schedule_type: 'crontab', schedule: parsed.crontab.text };
  } else {
    if (config.schedule.value <= 0)
      return { ok: false, error: 'schedule: Interval must be greater than zero' };
    patch = { schedule_type: 'interval', schedule: [config.schedule.value, config.schedule.unit] };
  }

  if (config.checkin_margin !== undefined) {
    // Sentry still accepts 0 from older SDKs and stores it as 1.
    const margin = config.checkin_margin === 0 ? 1 : config.checkin_margin;
    if (margin > MAX_CHECKIN_MARGIN_MINUTES) {
      return { ok: false, error: `checkin_margin: must be at most ${MAX_CHECKIN_MARGIN_MINUTES}` };
    }
    patch.checkin_margin = margin;
  }
  const bounded = [
    ['max_runtime', MAX_RUNTIME_MINUTES],
    ['failure_issue_threshold', MAX_THRESHOLD],
    ['recovery_threshold', MAX_THRESHOLD],
  ] as const;
  for (const [key, max] of bounded) {
    const value = config[key];
    if (value === undefined) continue;
    if (value < 1 || value > max) return { ok: false, error: `${key}: must be between 1 and ${max}` };
    patch[key] = value;
  }
  if (config.timezone !== undefined && config.timezone !== '') {
    if (!isKnownTimeZone(config.timezone)) {
      return { ok: false, error: `timezone: "${config.timezone}" is not a valid choice` };
    }
    patch.timezone = config.timezone;
  }
  return config.owner !== undefined && config.owner !== ''
    ? { ok: true, patch, owner: config.owner }
    : { ok: true, patch };
}
