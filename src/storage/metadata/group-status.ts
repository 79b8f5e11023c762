/**
 * Status changes of issues by a user or the API (Sentry `src/sentry/api/helpers/group_index/update.py`
 * `update_groups`: `handle_resolve_in_release`, `handle_other_status_updates`, and
 * `src/sentry/issues/status_change.py` `handle_status_update`, `src/sentry/issues/ignored.py`
 * `handle_ignored`), in one transaction: the status and substatus, the release resolution, the
 * snooze, the inbox, the activity and the acting user's subscription.
 */
import type { JsonObject } from '../../protocol/json.js';
import { insertActivities, type ActivityType, type NewActivity } from './activities.js';
import { isoDate } from './columns.js';
import { setForecasts } from './group-forecasts.js';
import { addToInbox, removeFromInbox } from './group-inbox.js';
import { deleteResolutions, setResolution, type NewResolution } from './group-resolutions.js';
import { deleteSnoozes, setSnoozes, type SnoozeCondition, type SnoozeState } from './group-snoozes.js';
import { subscribe } from './group-user-states.js';
import { toGroup, type Group, type GroupStatus, type GroupSubstatus } from './groups.js';
import type { MetadataStore } from './store.js';

const STATUS_ACTIVITY = {
  resolved: 'set_resolved',
  unresolved: 'set_unresolved',
  ignored: 'set_ignored',
} as const satisfies Record<GroupStatus, ActivityType>;

/** A status change of some issues. */
export interface GroupStatusChangeInput {
  groupIds: readonly number[];
  status: GroupStatus;
  substatus: GroupSubstatus | null;
  /** The acting user; null for the system. */
  actorId: number | null;
  /** The activity's type; default `set_resolved` / `set_unresolved` / `set_ignored` by status. */
  activityType?: ActivityType;
  /** The activity's data, by group id; default `{}`. */
  activityData?: ReadonlyMap<number, JsonObject> | JsonObject;
  /**
   * Resolved only: release resolutions by group id. An issue that gets one records its activity
   * only when it had none (Sentry's `get_or_create`); others record a plain resolve every time
   * when `recordRepeatedResolve`, else only when they were not resolved.
   */
  resolutions?: ReadonlyMap<number, Omit<NewResolution, 'groupId' | 'actorId'>>;
  recordRepeatedResolve?: boolean;
  /** Ignored only: the snooze; without one, snoozes the issues had are deleted. */
  snooze?: { condition: SnoozeCondition; state: ReadonlyMap<number, Omit<SnoozeState, 'events_seen'>> };
  /**
   * Ignored with substatus `archived_until_escalating` only: the issues' new escalation forecasts
   * (group id → daily ceilings, `group-forecasts.ts`); an issue without one keeps the one it had,
   * if any (Sentry saves forecasts only for issues with events in the last week). No status
   * change deletes forecasts: they expire.
   */
  forecasts?: ReadonlyMap<number, readonly number[]>;
  /** Subscribe the acting user (reason `status_change`), as single-issue updates do. */
  subscribeActor?: boolean;
}

function activityDataFor(input: GroupStatusChangeInput, groupId: number): JsonObject {
  const data = input.activityData;
  if (data === undefined) return {};
  if (data instanceof Map) return (data as ReadonlyMap<number, JsonObject>).get(groupId) ?? {};
  return data as JsonObject;
}

/**
 * Applies a status change; returns the issues after it (unknown ids skipped), by id.
 * - `resolved`: status resolved, substatus null, `resolved_at` now; release resolutions recorded;
 *   out of the inbox; snoozes deleted.
 * - `unresolved` / `ignored`: only issues whose status or substatus differs are changed
 *   (`resolved_at` cleared; `active_at` now when an issue becomes unresolved); an activity for each
 *   whose status changed; release resolutions deleted; `ignored` takes the issues out of the
 *   inbox and sets (or deletes) their snooze, `unresolved` deletes snoozes;
 *   `ignored` / `archived_until_escalating` stores `forecasts`.
 * Concurrent changes of one issue record one activity per actual transition.
 */
