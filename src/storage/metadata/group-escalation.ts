/**
 * Ingestion's escalation check of issues archived until escalating (Sentry
 * `src/sentry/tasks/post_process.py` `process_snoozes` → `is_escalating` and `manage_issue_states`
 * with reason `ESCALATING`, `src/sentry/issues/escalating/escalating.py`): an issue whose events
 * of the current clock hour exceed today's ceiling of its forecast (`group-forecasts.ts`) becomes
 * unresolved with substatus `escalating`, goes into the inbox (reason `escalating`) and gets a
 * `set_escalating` activity `{event_id, forecast}`. Its forecast stays (Sentry keeps it until
 * its 14 days are over).
 *
 * The rules, as upstream:
 * - issues first seen less than {@link NEW_ISSUE_AGE_MS} (24 hours) ago are not checked
 *   (`post_process.py`: younger issues take the "new issue" path, `MAX_NEW_ESCALATION_AGE_HOURS`,
 *   whose `detect_new_escalation` only looks at issues with substatus `new`, so an archived one
 *   stays archived). First seen is the issue's earliest event time (Sentry's `Group.first_seen`),
 *   read from the event store (a {@link FirstSeenReader}); without it, when the issue was created;
 * - the hour's events are those with `start of the hour <= timestamp < now`
 *   (`get_group_hourly_count_snuba`): the event store's (read once per batch, for the batch's
 *   archived issues only, through a {@link HourlyEventCounter}) plus the batch's own, which are
 *   not stored yet. (Sentry caches each issue's count for 60 s to spare Snuba; here it is read
 *   once per batch instead, so an escalation is never held back by a cached count.)
 * - the issue escalates when that count is strictly greater than today's ceiling, and never on a
 *   ceiling of 0 (`if forecast_today and group_hourly_count > forecast_today`);
 * - without a live forecast (none, or expired) the ceiling is 10 (`ONE_EVENT_FORECAST`) and the
 *   forecast is asked for again (`generate_and_save_missing_forecasts`, queued by
 *   `EscalatingGroupForecast.fetch`): {@link EscalationCheck.unforecast}.
 */
import type { Kysely, Transaction } from 'kysely';
import type { NewActivity } from './activities.js';
import { getForecasts, liveForecast, todaysForecast } from './group-forecasts.js';
import type { InboxAdd } from './group-inbox.js';
import type { Database } from './schema.js';

/** An archived issue of the batch, as the event-store readers take it. */
export interface ArchivedGroupRef {
  groupId: number;
  projectId: number;
}

/**
 * Counts the events of `groups` stored with `since <= timestamp < until` (the current hour up to
 * now), by group id (groups without any may be absent). One query for all of them.
 */
export type HourlyEventCounter = (
  groups: readonly ArchivedGroupRef[],
  since: Date,
  until: Date,
) => Promise<Map<number, number>>;

/**
 * Reads when `groups` were first seen (their earliest stored event's timestamp, Sentry's
 * `Group.first_seen`), by group id; groups it cannot tell are absent. One query for all of them.
 */
export type FirstSeenReader = (groups: readonly ArchivedGroupRef[]) => Promise<Map<number, Date>>;

/** An archived issue that received events of the batch: their timestamps and the latest one's id. */
export interface ArchivedGroupEvents extends ArchivedGroupRef {
  timestamps: readonly Date[];
  /** Id of the batch's latest event of the issue (recorded in the activity). */
  latestEventId: string | undefined;
  /** When the issue was created (its first event was processed): first seen when unknown. */
  dateCreated: Date;
}

/** An issue whose events exceeded its forecast. */
export interface Escalation {
  groupId: number;
  projectId: number;
  /** Today's ceiling it exceeded. */
  forecast: number;
  eventId: string | undefined;
}

/** What the check found. */
export interface EscalationCheck {
  escalations: Escalation[];
  /** Checked issues without a live forecast, whose forecast is to be made again. */
  unforecast: ArchivedGroupRef[];
}

/**
 * Age under which an issue is not checked: 24 hours, in ms (Sentry's
 * `MAX_NEW_ESCALATION_AGE_HOURS`).
 */
export const NEW_ISSUE_AGE_MS = 24 * 3_600_000;

const HOUR_MS = 3_600_000;

/** What {@link findEscalations} reads from the event store. */
export interface EscalationReaders {
  counter: HourlyEventCounter;
  /** Without it, issues count as first seen when they were created. */
  firstSeen?: FirstSeenReader;
}

/**
 * Checks `groups` at `now` (see the module comment): the issues whose events of the current hour
 * exceed today's forecast, and those checked without a live forecast. Reads the forecasts (one
 * query) and, in parallel, the stored counts and first-seen times (one reader call each).
 */
export async function findEscalations(
  db: Kysely<Database>,
  groups: readonly ArchivedGroupEvents[],
  readers: EscalationReaders,
  now: Date,
): Promise<EscalationCheck> {
  const check: EscalationCheck = { escalations: [], unforecast: [] };
  if (groups.length === 0) return check;
  const since = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
  const refs = groups.map((g) => ({ groupId: g.groupId, projectId: g.projectId }));
  const [forecasts, stored, firstSeen] = await Promise.all([
    getForecasts(
      db,
      groups.map((g) => g.groupId),
    ),
    readers.counter(refs, since, now),
    readers.firstSeen?.(refs) ?? new Map<number, Date>(),
  ]);
  for (const group of groups) {
    const seen = firstSeen.get(group.groupId) ?? group.dateCreated;
    if (now.getTime() - seen.getTime() < NEW_ISSUE_AGE_MS) continue;
    const inBatch = group.timestamps.filter((t) => t >= since && t < now).length;
    const count = (stored.get(group.groupId) ?? 0) + inBatch;
    const forecast = forecasts.get(group.groupId);
    if (liveForecast(forecast, now) === undefined) {
      check.unforecast.push({ groupId: group.groupId, projectId: group.projectId });
    }
    const ceiling = todaysForecast(forecast, now);
    if (ceiling > 0 && count > ceiling) {
      check.escalations.push({
        groupId: group.groupId,
        projectId: group.projectId,
        forecast: ceiling,
        eventId: group.latestEventId,
      });
    }
  }
  return check;
}

/**
 * Escalates `escalations` with `trx`: each issue still archived until escalating becomes
 * unresolved / `escalating` (its forecast stays); returns the activities and inbox entries to
 * record (none for an issue that changed meanwhile).
 */
export async function escalate(
  trx: Transaction<Database>,
  escalations: readonly Escalation[],
  now: Date,
): Promise<{ activities: NewActivity[]; inbox: InboxAdd[] }> {
  const activities: NewActivity[] = [];
  const inbox: InboxAdd[] = [];
  for (const e of escalations) {
    const row = await trx
      .updateTable('groups')
      .set({ status: 'unresolved', substatus: 'escalating' })
      .where('id', '=', e.groupId)
      .where('status', '=', 'ignored')
      .where('substatus', '=', 'archived_until_escalating')
      .returning('id')
      .executeTakeFirst();
    if (row === undefined) continue;
    activities.push({
      projectId: e.projectId,
      groupId: e.groupId,
      type: 'set_escalating',
      data: { ...(e.eventId === undefined ? {} : { event_id: e.eventId }), forecast: e.forecast },
      date: now,
    });
    inbox.push({ projectId: e.projectId, groupId: e.groupId, reason: 'escalating' });
  }
  return { activities, inbox };
}
