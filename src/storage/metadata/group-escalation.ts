/**
 * Ingestion's escalation check of issues archived until escalating (Sentry
 * `src/sentry/tasks/post_process.py` `process_snoozes` → `is_escalating` and `manage_issue_states`
 * with reason `ESCALATING`, `src/sentry/issues/escalating/escalating.py`): an issue whose events
 * of the current clock hour exceed today's ceiling of its forecast (`group-forecasts.ts`) becomes
 * unresolved with substatus `escalating`, goes into the inbox (reason `escalating`) and gets a
 * `set_escalating` activity `{event_id, forecast}`.
 *
 * The hour's events are the event store's (read once per batch, for the batch's archived issues
 * only, through a {@link HourlyEventCounter}) plus the batch's own, which are not stored yet.
 * Sentry skips issues less than a day old (they take its "new issue escalation" path, which Vigil
 * does not have); here every archived issue is checked.
 */
import type { Kysely, Transaction } from 'kysely';
import type { NewActivity } from './activities.js';
import { getForecasts, todaysForecast } from './group-forecasts.js';
import type { InboxAdd } from './group-inbox.js';
import type { Database } from './schema.js';

/**
 * Counts the events of `groups` stored since `since` (the start of the current hour), by group
 * id (groups without any may be absent). One query for all of them.
 */
export type HourlyEventCounter = (
  groups: ReadonlyArray<{ groupId: number; projectId: number }>,
  since: Date,
) => Promise<Map<number, number>>;

/** An archived issue that received events of the batch: their timestamps and the latest one's id. */
export interface ArchivedGroupEvents {
  groupId: number;
  projectId: number;
  timestamps: readonly Date[];
  /** Id of the batch's latest event of the issue (recorded in the activity). */
  latestEventId: string | undefined;
}

/** An issue whose events exceeded its forecast. */
export interface Escalation {
  groupId: number;
  projectId: number;
  /** Today's ceiling it exceeded. */
  forecast: number;
  eventId: string | undefined;
}

const HOUR_MS = 3_600_000;

/**
 * The issues of `groups` whose events of the current hour (stored ones counted by `counter`, plus
 * the batch's own) exceed today's forecast at `now` (Sentry's `group_hourly_count > forecast_today`).
 * Reads the forecasts (one query) and the stored counts (one `counter` call).
 */
export async function findEscalations(
  db: Kysely<Database>,
  groups: readonly ArchivedGroupEvents[],
  counter: HourlyEventCounter,
  now: Date,
): Promise<Escalation[]> {
  if (groups.length === 0) return [];
  const since = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
  const [forecasts, stored] = await Promise.all([
    getForecasts(
      db,
      groups.map((g) => g.groupId),
    ),
    counter(groups, since),
  ]);
  const escalations: Escalation[] = [];
  for (const group of groups) {
    const inBatch = group.timestamps.filter((t) => t.getTime() >= since.getTime()).length;
    const count = (stored.get(group.groupId) ?? 0) + inBatch;
    const forecast = todaysForecast(forecasts.get(group.groupId), now);
    if (count > forecast) {
      escalations.push({
        groupId: group.groupId,
        projectId: group.projectId,
        forecast,
        eventId: group.latestEventId,
      });
    }
  }
  return escalations;
}

/**
 * Escalates `escalations` with `trx`: each issue still archived until escalating becomes
 * unresolved / `escalating` and loses its forecast; returns the activities and inbox entries to
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
    await trx.deleteFrom('group_forecasts').where('group_id', '=', e.groupId).execute();
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
