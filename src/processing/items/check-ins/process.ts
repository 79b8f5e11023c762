/**
 * The check-in pipeline for one `check_in` item: size → decode (Relay's model) → Relay's
 * normalization (`process_check_in` in `relay-monitors/src/lib.rs`: `missed` → `unknown`, slug
 * trimmed to 50 characters and non-empty, environment ≤ 64 characters) → the checks Sentry's
 * consumer makes before it stores a check-in (`src/sentry/monitors/consumers/monitor_consumer.py`:
 * slugified slug, status `ok`/`error`/`in_progress`, duration in milliseconds within range,
 * monitor config validated) (reference/relay-protocol.md §14.1).
 *
 * Outcomes: `invalid` with `too_large:check_in` (payload over 100 KiB), `invalid_json` (not
 * JSON or not Relay's shape) or `invalid_check_in` (everything else). An invalid
 * `monitor_config` does not drop the check-in: Sentry then uses the existing monitor, and drops
 * the check-in only when there is none — which needs the metadata store, so it is reported in
 * {@link ProcessedCheckIn.monitorConfigError} for the caller to decide.
 */
import {
  MAX_CHECK_IN_SIZE,
  NIL_CHECK_IN_ID,
  parseCheckIn,
  type CheckInPayload,
  type MonitorConfigPatch,
} from '../../../protocol/check-in.js';
import { drop, ok, type StepResult } from '../../pipeline/result.js';
import { validateMonitorConfig } from './monitor-config.js';
import { monitorSlugFromCheckIn, trimMonitorSlug } from './slug.js';

/** Relay's `ENVIRONMENT_LENGTH`: longest environment name, in characters. */
export const MAX_CHECK_IN_ENVIRONMENT_LENGTH = 64;

/** The environment of check-ins that name none (Sentry's `ensure_environment`). */
export const DEFAULT_CHECK_IN_ENVIRONMENT = 'production';

/** Largest duration Sentry stores (`BoundedPositiveIntegerField.MAX_VALUE`), milliseconds. */
export const MAX_CHECK_IN_DURATION_MS = 2_147_483_647;

/** What the pipeline needs to know about the item. */
export interface CheckInItemContext {
  projectId: number;
  /** When the request carrying the item arrived, Unix seconds (Relay's `start_time`). */
  receivedAt: number;
  /**
   * The envelope's `sent_at` header. Unused: a check-in carries no client timestamp, so there
   * is nothing to correct for clock drift (Relay does not touch check-ins' times either).
   */
  sentAt?: string;
}

/** The statuses a stored check-in can have (Sentry's `MonitorCheckInValidator`). */
export type StoredCheckInStatus = 'ok' | 'error' | 'in_progress';

/** A check-in ready to store, and the monitor upsert it carries. */
export interface ProcessedCheckIn {
  projectId: number;
  /**
   * 32 lowercase hex digits. {@link NIL_CHECK_IN_ID} (see {@link useLatest}) means "the
   * latest in-progress check-in of this monitor and environment", resolved when stored.
   */
  checkInId: string;
  /** True when `checkInId` is the nil UUID. */
  useLatest: boolean;
  /** The monitor slug after Relay's trim and Sentry's slugify (non-empty, ≤ 50 chars). */
  monitorSlug: string;
  status: StoredCheckInStatus;
  /** Environment name; `production` when the check-in named none. */
  environment: string;
  /** The SDK's release, if it sent one. */
  release?: string;
  /** Job duration in whole milliseconds; only for `ok`/`error` check-ins that sent one. */
  durationMs?: number;
  /** Trace the job ran in (32 hex), from `contexts.trace.trace_id`. */
  traceId?: string;
  /** Arrival time, Unix seconds. */
  receivedAt: number;
  /** When the run started, Unix seconds: `receivedAt - duration` (Sentry's `date_added`). */
  startedAt: number;
  /** The validated monitor config to upsert, when the check-in sent a valid one. */
  monitorConfig?: MonitorConfigPatch;
  /** The owner actor (`user:1`, `team:2`) sent with the config. */
  owner?: string;
  /** Why the sent `monitor_config` was rejected (the check-in itself is still valid). */
  monitorConfigError?: string;
  /** The payload as Relay forwards it (normalized, unknown fields dropped). */
  payload: CheckInPayload;
}

/**
 * Runs the check-in pipeline over one item payload (JSON bytes). Returns `drop('invalid',
 * reason)` for a payload over 100 KiB (`too_large:check_in`), bad JSON or a shape Relay's
 * model rejects (`invalid_json`), or a check-in Relay or Sentry reject (`invalid_check_in`:
 * empty slug, environment over 64 characters, status other than ok/error/in_progress,
 * duration outside 0–2³¹−1 ms). Never throws.
 */
export function processCheckInItem(payload: Buffer, ctx: CheckInItemContext): StepResult<ProcessedCheckIn> {
  if (payload.length > MAX_CHECK_IN_SIZE) return drop('invalid', 'too_large:check_in');
  const decoded = parseCheckIn(payload);
  if (!decoded.ok) return drop('invalid', 'invalid_json');
  const checkIn = decoded.checkIn;

  // Relay's normalization.
  if (checkIn.status === 'missed') checkIn.status = 'unknown';
  checkIn.monitor_slug = trimMonitorSlug(checkIn.monitor_slug);
  if (checkIn.monitor_slug === '') return drop('invalid', 'invalid_check_in');
  if (
    checkIn.environment !== undefined &&
    Array.from(checkIn.environment).length > MAX_CHECK_IN_ENVIRONMENT_LENGTH
  ) {
    return drop('invalid', 'invalid_check_in');
  }

  // Sentry's consumer.
  const monitorSlug = monitorSlugFromCheckIn(checkIn.monitor_slug);
  if (monitorSlug === '') return drop('invalid', 'invalid_check_in');
  const status = checkIn.status;
  if (status !== 'ok' && status !== 'error' && status !== 'in_progress')
    return drop('invalid', 'invalid_check_in');

  let durationMs: number | undefined;
  if (checkIn.duration !== undefined && status !== 'in_progress') {
    durationMs = Math.trunc(checkIn.duration * 1000);
    if (durationMs < 0 || durationMs > MAX_CHECK_IN_DURATION_MS) return drop('invalid', 'invalid_check_in');
  }

  const processed: ProcessedCheckIn = {
    projectId: ctx.projectId,
    checkInId: checkIn.check_in_id,
    useLatest: checkIn.check_in_id === NIL_CHECK_IN_ID,
    monitorSlug,
    status,
    environment: checkIn.environment || DEFAULT_CHECK_IN_ENVIRONMENT,
    receivedAt: ctx.receivedAt,
    startedAt: ctx.receivedAt - (durationMs ?? 0) / 1000,
    payload: checkIn,
  };
  if (checkIn.release !== undefined && checkIn.release !== '') processed.release = checkIn.release;
  if (durationMs !== undefined) processed.durationMs = durationMs;
  const traceId = checkIn.contexts?.trace?.trace_id;
  if (traceId !== undefined) processed.traceId = traceId;

  if (checkIn.monitor_config !== undefined) {
    const config = validateMonitorConfig(checkIn.monitor_config);
    if (config.ok) {
      processed.monitorConfig = config.patch;
      if (config.owner !== undefined) processed.owner = config.owner;
    } else {
      processed.monitorConfigError = config.error;
    }
  }
  return ok(processed);
}
