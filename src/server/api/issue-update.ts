/**
 * Issue updates as Sentry's `update_groups` applies them
 * (`src/sentry/api/helpers/group_index/update.py`): the status (resolve — now, in a release, in the
 * next release —, unresolve, ignore forever / until escalating / until a condition), assignment,
 * bookmarks, seen marks, subscriptions, the inbox and merges, for one issue or many. The answer is
 * Sentry's: the validated fields with what each action made of them (`statusDetails`,
 * `assignedTo`, `merge: {parent, children}`, `inbox`, ...).
 *
 * Validation against stored data happens before anything changes, as Sentry's validator runs
 * first: the releases of `inRelease` / `inNextRelease` (per project) and the actor of `assignedTo`.
 */
import type { Logger } from 'pino';
import type { JsonObject } from '../../protocol/json.js';
import { isSemverRelease } from '../../protocol/release-version.js';
import {
  lastGroupRelease,
  queryIssueAggregates,
  type ClickHouseStore,
} from '../../storage/clickhouse/index.js';
import {
  addBookmarks,
  assignGroups,
  changeGroupStatus,
  getMembership,
  getUser,
  getUserByEmail,
  getUserByUsername,
  greatestSemverRelease,
  listActivityLog,
  getUsers,
  markGroupsReviewed,
  markSeen,
  mostRecentRelease,
  projectFollowsSemver,
  projectRelease,
  putGroupsInInbox,
  releaseAfter,
  removeBookmarks,
  setSubscribed,
  unassignGroups,
  unmarkSeen,
  getTeamsById,
  getReleaseRefs,
  type Assignee,
  type Group,
  type GroupSubstatus,
  type MetadataStore,
  type NewResolution,
  type Organization,
  type Project,
  type ReleaseRef,
  type SnoozeCondition,
  type User,
} from '../../storage/metadata/index.js';
import { hasIgnoreCondition, type IssueUpdateBody, type UpdateStatusDetails } from './issue-update-body.js';
import {
  serializeActivity,
  serializeActor,
  serializeUserAccount,
  type ActorRecord,
} from './serializers/index.js';
import { mergeIssues } from '../services/issue-removal.js';

/** Days after its first event an issue still counts as new (Sentry's `TRANSITION_AFTER_DAYS`). */
const NEW_ISSUE_DAYS = 7;

/** Who and where an update acts. */
export interface IssueUpdateContext {
  metadata: MetadataStore;
  clickhouse: Pick<ClickHouseStore, 'client'>;
  logger?: Pick<Logger, 'warn'>;
  organization: Organization;
  /** The projects of the issues, by id. */
  projects: ReadonlyMap<number, Project>;
  /** The acting user; null for an organization token (per-user changes are then skipped). */
  actor: User | null;
  /** Whether the update came through a bulk endpoint (no status-change subscriptions then). */
  bulk: boolean;
}

/** The outcome: Sentry's answer body, or a 400 with Sentry's error body. */
export type IssueUpdateOutcome = { ok: true; body: JsonObject } | { ok: false; body: JsonObject };

const reject = (body: JsonObject): IssueUpdateOutcome => ({ ok: false, body });

const NO_RELEASE = "No release data present in the system to form a basis for 'Next Release'";

/** A field error, nested under `statusDetails` when the client sent that object. */
function detailError(update: IssueUpdateBody, field: string, error: JsonObject | string[]): JsonObject {
  return update.statusDetailsSent ? { statusDetails: { [field]: error } } : { [field]: error };
}

