/**
 * Cron monitor check-ins (reference/relay-protocol.md §14.1): the item pipeline, monitor config
 * validation, schedules (crontab and interval, timezone-aware) and the read-time derivation of
 * a monitor environment's status. Pure: no I/O.
 */
export {
  processCheckInItem,
  DEFAULT_CHECK_IN_ENVIRONMENT,
  MAX_CHECK_IN_DURATION_MS,
  MAX_CHECK_IN_ENVIRONMENT_LENGTH,
  type CheckInItemContext,
  type ProcessedCheckIn,
  type StoredCheckInStatus,
} from './process.js';
export {
  validateMonitorConfig,
  MAX_CHECKIN_MARGIN_MINUTES,
  MAX_RUNTIME_MINUTES,
  MAX_THRESHOLD,
  type MonitorConfigResult,
} from './monitor-config.js';
export { djangoSlugify, monitorSlugFromCheckIn, trimMonitorSlug, MAX_MONITOR_SLUG_LENGTH } from './slug.js';
export {
  parseCrontab,
  nextCrontabTime,
  previousCrontabTime,
  type Crontab,
  type CrontabResult,
} from './crontab.js';
export {
  nextExpectedCheckIn,
  expectedTimeOf,
  latestAcceptableCheckIn,
  DEFAULT_CHECKIN_MARGIN_MINUTES,
  DEFAULT_MAX_RUNTIME_MINUTES,
  type ScheduleConfig,
} from './schedule.js';
export {
  deriveEnvironmentState,
  effectiveCheckInStatus,
  statusWindow,
  type EffectiveCheckInStatus,
  type MonitorEnvironmentState,
  type MonitorEnvironmentStatus,
  type RecentCheckIn,
  type StatusConfig,
} from './monitor-status.js';
export { isKnownTimeZone, toWallTime, fromWallTime, type WallTime } from './zoned-time.js';
