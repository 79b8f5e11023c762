/**
 * A user's own relation to issues (Sentry `GroupBookmark`, `GroupSeen`, `GroupSubscription` in
 * `src/sentry/models/`): bookmarks, when the user last looked at an issue, and workflow
 * subscriptions with Sentry's reasons. Bookmarking subscribes (reason `bookmark`), unbookmarking
 * drops the subscription, as `handle_is_bookmarked` does.
 */
import type { Kysely } from 'kysely';
import { chunks, isoDate } from './columns.js';
import type { Database } from './schema.js';

/** Sentry's `GroupSubscriptionReason` numbers. */
export const SUBSCRIPTION_REASONS = {
  unknown: 0,
  comment: 1,
  assigned: 2,
  bookmark: 3,
  status_change: 4,
  deploy_setting: 5,
  mentioned: 6,
  team_mentioned: 7,
} as const;

/** A `GroupSubscriptionReason` name. */
export type SubscriptionReason = keyof typeof SUBSCRIPTION_REASONS;

/** One issue of a per-user change: the group and its project. */
export interface GroupRef {
  id: number;
  project_id: number;
}

/** A user's subscription to an issue. */
export interface Subscription {
  isActive: boolean;
  /** Sentry's `GroupSubscriptionReason` number. */
  reason: number;
}

/** The user's state on each of a list of issues. */
export interface UserGroupStates {
  bookmarked: Set<number>;
  /** Group id → when the user last saw it (ISO-8601 UTC). */
  seen: Map<number, string>;
  subscriptions: Map<number, Subscription>;
}

/** Bookmarks `groups` for `userId` (kept if already bookmarked) and subscribes the user. */
export async function addBookmarks(
  db: Kysely<Database>,
  groups: readonly GroupRef[],
  userId: number,
  now: Date,
): Promise<void> {
  for (const part of chunks([...groups], 1_000)) {
    await db
      .insertInto('group_bookmarks')
      .values(
        part.map((g) => ({
          project_id: g.project_id,
          group_id: g.id,
          user_id: userId,
          date_added: isoDate(now),
        })),
      )
      .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
      .execute();
  }
  await subscribe(db, groups, [userId], 'bookmark', now);
}

/** Removes `userId`'s bookmarks of `groupIds` and the user's subscriptions to them. */
export async function removeBookmarks(
  db: Kysely<Database>,
  groupIds: readonly number[],
  userId: number,
): Promise<void> {
  for (const part of chunks([...groupIds], 1_000)) {
    await db
      .deleteFrom('group_bookmarks')
      .where('group_id', 'in', part)
      .where('user_id', '=', userId)
      .execute();
    await db
      .deleteFrom('group_subscriptions')
      .where('group_id', 'in', part)
      .where('user_id', '=', userId)
      .execute();
  }
}

/** Records that `userId` saw `groups` at `now` (Sentry's `GroupSeen` create-or-update). */
export async function markSeen(
  db: Kysely<Database>,
  groups: readonly GroupRef[],
  userId: number,
  now: Date,
): Promise<void> {
  // One row per group: Postgres refuses to update a row twice in one statement.
  const unique = [...new Map(groups.map((g) => [g.id, g])).values()];
  for (const part of chunks(unique, 1_000)) {
    await db
      .insertInto('group_seen')
      .values(
        part.map((g) => ({
          project_id: g.project_id,
          group_id: g.id,
          user_id: userId,
          last_seen: isoDate(now),
        })),
      )
      .onConflict((oc) => oc.columns(['group_id', 'user_id']).doUpdateSet({ last_seen: isoDate(now) }))
      .execute();
  }
}

/** Forgets that `userId` saw `groupIds` (`hasSeen: false`). */
export async function unmarkSeen(
  db: Kysely<Database>,
  groupIds: readonly number[],
  userId: number,
): Promise<void> {
  for (const part of chunks([...groupIds], 1_000)) {
    await db.deleteFrom('group_seen').where('group_id', 'in', part).where('user_id', '=', userId).execute();
  }
}

/**
 * Subscribes `userIds` to `groups` with `reason` (Sentry's `GroupSubscription.objects.subscribe`:
 * an existing subscription, active or not, is left as it is).
 */