/** The releases `statusDetails` names, per project (Sentry's `StatusDetailsValidator`). */
async function validateReleases(
  ctx: IssueUpdateContext,
  update: IssueUpdateBody,
  projectIds: readonly number[],
): Promise<{ ok: true; releases: Map<number, ReleaseRef> } | { ok: false; body: JsonObject }> {
  const details = update.statusDetails;
  const releases = new Map<number, ReleaseRef>();
  if (details.inUpcomingRelease !== undefined) {
    return {
      ok: false,
      body: detailError(update, 'inUpcomingRelease', [
        'Your organization does not have access to this feature.',
      ]),
    };
  }
  if (details.inCommit !== undefined) {
    return {
      ok: false,
      body: detailError(update, 'inCommit', { non_field_errors: ['Unable to find the given commit.'] }),
    };
  }
  for (const projectId of projectIds) {
    if (details.inRelease !== undefined) {
      const release =
        details.inRelease === 'latest'
          ? await mostRecentRelease(ctx.metadata.db, projectId)
          : await projectRelease(ctx.metadata.db, projectId, details.inRelease);
      if (release === undefined) {
        const message =
          details.inRelease === 'latest' ? NO_RELEASE : 'Unable to find a release with the given version.';
        return { ok: false, body: detailError(update, 'inRelease', [message]) };
      }
      releases.set(projectId, release);
    } else if (details.inNextRelease !== undefined) {
      const release = await mostRecentRelease(ctx.metadata.db, projectId);
      if (release === undefined)
        return { ok: false, body: detailError(update, 'inNextRelease', [NO_RELEASE]) };
      releases.set(projectId, release);
    }
  }
  return { ok: true, releases };
}

const PARSE_ACTOR = 'Could not parse actor. Format should be `type:id` where type is `team` or `user`.';

/**
 * Sentry's `parse_and_validate_actor`: `user:ID`, `team:ID`, a bare number (a user id), a
 * username or an email; the user must be a member of the organization, the team one of its teams.
 */
async function resolveActor(
  ctx: IssueUpdateContext,
  identifier: string,
): Promise<{ ok: true; assignee: Assignee; record: ActorRecord } | { ok: false; message: string }> {
  const organizationId = ctx.organization.id;
  const typed = /^(user|team):(\d+)$/.exec(identifier);
  if (typed?.[1] === 'team') {
    const team = (await getTeamsById(ctx.metadata.db, [Number(typed[2])])).get(Number(typed[2]));
    if (team === undefined) return { ok: false, message: 'Team does not exist' };
    if (team.organization_id !== organizationId)
      return { ok: false, message: 'Team is not a member of this organization' };
    return { ok: true, assignee: { type: 'team', id: team.id }, record: { type: 'team', team } };
  }
  let user: User | undefined;
  if (typed?.[1] === 'user' || /^\d+$/.test(identifier)) {
    user = await getUser(ctx.metadata, Number(typed?.[2] ?? identifier));
    if (user === undefined) return { ok: false, message: 'User does not exist' };
  } else {
    user =
      (await getUserByUsername(ctx.metadata, identifier)) ?? (await getUserByEmail(ctx.metadata, identifier));
    if (user === undefined) return { ok: false, message: PARSE_ACTOR };
  }
  if ((await getMembership(ctx.metadata, organizationId, user.id)) === undefined) {
    return { ok: false, message: 'User is not a member of this organization' };
  }
  return { ok: true, assignee: { type: 'user', id: user.id }, record: { type: 'user', user } };
}

function actorDetails(ctx: IssueUpdateContext): JsonObject {
  return ctx.actor === null ? {} : { actor: serializeUserAccount(ctx.actor) };
}

/** Sentry's `infer_substatus`. */
function inferSubstatus(
  status: 'unresolved' | 'ignored',
  requested: GroupSubstatus | null | undefined,
  details: UpdateStatusDetails,
  groups: readonly Group[],
  now: Date,
): GroupSubstatus {
  const ignoredChoices: readonly string[] = [
    'archived_until_escalating',
    'archived_until_condition_met',
    'archived_forever',
  ];
  const unresolvedChoices: readonly string[] = ['escalating', 'ongoing', 'regressed', 'new'];
  if (requested) {
    if (status === 'ignored' && ignoredChoices.includes(requested)) return requested;
    if (status === 'unresolved' && unresolvedChoices.includes(requested)) return requested;
  }
  if (status === 'ignored')
    return hasIgnoreCondition(details) ? 'archived_until_condition_met' : 'archived_forever';
  const [only] = groups;
  if (groups.length === 1 && only !== undefined) {
    if (only.status === 'ignored') {
      return Date.parse(only.date_created) > now.getTime() - NEW_ISSUE_DAYS * 86_400_000 ? 'new' : 'ongoing';
    }
    if (only.status === 'resolved') return 'regressed';
  }
  return 'ongoing';
}

