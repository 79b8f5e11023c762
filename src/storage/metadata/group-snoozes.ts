/**
 * Snoozes: what ends an issue's "ignored until…" (Sentry `src/sentry/models/groupsnooze.py`,
 * `GroupSnooze.is_valid`): a date (`until`), a number of events — in total since the snooze, or
 * within a window of minutes — or a number of users (again in total or within a window).
 *
 * Event counts are kept here at ingestion, per batch (`countSnoozedEvents`): the events seen since
 * the snooze, and for a windowed count the events per time bucket of 1/60 of the window (so the
 * rate is exact to one bucket; Sentry reads its time-series store). User counts need distinct
 * users, which only ClickHouse knows: the issue maintenance job compares them
 * (`userSnoozeExpired`), with the user count at snooze time kept in `state.users_seen`.
 */
import type { Kysely, Selectable } from 'kysely';
import { isJsonObject, type JsonObject } from '../../protocol/json.js';
import { insertActivities, type NewActivity } from './activities.js';
import { chunks, decodeJsonObject, encodeJson, isoDate } from './columns.js';
import { addToInbox, type InboxAdd } from './group-inbox.js';
import type { Database, GroupSnoozesTable } from './schema.js';
import type { MetadataStore } from './store.js';

/** Longest window (minutes) Sentry accepts for `ignoreWindow` / `ignoreUserWindow`: one week. */
export const MAX_SNOOZE_WINDOW_MINUTES = 7 * 24 * 60;

/** Buckets per window of a windowed event count. */
const BUCKETS_PER_WINDOW = 60;

/** What a snooze remembers besides its condition. */
export interface SnoozeState {
  /** The event count when it was snoozed (Sentry's `state.times_seen`). */
  times_seen?: number;
  /** The distinct users when it was snoozed (Sentry's `state.users_seen`). */
  users_seen?: number;
  /** Events seen since the snooze (counted at ingestion). */
  events_seen: number;
  /** Windowed counts: bucket start (epoch ms, as text) → events. */
  buckets?: Record<string, number>;
}

/** An issue's snooze. */
export interface Snooze {
  groupId: number;
  /** When the snooze ends by itself; null when no date. */
  until: Date | null;
  /** Events that end it (within `window` minutes when set). */
  count: number | null;
  window: number | null;
  /** Users that end it (within `userWindow` minutes when set). */
  userCount: number | null;
  userWindow: number | null;
  state: SnoozeState;
  /** Who snoozed it; null for the system or a deleted user. */
  actorId: number | null;
  /** ISO-8601 UTC. */
  dateAdded: string;
}

/** The condition of a new snooze (Sentry's `ignoreUntil`, `ignoreCount`, ...; windows in minutes). */
export interface SnoozeCondition {
  until: Date | null;
  count: number | null;
  window: number | null;
  userCount: number | null;
  userWindow: number | null;
}

/** How a lifted snooze unresolves its issue: Sentry's `GroupInboxReason.ONGOING` or `ESCALATING`. */
export type SnoozeEnd = 'ongoing' | 'escalating';

function decodeState(text: string): SnoozeState {
  const raw = decodeJsonObject(text);
  const num = (v: unknown): number | undefined =>
    typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  const state: SnoozeState = { events_seen: num(raw.events_seen) ?? 0 };
  const timesSeen = num(raw.times_seen);
  const usersSeen = num(raw.users_seen);
  if (timesSeen !== undefined) state.times_seen = timesSeen;
  if (usersSeen !== undefined) state.users_seen = usersSeen;
  if (isJsonObject(raw.buckets)) {
    state.buckets = {};
    for (const [k, v] of Object.entries(raw.buckets)) {
      const n = num(v);
      if (n !== undefined) state.buckets[k] = n;
    }
  }
  return state;
}

function encodeState(state: SnoozeState): string {
  return encodeJson(state as unknown as JsonObject);
}

/** Decodes a `group_snoozes` row. */
export function toSnooze(row: Selectable<GroupSnoozesTable>): Snooze {
  return {
    groupId: row.group_id,
    until: row.ignore_until === null ? null : new Date(row.ignore_until),
    count: row.ignore_count,
    window: row.ignore_window,
    userCount: row.ignore_user_count,
    userWindow: row.ignore_user_window,
    state: decodeState(row.state),
    actorId: row.actor_id,
    dateAdded: row.date_added,
  };
}

/**
 * Snoozes `groupIds` with `condition` (Sentry's `GroupSnooze.objects.create_or_update`): replaces
 * a snooze they have; `state` carries the counts at snooze time (`times_seen`, `users_seen`).
 */