export async function subscribe(
  db: Kysely<Database>,
  groups: readonly GroupRef[],
  userIds: readonly number[],
  reason: SubscriptionReason,
  now: Date,
): Promise<void> {
  const rows = groups.flatMap((group) =>
    userIds.map((userId) => ({
      project_id: group.project_id,
      group_id: group.id,
      user_id: userId,
      is_active: 1,
      reason: SUBSCRIPTION_REASONS[reason],
      date_added: isoDate(now),
    })),
  );
  for (const part of chunks(rows, 1_000)) {
    await db
      .insertInto('group_subscriptions')
      .values(part)
      .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
      .execute();
  }
}

/**
 * Sets `userId`'s subscription to `groups` active or not, with reason `unknown` (Sentry's
 * `handle_is_subscribed`: an explicit (un)subscribe clears the earlier reason).
 */
export async function setSubscribed(
  db: Kysely<Database>,
  groups: readonly GroupRef[],
  userId: number,
  active: boolean,
  now: Date,
): Promise<void> {
  for (const group of groups) {
    const values = { is_active: active ? 1 : 0, reason: SUBSCRIPTION_REASONS.unknown };
    await db
      .insertInto('group_subscriptions')
      .values({
        project_id: group.project_id,
        group_id: group.id,
        user_id: userId,
        date_added: isoDate(now),
        ...values,
      })
      .onConflict((oc) => oc.columns(['group_id', 'user_id']).doUpdateSet(values))
      .execute();
  }
}

/** Drops the subscriptions of `userIds` to `groupId` that were made with `reason`. */
export async function unsubscribeReason(
  db: Kysely<Database>,
  groupId: number,
  userIds: readonly number[],
  reason: SubscriptionReason,
): Promise<void> {
  if (userIds.length === 0) return;
  await db
    .deleteFrom('group_subscriptions')
    .where('group_id', '=', groupId)
    .where('user_id', 'in', [...userIds])
    .where('reason', '=', SUBSCRIPTION_REASONS[reason])
    .execute();
}

/** `userId`'s bookmarks, seen dates and subscriptions for `groupIds`. */
export async function getUserGroupStates(
  db: Kysely<Database>,
  groupIds: readonly number[],
  userId: number,
): Promise<UserGroupStates> {
  const states: UserGroupStates = { bookmarked: new Set(), seen: new Map(), subscriptions: new Map() };
  for (const part of chunks([...new Set(groupIds)], 1_000)) {
    const [bookmarks, seen, subscriptions] = await Promise.all([
      db
        .selectFrom('group_bookmarks')
        .select('group_id')
        .where('user_id', '=', userId)
        .where('group_id', 'in', part)
        .execute(),
      db
        .selectFrom('group_seen')
        .select(['group_id', 'last_seen'])
        .where('user_id', '=', userId)
        .where('group_id', 'in', part)
        .execute(),
      db
        .selectFrom('group_subscriptions')
        .select(['group_id', 'is_active', 'reason'])
        .where('user_id', '=', userId)
        .where('group_id', 'in', part)
        .execute(),
    ]);
    for (const row of bookmarks) states.bookmarked.add(row.group_id);
    for (const row of seen) states.seen.set(row.group_id, row.last_seen);
    for (const row of subscriptions) {
      states.subscriptions.set(row.group_id, { isActive: row.is_active !== 0, reason: row.reason });
    }
  }
  return states;
}

/** The users who saw `groupId`, most recent first, at most `limit` (Sentry's `seenBy`). */
export async function listSeenBy(
  db: Kysely<Database>,
  groupId: number,
  limit = 100,
): Promise<Array<{ userId: number; lastSeen: string }>> {
  const rows = await db
    .selectFrom('group_seen')
    .select(['user_id', 'last_seen'])
    .where('group_id', '=', groupId)
    .orderBy('last_seen', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ userId: r.user_id, lastSeen: r.last_seen }));
}

/** The users actively subscribed to `groupId` (Sentry's `participants`). */
export async function listParticipants(db: Kysely<Database>, groupId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('group_subscriptions')
    .select('user_id')
    .where('group_id', '=', groupId)
    .where('is_active', '=', 1)
    .orderBy('user_id')
    .execute();
  return rows.map((r) => r.user_id);
}