/** Resolves the issues (`handle_resolve_in_release`); returns the answer's fields or a 400. */
async function resolve(
  ctx: IssueUpdateContext,
  update: IssueUpdateBody,
  groups: readonly Group[],
  releases: ReadonlyMap<number, ReleaseRef>,
): Promise<{ ok: true; fields: JsonObject; releaseResolved: boolean } | { ok: false; body: JsonObject }> {
  const details = update.statusDetails;
  const projectIds = [...new Set(groups.map((g) => g.project_id))];
  const projectId = projectIds[0] ?? 0;
  const nextRelease = update.status === 'resolvedInNextRelease' || details.inNextRelease === true;
  let release: ReleaseRef | undefined;
  let type: NewResolution['type'] = 'in_release';
  let activityType: 'set_resolved' | 'set_resolved_in_release' = 'set_resolved';
  let baseData: JsonObject = {};
  let statusDetails: JsonObject = {};
  if (nextRelease) {
    if (projectIds.length > 1)
      return { ok: false, body: { detail: 'Cannot set resolved in next release for multiple projects.' } };
    release =
      releases.get(projectId) ??
      ((await projectFollowsSemver(ctx.metadata.db, projectId))
        ? await greatestSemverRelease(ctx.metadata.db, projectId)
        : await mostRecentRelease(ctx.metadata.db, projectId));
    type = 'in_next_release';
    activityType = 'set_resolved_in_release';
    baseData = { version: '' };
    statusDetails = { inNextRelease: true, ...actorDetails(ctx) };
  } else if (details.inRelease !== undefined) {
    if (projectIds.length > 1)
      return { ok: false, body: { detail: 'Cannot set resolved in release for multiple projects.' } };
    release = releases.get(projectId);
    activityType = 'set_resolved_in_release';
    baseData = { version: release?.version ?? '' };
    statusDetails = { inRelease: release?.version ?? details.inRelease, ...actorDetails(ctx) };
  }
  const resolutions = new Map<number, Omit<NewResolution, 'groupId' | 'actorId'>>();
  const activityData = new Map<number, JsonObject>();
  for (const group of groups) {
    const data: JsonObject = { ...baseData };
    if (release !== undefined && release.id !== null) {
      let resolution: Omit<NewResolution, 'groupId' | 'actorId'> = {
        releaseId: release.id,
        type,
        status: type === 'in_next_release' ? 'pending' : 'resolved',
        currentReleaseVersion: null,
      };
      if (type === 'in_next_release') {
        const followsSemver =
          isSemverRelease(release.version) && (await projectFollowsSemver(ctx.metadata.db, group.project_id));
        const current = followsSemver
          ? (await greatestSemverRelease(ctx.metadata.db, group.project_id))?.version
          : await lastGroupRelease(ctx.clickhouse, group.project_id, group.id);
        if (current !== undefined) {
          resolution = { ...resolution, currentReleaseVersion: current };
          if (followsSemver) {
            data.current_release_version = current;
            resolution = { ...resolution, type: 'in_release', status: 'resolved' };
          } else {
            const currentRef = (await getReleaseRefs(ctx.metadata.db, ctx.organization.id, [current])).get(
              current,
            );
            const next = currentRef && (await releaseAfter(ctx.metadata.db, group.project_id, currentRef));
            if (next !== undefined && next.id !== null) {
              resolution = { ...resolution, releaseId: next.id, type: 'in_release', status: 'resolved' };
              data.version = next.version;
            }
          }
        }
      }
      resolutions.set(group.id, resolution);
    }
    activityData.set(group.id, data);
  }
  await changeGroupStatus(ctx.metadata, {
    groupIds: groups.map((g) => g.id),
    status: 'resolved',
    substatus: null,
    actorId: ctx.actor?.id ?? null,
    activityType,
    activityData,
    resolutions,
    recordRepeatedResolve: true,
    subscribeActor: true,
  });
  return {
    ok: true,
    fields: { status: 'resolved', statusDetails, inbox: null },
    releaseResolved: release !== undefined,
  };
}