export async function setSnoozes(
  db: Kysely<Database>,
  groupIds: readonly number[],
  condition: SnoozeCondition,
  state: ReadonlyMap<number, Omit<SnoozeState, 'events_seen'>>,
  actorId: number | null,
  now: Date,
): Promise<void> {
  for (const groupId of groupIds) {
    const values = {
      ignore_until: condition.until === null ? null : isoDate(condition.until),
      ignore_count: condition.count,
      ignore_window: condition.window,
      ignore_user_count: condition.userCount,
      ignore_user_window: condition.userWindow,
      state: encodeState({ ...state.get(groupId), events_seen: 0 }),
      actor_id: actorId,
      date_added: isoDate(now),
    };
    await db
      .insertInto('group_snoozes')
      .values({ group_id: groupId, ...values })
      .onConflict((oc) => oc.column('group_id').doUpdateSet(values))
      .execute();
  }
}

/** Deletes the snoozes of `groupIds`. */
export async function deleteSnoozes(db: Kysely<Database>, groupIds: readonly number[]): Promise<void> {
  for (const part of chunks([...groupIds], 1_000)) {
    await db.deleteFrom('group_snoozes').where('group_id', 'in', part).execute();
  }
}

/** The snoozes of `groupIds`, by group id. */
export async function getSnoozes(
  db: Kysely<Database>,
  groupIds: readonly number[],
): Promise<Map<number, Snooze>> {
  const out = new Map<number, Snooze>();
  for (const part of chunks([...new Set(groupIds)], 1_000)) {
    const rows = await db.selectFrom('group_snoozes').selectAll().where('group_id', 'in', part).execute();
    for (const row of rows) out.set(row.group_id, toSnooze(row));
  }
  return out;
}

function bucketWidthMs(windowMinutes: number): number {
  return (windowMinutes * 60_000) / BUCKETS_PER_WINDOW;
}

/** Events of a windowed count within the last `window` minutes before `now` (whole buckets). */
function eventsInWindow(snooze: Snooze, now: Date): number {
  if (snooze.window === null) return 0;
  const width = bucketWidthMs(snooze.window);
  const from = now.getTime() - snooze.window * 60_000;
  let sum = 0;
  for (const [start, n] of Object.entries(snooze.state.buckets ?? {})) {
    if (Number(start) + width > from) sum += n;
  }
  return sum;
}

/** The state after `events` more events at `now`: the total and, for a windowed count, its bucket. */
export function countSnoozedEvents(snooze: Snooze, events: number, now: Date): SnoozeState {
  const state: SnoozeState = { ...snooze.state, events_seen: snooze.state.events_seen + events };
  if (snooze.count !== null && snooze.window !== null) {
    const width = bucketWidthMs(snooze.window);
    const oldest = now.getTime() - snooze.window * 60_000 - width;
    const buckets: Record<string, number> = {};
    for (const [start, n] of Object.entries(snooze.state.buckets ?? {})) {
      if (Number(start) >= oldest) buckets[start] = n;
    }
    const key = String(Math.floor(now.getTime() / width) * width);
    buckets[key] = (buckets[key] ?? 0) + events;
    state.buckets = buckets;
  }
  return state;
}

/**
 * Whether the event-side condition of `snooze` is met at `now` (Sentry's `is_valid` turning
 * false): its date passed, or its event count was reached (since the snooze, or within its
 * window). User counts are checked by {@link userSnoozeExpired}.
 */
export function snoozeExpired(snooze: Snooze, now: Date): boolean {
  if (snooze.until !== null && snooze.until.getTime() <= now.getTime()) return true;
  if (snooze.count !== null && snooze.count > 0) {
    const seen = snooze.window !== null ? eventsInWindow(snooze, now) : snooze.state.events_seen;
    if (seen >= snooze.count) return true;
  }
  return false;
}

/**
 * Whether the user condition of `snooze` is met, given the distinct users: in total
 * (`totalUsers`, compared with the count at snooze time plus `userCount`) or within the window
 * (`windowUsers`). Sentry's `test_user_counts` / `test_user_rates`.
 */
export function userSnoozeExpired(
  snooze: Snooze,
  users: { totalUsers: number; windowUsers: number },
): boolean {
  if (snooze.userCount === null || snooze.userCount <= 0) return false;
  if (snooze.userWindow !== null) return users.windowUsers >= snooze.userCount;
  return users.totalUsers >= snooze.userCount + (snooze.state.users_seen ?? 0);
}

/**
 * How a lifted snooze unresolves its issue (Sentry's `process_snoozes`): a snooze with a date
 * makes it `ongoing`, one on counts `escalating`.
 */
export function snoozeEnd(snooze: Snooze): SnoozeEnd {
  return snooze.until !== null ? 'ongoing' : 'escalating';
}

