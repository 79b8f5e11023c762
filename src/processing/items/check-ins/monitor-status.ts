/**
 * A monitor environment's state derived from its recent check-ins at read time, standing in
 * for the state Sentry keeps on `MonitorEnvironment` through its clock tasks
 * (`src/sentry/monitors/clock_tasks/check_missed.py`, `check_timeout.py`) and
 * `mark_failed` / `mark_ok` (`src/sentry/monitors/logic/`):
 *
 * - an `in_progress` check-in past its timeout (start truncated to the minute + `max_runtime`,
 *   default 30 minutes) is a `timeout`;
 * - slots whose latest acceptable time (next expected check-in + `checkin_margin`, default 1
 *   minute) has passed without a check-in are `missed`;
 * - `error`, `timeout` and `missed` are failures: `failure_issue_threshold` (default 1)
 *   consecutive failures put the environment into `error`, and once there it takes
 *   `recovery_threshold` (default 1) consecutive `ok` check-ins to get back to `ok`. An
 *   environment without a finished check-in is `active`.
 *
 * Only the most recent check-ins are considered (see {@link statusWindow}), so a very old
 * incident that was never resolved is forgotten.
 */
import type { MonitorConfig } from '../../../protocol/check-in.js';
import type { StoredCheckInStatus } from './process.js';
import {
  DEFAULT_MAX_RUNTIME_MINUTES,
  latestAcceptableCheckIn,
  nextExpectedCheckIn,
  type ScheduleConfig,
} from './schedule.js';

/** A check-in's status as the API shows it (Sentry's `CheckInStatus` display names). */
export type EffectiveCheckInStatus = StoredCheckInStatus | 'timeout' | 'missed';

/** A monitor environment's status (Sentry's `MonitorStatus` display names Vigil can derive). */
export type MonitorEnvironmentStatus = 'active' | 'ok' | 'error';

/** One recent check-in of an environment. */
export interface RecentCheckIn {
  status: StoredCheckInStatus;
  /** When the run started, Unix ms. */
  startedMs: number;
}

/** The derived state of one monitor environment. */
export interface MonitorEnvironmentState {
  status: MonitorEnvironmentStatus;
  /** Start of the newest check-in, Unix ms; undefined without check-ins. */
  lastCheckInMs?: number;
  /** The next expected check-in (after any missed slots), Unix ms. */
  nextCheckInMs?: number;
  /** `nextCheckInMs` plus the check-in margin, Unix ms. */
  nextCheckInLatestMs?: number;
}

/** The config keys the derivation reads. */
export type StatusConfig = ScheduleConfig &
  Pick<MonitorConfig, 'checkin_margin' | 'max_runtime' | 'failure_issue_threshold' | 'recovery_threshold'>;

/**
 * How many recent check-ins per environment {@link deriveEnvironmentState} should be given:
 * twice the failure plus recovery thresholds (defaults 1), at least 4, at most 2 × 2 × 720.
 */
export function statusWindow(
  config: Pick<MonitorConfig, 'failure_issue_threshold' | 'recovery_threshold'>,
): number {
  const failure = config.failure_issue_threshold ?? 1;
  const recovery = config.recovery_threshold ?? 1;
  return Math.max(4, 2 * (failure + recovery));
}

/**
 * The status a check-in is shown with at `nowMs`: `timeout` for an `in_progress` check-in
 * whose timeout (start truncated to the minute + `max_runtime` minutes) has passed.
 */
export function effectiveCheckInStatus(
  checkIn: RecentCheckIn,
  config: Pick<MonitorConfig, 'max_runtime'>,
  nowMs: number,
): EffectiveCheckInStatus {
  if (checkIn.status !== 'in_progress') return checkIn.status;
  const runtime = (config.max_runtime ?? DEFAULT_MAX_RUNTIME_MINUTES) * 60_000;
  const timeoutAt = Math.floor(checkIn.startedMs / 60_000) * 60_000 + runtime;
  return nowMs >= timeoutAt ? 'timeout' : 'in_progress';
}

/**
 * Derives an environment's status and next expected check-in from its recent check-ins
 * (`recent`: as many as {@link statusWindow}, in the order they were last reported, newest
 * first — the order Sentry's consumer applies them in) at `nowMs`. `lastCheckInMs` is the
 * start of the newest one.
 */
export function deriveEnvironmentState(
  config: StatusConfig,
  recent: readonly RecentCheckIn[],
  nowMs: number,
): MonitorEnvironmentState {
  const newest = recent[0];
  if (newest === undefined) return { status: 'active' };

  const outcomes: Array<'ok' | 'failure'> = [];
  for (const checkIn of [...recent].reverse()) {
    const status = effectiveCheckInStatus(checkIn, config, nowMs);
    if (status === 'ok') outcomes.push('ok');
    else if (status !== 'in_progress') outcomes.push('failure');
  }

  const failureThreshold = config.failure_issue_threshold ?? 1;
  const recoveryThreshold = config.recovery_threshold ?? 1;
  let next = nextExpectedCheckIn(config, newest.startedMs);
  // Missed slots since the newest check-in count as failures (bounded: enough to decide).
  for (let missed = 0; next !== undefined && missed < failureThreshold + recoveryThreshold; missed++) {
    if (latestAcceptableCheckIn(config, next) > nowMs) break;
    outcomes.push('failure');
    next = nextExpectedCheckIn(config, next);
  }

  let status: MonitorEnvironmentStatus = 'active';
  let failures = 0;
  let oks = 0;
  for (const outcome of outcomes) {
    if (outcome === 'failure') {
      failures++;
      oks = 0;
      if (status !== 'error' && failures >= failureThreshold) status = 'error';
    } else {
      oks++;
      failures = 0;
      if (status !== 'error' || oks >= recoveryThreshold) status = 'ok';
    }
  }

  const state: MonitorEnvironmentState = { status, lastCheckInMs: newest.startedMs };
  if (next !== undefined) {
    state.nextCheckInMs = next;
    state.nextCheckInLatestMs = latestAcceptableCheckIn(config, next);
  }
  return state;
}
