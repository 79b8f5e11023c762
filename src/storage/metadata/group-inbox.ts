/**
 * The issue inbox (Sentry `src/sentry/models/groupinbox.py`): issues waiting to be reviewed —
 * new, regressed, escalating or unignored ones, or put back by hand — which `is:for_review`
 * lists. Resolving, ignoring, deleting or marking an issue reviewed takes it out; Sentry's daily
 * task also takes out entries older than seven days (`TRANSITION_AFTER_DAYS`), which Vigil
 * applies when searching instead (`INBOX_DAYS`).
 */
import type { Kysely } from 'kysely';
import type { JsonObject } from '../../protocol/json.js';
import { decodeJsonObject, encodeJson, isoDate } from './columns.js';
import type { GroupPredicate } from './group-states.js';
import type { Database } from './schema.js';

/** Why an issue is in the inbox: Sentry's `GroupInboxReason` numbers. */
export const INBOX_REASONS = {
  new: 0,
  unignored: 1,
  regression: 2,
  manual: 3,
  reprocessed: 4,
  escalating: 5,
  ongoing: 6,
} as const;

/** A `GroupInboxReason` name. */
export type InboxReason = keyof typeof INBOX_REASONS;

/** Days an inbox entry counts for `is:for_review` (Sentry's `TRANSITION_AFTER_DAYS`). */
export const INBOX_DAYS = 7;

/** An issue's inbox entry. */
export interface InboxEntry {
  groupId: number;
  /** Sentry's `GroupInboxReason` number. */
  reason: number;
  /** `{until, count, window, user_count, user_window}` of an expired snooze, or null. */
  reasonDetails: JsonObject | null;
  /** ISO-8601 UTC. */
  dateAdded: string;
}

/** One issue to put into the inbox. */
export interface InboxAdd {
  projectId: number;
  groupId: number;
  reason: InboxReason;
  details?: JsonObject | null;
}

/**
 * Puts issues into the inbox with `db` (a store or transaction), replacing an entry they have
 * (Sentry's `add_group_to_inbox`, `create_or_update`): the reason and date are the new ones.
 */
export async function addToInbox(
  db: Kysely<Database>,
  entries: readonly InboxAdd[],
  now: Date,
): Promise<void> {
  for (const entry of entries) {
    const values = {
      reason: INBOX_REASONS[entry.reason],
      reason_details: entry.details ? encodeJson(entry.details) : null,
      date_added: isoDate(now),
    };
    await db
      .insertInto('group_inbox')
      .values({ project_id: entry.projectId, group_id: entry.groupId, ...values })
      .onConflict((oc) => oc.column('group_id').doUpdateSet(values))
      .execute();
  }
}

/** Takes issues out of the inbox; returns the ids that were in it. */
export async function removeFromInbox(db: Kysely<Database>, groupIds: readonly number[]): Promise<number[]> {
  if (groupIds.length === 0) return [];
  const rows = await db
    .deleteFrom('group_inbox')
    .where('group_id', 'in', [...groupIds])
    .returning('group_id')
    .execute();
  return rows.map((r) => r.group_id);
}

/** The inbox entries of `groupIds` (absent ones are not in the inbox). */
export async function getInboxEntries(
  db: Kysely<Database>,
  groupIds: readonly number[],
): Promise<Map<number, InboxEntry>> {
  const out = new Map<number, InboxEntry>();
  if (groupIds.length === 0) return out;
  const rows = await db
    .selectFrom('group_inbox')
    .selectAll()
    .where('group_id', 'in', [...groupIds])
    .execute();
  for (const row of rows) {
    out.set(row.group_id, {
      groupId: row.group_id,
      reason: row.reason,
      reasonDetails: row.reason_details === null ? null : decodeJsonObject(row.reason_details),
      dateAdded: row.date_added,
    });
  }
  return out;
}

/** What {@link inboxDatesWhere} lists. */
export interface InboxDatesQuery {
  /** The searched projects; none = nothing. */
  projectIds: readonly number[];
  /** A condition on the issues' `groups` rows (the issue-state filters of a search). */
  predicate: GroupPredicate;
  /** Entries added at or after `since` and at or before `until` (Sentry's `date_added` range). */
  since: Date;
  until: Date;
}

/**
 * The inbox dates of the issues of `query.projectIds` that meet `query.predicate` and entered
 * the inbox within `[since, until]`, by group id, in no particular order: the candidates of the
 * issue stream's `inbox` sort (Sentry `inbox_search` in
 * `src/sentry/issues/endpoints/organization_group_index.py` filters `GroupInbox.date_added`
 * the same way). One statement: the predicate runs in a subquery over `groups`.
 */
export async function inboxDatesWhere(
  db: Kysely<Database>,
  query: InboxDatesQuery,
): Promise<Map<number, Date>> {
  const out = new Map<number, Date>();
  if (query.projectIds.length === 0) return out;
  const projectIds = [...new Set(query.projectIds)];
  const rows = await db
    .selectFrom('group_inbox')
    .select(['group_id', 'date_added'])
    .where('project_id', 'in', projectIds)
    .where('date_added', '>=', isoDate(query.since))
    .where('date_added', '<=', isoDate(query.until))
    .where('group_id', 'in', (eb) =>
      eb.selectFrom('groups').select('id').where('project_id', 'in', projectIds).where(query.predicate),
    )
    .execute();
  for (const row of rows) out.set(row.group_id, new Date(row.date_added));
  return out;
}