/** Unresolves or ignores the issues (`handle_other_status_updates`, `handle_ignored`). */
async function changeOtherStatus(
  ctx: IssueUpdateContext,
  update: IssueUpdateBody,
  groups: readonly Group[],
): Promise<JsonObject> {
  const status =
    update.status === 'muted' ? 'ignored' : update.status === 'ignored' ? 'ignored' : 'unresolved';
  const now = ctx.metadata.now();
  const details = update.statusDetails;
  const substatus = inferSubstatus(status, update.substatus, details, groups, now);
  const fields: JsonObject = {};
  let statusDetails: JsonObject = {};
  let activityData: JsonObject = {};
  let snooze: Parameters<typeof changeGroupStatus>[1]['snooze'];
  if (status === 'ignored') {
    fields.inbox = null;
    if (substatus === 'archived_until_escalating') {
      statusDetails = { ignoreUntilEscalating: true };
    } else {
      // Sentry treats 0 like an absent value (`or None`).
      const positive = (n: number | undefined): number | null => (n ? n : null);
      const duration = positive(details.ignoreDuration);
      const condition: SnoozeCondition = {
        until: duration === null ? null : new Date(now.getTime() + duration * 60_000),
        count: positive(details.ignoreCount),
        window: positive(details.ignoreWindow),
        userCount: positive(details.ignoreUserCount),
        userWindow: positive(details.ignoreUserWindow),
      };
      if (condition.until !== null || condition.count !== null || condition.userCount !== null) {
        const counts = await queryIssueAggregates(ctx.clickhouse, {
          projectIds: [...new Set(groups.map((g) => g.project_id))],
          groupIds: groups.map((g) => g.id),
        });
        const state = new Map(
          groups.map((g) => {
            const agg = counts.find((a) => a.group_id === g.id);
            return [
              g.id,
              {
                ...(condition.count !== null && condition.window === null
                  ? { times_seen: agg?.count ?? 0 }
                  : {}),
                ...(condition.userCount !== null && condition.userWindow === null
                  ? { users_seen: agg?.user_count ?? 0 }
                  : {}),
              },
            ];
          }),
        );
        snooze = { condition, state };
        statusDetails = {
          ignoreCount: condition.count,
          ignoreUntil: condition.until === null ? null : condition.until.toISOString(),
          ignoreUserCount: condition.userCount,
          ignoreUserWindow: condition.userWindow,
          ignoreWindow: condition.window,
          actor: ctx.actor === null ? null : serializeUserAccount(ctx.actor),
        };
      }
    }
    activityData = {
      ignoreCount: details.ignoreCount ?? null,
      ignoreDuration: details.ignoreDuration ?? null,
      ignoreUntil: snooze?.condition.until?.toISOString() ?? null,
      ignoreUserCount: details.ignoreUserCount ?? null,
      ignoreUserWindow: details.ignoreUserWindow ?? null,
      ignoreWindow: details.ignoreWindow ?? null,
      ignoreUntilEscalating: substatus === 'archived_until_escalating' ? true : null,
    };
  }
  await changeGroupStatus(ctx.metadata, {
    groupIds: groups.map((g) => g.id),
    status,
    substatus,
    actorId: ctx.actor?.id ?? null,
    activityData,
    ...(snooze !== undefined ? { snooze } : {}),
    subscribeActor: !ctx.bulk,
  });
  return { ...fields, statusDetails };
}

/**
 * Applies `update` to `groups` (non-empty, of the context's organization). Returns Sentry's answer
 * body, or a 400 body for a request Sentry would refuse (a release or actor that does not resolve,
 * release resolutions or merges across projects, `discard`).
 */
