/**
 * Loads the workflow fields of issues for the requesting user (Sentry
 * `src/sentry/api/serializers/models/group.py`, `GroupSerializerBase.get_attrs` and
 * `_get_status`): the shown status and `statusDetails` (snooze or release resolution, with its
 * actor), `assignedTo`, `isBookmarked`, `hasSeen`, `isSubscribed` and `subscriptionDetails`.
 * A handful of queries per page of issues, whatever its size.
 */
import type { JsonObject } from '../../protocol/json.js';
import {
  getAssignees,
  getResolutions,
  getSnoozes,
  getTeamsById,
  getUserGroupStates,
  getUsers,
  remainingIgnoreCount,
  snoozeExpired,
  SUBSCRIPTION_REASONS,
  type Group,
  type MetadataStore,
  type Snooze,
  type User,
} from '../../storage/metadata/index.js';
import { serializeActor, serializeUserAccount, type IssueWorkflow } from './serializers/index.js';

/** Sentry's `SUBSCRIPTION_REASON_MAP`: the `reason` of `subscriptionDetails`; others are `unknown`. */
const SUBSCRIPTION_REASON_NAMES: Readonly<Record<number, string>> = {
  [SUBSCRIPTION_REASONS.comment]: 'commented',
  [SUBSCRIPTION_REASONS.assigned]: 'assigned',
  [SUBSCRIPTION_REASONS.bookmark]: 'bookmarked',
  [SUBSCRIPTION_REASONS.status_change]: 'changed_status',
  [SUBSCRIPTION_REASONS.mentioned]: 'mentioned',
  [SUBSCRIPTION_REASONS.team_mentioned]: 'team_mentioned',
};

/** Options of {@link loadIssueWorkflows}. */
export interface LoadIssueWorkflowOptions {
  /** The requesting user; null for an organization token (nothing bookmarked, seen or subscribed). */
  userId: number | null;
  /** Now, for snoozes that ended; default the store's clock. */
  now?: Date;
  /** Distinct users per issue (all time), for the users still to come of a user-count snooze. */
  userCounts?: ReadonlyMap<number, number>;
}

function snoozeStatusDetails(
  snooze: Snooze,
  actor: User | undefined,
  userCount: number | undefined,
): JsonObject {
  const remainingUsers =
    snooze.userCount !== null && snooze.userWindow === null && userCount !== undefined
      ? snooze.userCount - (userCount - (snooze.state.users_seen ?? 0))
      : snooze.userCount;
  return {
    ignoreCount: remainingIgnoreCount(snooze),
    ignoreUntil: snooze.until === null ? null : snooze.until.toISOString(),
    ignoreUserCount: remainingUsers,
    ignoreUserWindow: snooze.userWindow,
    ignoreWindow: snooze.window,
    actor: actor === undefined ? null : serializeUserAccount(actor),
  };
}

/** The workflow state of each of `groups` for the requesting user, by group id. */
export async function loadIssueWorkflows(
  metadata: MetadataStore,
  groups: readonly Group[],
  options: LoadIssueWorkflowOptions,
): Promise<Map<number, IssueWorkflow>> {
  const out = new Map<number, IssueWorkflow>();
  if (groups.length === 0) return out;
  const now = options.now ?? metadata.now();
  const ids = groups.map((g) => g.id);
  const [assignees, snoozes, resolutions, states] = await Promise.all([
    getAssignees(metadata.db, ids),
    getSnoozes(
      metadata.db,
      groups.filter((g) => g.status === 'ignored').map((g) => g.id),
    ),
    getResolutions(
      metadata.db,
      groups.filter((g) => g.status === 'resolved').map((g) => g.id),
    ),
    options.userId === null ? undefined : getUserGroupStates(metadata.db, ids, options.userId),
  ]);
  const userIds = new Set<number>();
  const teamIds = new Set<number>();
  for (const a of assignees.values()) (a.type === 'user' ? userIds : teamIds).add(a.id);
  for (const s of snoozes.values()) if (s.actorId !== null) userIds.add(s.actorId);
  for (const r of resolutions.values()) if (r.actorId !== null) userIds.add(r.actorId);
  const [users, teams] = await Promise.all([
    getUsers(metadata, [...userIds]),
    getTeamsById(metadata.db, [...teamIds]),
  ]);

  for (const group of groups) {
    let status = group.status;
    let statusDetails: JsonObject = {};
    const snooze = snoozes.get(group.id);
    if (group.status === 'ignored' && snooze !== undefined) {
      if (snoozeExpired(snooze, now)) status = 'unresolved';
      else {
        statusDetails = snoozeStatusDetails(
          snooze,
          snooze.actorId === null ? undefined : users.get(snooze.actorId),
          options.userCounts?.get(group.id),
        );
      }
    }
    const resolution = resolutions.get(group.id);
    if (group.status === 'resolved' && resolution !== undefined) {
      const actor = resolution.actorId === null ? undefined : users.get(resolution.actorId);
      statusDetails =
        resolution.type === 'in_next_release'
          ? { inNextRelease: true }
          : { inRelease: resolution.release.version };
      statusDetails.actor = actor === undefined ? null : serializeUserAccount(actor);
    }
    const assignee = assignees.get(group.id);
    const assigneeUser = assignee?.type === 'user' ? users.get(assignee.id) : undefined;
    const assigneeTeam = assignee?.type === 'team' ? teams.get(assignee.id) : undefined;
    const subscription = states?.subscriptions.get(group.id);
    const seen = states?.seen.get(group.id);
    const activeAt = Date.parse(group.active_at || group.date_created);
    out.set(group.id, {
      status,
      statusDetails,
      assignedTo:
        assigneeUser !== undefined
          ? serializeActor({ type: 'user', user: assigneeUser })
          : assigneeTeam !== undefined
            ? serializeActor({ type: 'team', team: assigneeTeam })
            : null,
      isBookmarked: states?.bookmarked.has(group.id) ?? false,
      isSubscribed: subscription?.isActive ?? false,
      subscriptionDetails:
        subscription?.isActive === true
          ? { reason: SUBSCRIPTION_REASON_NAMES[subscription.reason] ?? 'unknown' }
          : null,
      hasSeen: seen !== undefined && Date.parse(seen) > activeAt,
    });
  }
  return out;
}
