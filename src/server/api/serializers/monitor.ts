/**
 * Cron monitors and check-ins in Sentry's web-API shapes (`MonitorSerializer`,
 * `MonitorEnvironmentSerializer` and `MonitorCheckInSerializer` in
 * `src/sentry/monitors/serializers.py`). Pure: callers load the monitor, its project JSON and
 * the derived environment states.
 */
import { hyphenatedUuid, type MonitorConfig } from '../../../protocol/check-in.js';
import type { JsonObject } from '../../../protocol/json.js';
import {
  effectiveCheckInStatus,
  expectedTimeOf,
  type MonitorEnvironmentState,
} from '../../../processing/items/check-ins/index.js';
import { isoDateOrNull } from './values.js';

/** The monitor fields the serializer reads (a metadata `Monitor` fits). */
export interface MonitorRecord {
  guid: string;
  slug: string;
  name: string;
  status: string;
  config: MonitorConfig;
  /** ISO-8601. */
  date_created: string;
}

/** One environment of a monitor with its derived state. */
export interface MonitorEnvironmentRecord extends MonitorEnvironmentState {
  name: string;
}

/** A stored check-in as the serializer needs it (a `StoredCheckIn` fits). */
export interface CheckInRecord {
  checkInId: string;
  environment: string;
  status: 'ok' | 'error' | 'in_progress';
  durationMs: number | null;
  dateCreated: Date;
}

/** Sentry's environment order: failing first, then ok, then never finished (`MONITOR_ENVIRONMENT_ORDERING`). */
const STATUS_ORDER: Record<MonitorEnvironmentState['status'], number> = { error: 0, ok: 1, active: 2 };

/**
 * Sorts environments as Sentry lists them: by status (error, ok, active), then most recent
 * check-in first, then by name. Returns a new array.
 */
export function orderEnvironments(
  environments: readonly MonitorEnvironmentRecord[],
): MonitorEnvironmentRecord[] {
  return [...environments].sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      (b.lastCheckInMs ?? 0) - (a.lastCheckInMs ?? 0) ||
      a.name.localeCompare(b.name),
  );
}

/**
 * A monitor: `id` (hyphenated guid), `status`, `isMuted` false, `type` `cron_job`, `name`,
 * `slug`, `config` (Sentry's stored shape: `schedule_type`, `schedule`, `checkin_margin`,
 * `max_runtime`, `timezone`, `failure_issue_threshold`, `recovery_threshold`), `dateCreated`,
 * `project` (the given project JSON), `environments` (ordered by {@link orderEnvironments};
 * each `{name, status, isMuted, dateCreated, lastCheckIn, nextCheckIn, nextCheckInLatest,
 * activeIncident: null}`), `owner` null (Vigil has no users or teams to resolve an actor to).
 */
export function serializeMonitor(
  monitor: MonitorRecord,
  project: JsonObject,
  environments: readonly MonitorEnvironmentRecord[],
): JsonObject {
  const dateCreated = new Date(monitor.date_created).toISOString();
  return {
    id: hyphenatedUuid(monitor.guid),
    status: monitor.status,
    isMuted: false,
    type: 'cron_job',
    name: monitor.name,
    slug: monitor.slug,
    config: { ...monitor.config },
    dateCreated,
    project,
    environments: orderEnvironments(environments).map((env) => ({
      name: env.name,
      status: env.status,
      isMuted: false,
      dateCreated,
      lastCheckIn: msOrNull(env.lastCheckInMs),
      nextCheckIn: msOrNull(env.nextCheckInMs),
      nextCheckInLatest: msOrNull(env.nextCheckInLatestMs),
      activeIncident: null,
    })),
    owner: null,
  };
}

/**
 * A check-in: `id` (hyphenated), `environment`, `status` (`ok`, `error`, `in_progress`, or
 * `timeout` for a run past the monitor's max runtime at `nowMs`), `duration` (ms or null),
 * `dateCreated` (start of the run), `expectedTime` (the crontab slot the run belongs to; null
 * for interval schedules) and `monitorConfig` (the monitor's current config: Vigil does not
 * snapshot it per check-in).
 */
export function serializeCheckIn(checkIn: CheckInRecord, config: MonitorConfig, nowMs: number): JsonObject {
  const startedMs = checkIn.dateCreated.getTime();
  return {
    id: hyphenatedUuid(checkIn.checkInId),
    environment: checkIn.environment,
    status: effectiveCheckInStatus({ status: checkIn.status, startedMs }, config, nowMs),
    duration: checkIn.durationMs,
    dateCreated: checkIn.dateCreated.toISOString(),
    expectedTime: msOrNull(expectedTimeOf(config, startedMs)),
    monitorConfig: { ...config },
  };
}

function msOrNull(ms: number | undefined): string | null {
  return ms === undefined ? null : isoDateOrNull(new Date(ms));
}