export async function updateIssues(
  ctx: IssueUpdateContext,
  groups: readonly Group[],
  update: IssueUpdateBody,
): Promise<IssueUpdateOutcome> {
  if (update.discard === true) return reject({ detail: ['You do not have that feature enabled'] });
  const projectIds = [...new Set(groups.map((g) => g.project_id))];
  const validated = await validateReleases(ctx, update, projectIds);
  if (!validated.ok) return reject(validated.body);
  let assignee: { assignee: Assignee; record: ActorRecord } | null | undefined;
  if (update.assignedTo !== undefined) {
    if (update.assignedTo === null) assignee = null;
    else {
      const resolved = await resolveActor(ctx, update.assignedTo);
      if (!resolved.ok) return reject({ assignedTo: [resolved.message] });
      assignee = resolved;
    }
  }
  if (update.merge === true && groups.length > 1 && projectIds.length > 1) {
    return reject({ detail: 'Merging across multiple projects is not supported' });
  }

  const result: JsonObject = { ...update.echo };
  const userId = ctx.actor?.id ?? null;
  const refs = groups.map((g) => ({ id: g.id, project_id: g.project_id }));
  const ids = groups.map((g) => g.id);
  let releaseResolved = false;
  if (update.status === 'resolved' || update.status === 'resolvedInNextRelease') {
    const resolved = await resolve(ctx, update, groups, validated.releases);
    if (!resolved.ok) return reject(resolved.body);
    Object.assign(result, resolved.fields);
    releaseResolved = resolved.releaseResolved;
  } else if (update.status !== undefined) {
    Object.assign(result, await changeOtherStatus(ctx, update, groups));
  }
  const [single] = groups;
  if (releaseResolved && groups.length === 1 && single !== undefined) {
    const log = await listActivityLog(ctx.metadata, single.id);
    const users = await getUsers(
      ctx.metadata,
      log.flatMap((a) => (a.user_id === null ? [] : [a.user_id])),
    );
    result.activity = log.map((a) => serializeActivity(a, users));
  }
  const now = ctx.metadata.now();
  if (assignee !== undefined) {
    if (assignee === null) {
      await unassignGroups(ctx.metadata.db, refs, userId, now);
      result.assignedTo = null;
    } else {
      const email = assignee.record.type === 'user' ? assignee.record.user.email : null;
      await assignGroups(ctx.metadata.db, refs, assignee.assignee, email, userId, now);
      result.assignedTo = serializeActor(assignee.record);
    }
  }
  if (userId !== null) {
    if (update.hasSeen === true) await markSeen(ctx.metadata.db, refs, userId, now);
    if (update.hasSeen === false) await unmarkSeen(ctx.metadata.db, ids, userId);
    if (update.isBookmarked === true) await addBookmarks(ctx.metadata.db, refs, userId, now);
    if (update.isBookmarked === false) await removeBookmarks(ctx.metadata.db, ids, userId);
    if (update.isSubscribed !== undefined) {
      await setSubscribed(ctx.metadata.db, refs, userId, update.isSubscribed, now);
      result.subscriptionDetails = { reason: 'unknown' };
    }
  }
  if (update.merge === true && groups.length > 1) {
    const project = ctx.projects.get(projectIds[0] ?? 0);
    const merged = await mergeIssues(
      { metadata: ctx.metadata, clickhouse: ctx.clickhouse, logger: ctx.logger },
      groups,
      {
        organizationId: ctx.organization.id,
        projectSlug: project?.slug ?? '',
        actorId: userId,
      },
    );
    result.merge = { parent: String(merged.parent), children: merged.children.map(String) };
  }
  if (update.inbox !== undefined && result.inbox !== null) {
    if (update.inbox) await putGroupsInInbox(ctx.metadata, refs);
    else await markGroupsReviewed(ctx.metadata, ids, userId);
    result.inbox = update.inbox;
  }
  return { ok: true, body: result };
}