export async function changeGroupStatus(
  store: MetadataStore,
  input: GroupStatusChangeInput,
): Promise<Map<number, Group>> {
  const now = store.now();
  return store.db.transaction().execute(async (trx) => {
    const after = new Map<number, Group>();
    const activities: NewActivity[] = [];
    for (const id of input.groupIds) {
      for (;;) {
        const current = await trx.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
        if (current === undefined) break;
        let record: boolean;
        if (input.status === 'resolved') {
          const resolution = input.resolutions?.get(id);
          if (resolution !== undefined) {
            const existed = await trx
              .selectFrom('group_resolutions')
              .select('id')
              .where('group_id', '=', id)
              .executeTakeFirst();
            await setResolution(trx, { ...resolution, groupId: id, actorId: input.actorId }, now);
            record = existed === undefined;
          } else {
            record = input.recordRepeatedResolve === true || current.status !== 'resolved';
          }
        } else {
          if (current.status === input.status && current.substatus === input.substatus) {
            after.set(id, toGroup(current));
            break;
          }
          record = current.status !== input.status;
        }
        const updated = await trx
          .updateTable('groups')
          .set({
            status: input.status,
            substatus: input.status === 'resolved' ? null : input.substatus,
            resolved_at: input.status === 'resolved' ? isoDate(now) : null,
            active_at:
              input.status === 'unresolved' && current.status !== 'unresolved'
                ? isoDate(now)
                : current.active_at,
          })
          .where('id', '=', id)
          // Optimistic: a concurrent change of this issue makes us re-read and decide again.
          .where('status', '=', current.status)
          .returningAll()
          .executeTakeFirst();
        if (updated === undefined) continue;
        after.set(id, toGroup(updated));
        if (record) {
          activities.push({
            projectId: updated.project_id,
            groupId: id,
            type: input.activityType ?? STATUS_ACTIVITY[input.status],
            data: activityDataFor(input, id),
            userId: input.actorId,
            date: now,
          });
        }
        break;
      }
    }
    const ids = [...after.keys()];
    if (input.status !== 'resolved') await deleteResolutions(trx, ids);
    if (input.status !== 'unresolved') await removeFromInbox(trx, ids);
    if (input.status === 'ignored' && input.snooze !== undefined) {
      await setSnoozes(trx, ids, input.snooze.condition, input.snooze.state, input.actorId, now);
    } else {
      await deleteSnoozes(trx, ids);
    }
    if (input.status === 'ignored' && input.substatus === 'archived_until_escalating') {
      const forecasts = new Map([...(input.forecasts ?? [])].filter(([id]) => after.has(id)));
      await setForecasts(trx, forecasts, now);
    }
    if (input.subscribeActor === true && input.actorId !== null) {
      await subscribe(
        trx,
        [...after.values()].map((g) => ({ id: g.id, project_id: g.project_id })),
        [input.actorId],
        'status_change',
        now,
      );
    }
    await insertActivities(trx, activities);
    return after;
  });
}

/** A requested status change; `substatus` defaults per status (see `updateGroupStatus`). */
export interface GroupStatusChange {
  status: GroupStatus;
  substatus?: GroupSubstatus | null;
}

function defaultSubstatus(status: GroupStatus): GroupSubstatus | null {
  if (status === 'unresolved') return 'ongoing';
  if (status === 'ignored') return 'archived_forever';
  return null;
}

/**
 * Sets the status of group `id` on behalf of `actorUserId` (null: the system) with
 * {@link changeGroupStatus}; `substatus` defaults to `ongoing` for unresolved and
 * `archived_forever` for ignored. An activity is recorded only when the status changes.
 * Returns the group after the change, or `undefined` when it does not exist.
 */
export async function updateGroupStatus(
  store: MetadataStore,
  id: number,
  change: GroupStatusChange,
  actorUserId?: number | null,
): Promise<Group | undefined> {
  const substatus = change.substatus === undefined ? defaultSubstatus(change.status) : change.substatus;
  const after = await changeGroupStatus(store, {
    groupIds: [id],
    status: change.status,
    substatus,
    actorId: actorUserId ?? null,
  });
  return after.get(id);
}

/**
 * Marks issues reviewed (Sentry's `update_inbox` with `inbox: false`): takes them out of the inbox
 * with a `mark_reviewed` activity by `actorId` (only those that were in it), and moves unresolved
 * ones whose substatus is not `ongoing` to `ongoing` with an `auto_set_ongoing` activity
 * `{manually: true}`.
 */
export async function markGroupsReviewed(
  store: MetadataStore,
  groupIds: readonly number[],
  actorId: number | null,
): Promise<void> {
  const now = store.now();
  await store.db.transaction().execute(async (trx) => {
    const removed = new Set(await removeFromInbox(trx, groupIds));
    const activities: NewActivity[] = [];
    for (const id of groupIds) {
      const current = await trx.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
      if (current === undefined) continue;
      if (removed.has(id) && actorId !== null) {
        activities.push({
          projectId: current.project_id,
          groupId: id,
          type: 'mark_reviewed',
          data: {},
          userId: actorId,
          date: now,
        });
      }
      if (current.status !== 'unresolved' || current.substatus === 'ongoing') continue;
      const moved = await trx
        .updateTable('groups')
        .set({ substatus: 'ongoing' })
        .where('id', '=', id)
        .where('status', '=', 'unresolved')
        .where((eb) => eb.or([eb('substatus', 'is', null), eb('substatus', '!=', 'ongoing')]))
        .returning('id')
        .executeTakeFirst();
      if (moved !== undefined) {
        activities.push({
          projectId: current.project_id,
          groupId: id,
          type: 'auto_set_ongoing',
          data: { manually: true },
          userId: actorId,
          date: now,
        });
      }
    }
    await insertActivities(trx, activities);
  });
}

/** Puts issues back into the inbox by hand (`inbox: true`, Sentry's reason `manual`). */
export async function putGroupsInInbox(
  store: MetadataStore,
  groups: ReadonlyArray<{ id: number; project_id: number }>,
): Promise<void> {
  await addToInbox(
    store.db,
    groups.map((g) => ({ projectId: g.project_id, groupId: g.id, reason: 'manual' as const })),
    store.now(),
  );
}