/**
 * Sentry's `snooze_details` of an expired snooze (the inbox reason details and the
 * `set_escalating` activity's `expired_snooze`): `{until, count, window, user_count, user_window}`,
 * `until` in ISO-8601 without fractions.
 */
export function snoozeDetails(snooze: Snooze): JsonObject {
  return {
    until: snooze.until === null ? null : snooze.until.toISOString().replace(/\.\d{3}Z$/, '+00:00'),
    count: snooze.count,
    window: snooze.window,
    user_count: snooze.userCount,
    user_window: snooze.userWindow,
  };
}

/**
 * The `ignoreCount` Sentry shows for a snooze: without a window, the events still to come
 * (`count - events since the snooze`); with one, the count itself.
 */
export function remainingIgnoreCount(snooze: Snooze): number | null {
  if (snooze.count === null) return null;
  return snooze.window === null ? snooze.count - snooze.state.events_seen : snooze.count;
}

/** What ending a snooze records: the activity and the inbox entry. */
export interface SnoozeEnding {
  activity: NewActivity;
  inbox: InboxAdd;
}

/**
 * Ends `snooze` of an ignored issue with `db` (a transaction): the issue becomes unresolved with
 * substatus `end` and the snooze is deleted (Sentry's `manage_issue_states` with reason `ONGOING`
 * or `ESCALATING`). Returns the `set_unresolved` / `set_escalating` activity (`{event_id?}`, plus
 * `expired_snooze` when escalating) and inbox entry to record, or undefined when the issue was no
 * longer ignored.
 */
export async function endSnooze(
  db: Kysely<Database>,
  target: { groupId: number; projectId: number },
  snooze: Snooze,
  end: SnoozeEnd,
  eventId: string | undefined,
  now: Date,
): Promise<SnoozeEnding | undefined> {
  const row = await db
    .updateTable('groups')
    .set({ status: 'unresolved', substatus: end })
    .where('id', '=', target.groupId)
    .where('status', '=', 'ignored')
    .returning('id')
    .executeTakeFirst();
  await db.deleteFrom('group_snoozes').where('group_id', '=', target.groupId).execute();
  if (row === undefined) return undefined;
  const details = snoozeDetails(snooze);
  const data: JsonObject = eventId === undefined ? {} : { event_id: eventId };
  if (end === 'escalating') data.expired_snooze = details;
  return {
    activity: {
      projectId: target.projectId,
      groupId: target.groupId,
      type: end === 'escalating' ? 'set_escalating' : 'set_unresolved',
      data,
      date: now,
    },
    inbox: { projectId: target.projectId, groupId: target.groupId, reason: end, details },
  };
}

/** An ignored issue's snooze with the project. */
export interface ProjectSnooze {
  projectId: number;
  snooze: Snooze;
}

/**
 * The snoozes of ignored issues that the maintenance job checks: those whose date has passed by
 * `now`, and those with a user count (which only ClickHouse can count).
 */
export async function listSnoozesToCheck(db: Kysely<Database>, now: Date): Promise<ProjectSnooze[]> {
  const rows = await db
    .selectFrom('group_snoozes as s')
    .innerJoin('groups as g', 'g.id', 's.group_id')
    .selectAll('s')
    .select('g.project_id')
    .where('g.status', '=', 'ignored')
    .where((eb) => eb.or([eb('s.ignore_until', '<=', isoDate(now)), eb('s.ignore_user_count', '>', 0)]))
    .orderBy('s.group_id')
    .execute();
  return rows.map((row) => ({ projectId: row.project_id, snooze: toSnooze(row) }));
}

/**
 * Ends the snoozes of `targets` with substatus `end` in one transaction, recording their
 * activities and inbox entries (the maintenance job's unsnoozing, without an event). Returns the
 * ids of the issues that became unresolved.
 */
export async function endSnoozes(
  store: MetadataStore,
  targets: readonly ProjectSnooze[],
  end: SnoozeEnd,
): Promise<number[]> {
  if (targets.length === 0) return [];
  const now = store.now();
  return store.db.transaction().execute(async (trx) => {
    const activities: NewActivity[] = [];
    const inbox: InboxAdd[] = [];
    const ended: number[] = [];
    for (const { projectId, snooze } of targets) {
      const ending = await endSnooze(
        trx,
        { groupId: snooze.groupId, projectId },
        snooze,
        end,
        undefined,
        now,
      );
      if (ending === undefined) continue;
      activities.push(ending.activity);
      inbox.push(ending.inbox);
      ended.push(snooze.groupId);
    }
    await insertActivities(trx, activities);
    await addToInbox(trx, inbox, now);
    return ended;
  });
}
