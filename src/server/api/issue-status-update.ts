/**
 * The status part of an issue update (Sentry's `update_groups`: `handle_resolve_in_release`,
 * `handle_other_status_updates`, `infer_substatus`, `handle_ignored`,
 * `src/sentry/api/helpers/group_index/validators/status_details.py`): the releases `statusDetails`
 * names, checked per project before anything changes; resolving now, in a release or in the next
 * release (with the issue's current release, by semver or date); unresolving and ignoring with a
 * snooze, or until escalating with an escalation forecast (`services/escalating-forecasts.ts`).
 */
import type { JsonObject } from '../../protocol/json.js';
import { isSemverRelease } from '../../protocol/release-version.js';
import { lastGroupRelease, queryIssueAggregates } from '../../storage/clickhouse/index.js';
import {
  changeGroupStatus,
  getReleaseRefs,
  greatestSemverRelease,
  mostRecentRelease,
  projectFollowsSemver,
  projectRelease,
  releaseAfter,
  type Group,
  type GroupSubstatus,
  type NewResolution,
  type ReleaseRef,
  type SnoozeCondition,
} from '../../storage/metadata/index.js';
import { hasIgnoreCondition, type IssueUpdateBody, type UpdateStatusDetails } from './issue-update-body.js';
import type { IssueUpdateContext } from './issue-update.js';
import { forecastIssues } from '../services/escalating-forecasts.js';
import { serializeUserAccount } from './serializers/index.js';

/** Days after its first event an issue still counts as new (Sentry's `TRANSITION_AFTER_DAYS`). */
const NEW_ISSUE_DAYS = 7;

const NO_RELEASE = "No release data present in the system to form a basis for 'Next Release'";

/** A field error, nested under `statusDetails` when the client sent that object. */
function detailError(update: IssueUpdateBody, field: string, error: JsonObject | string[]): JsonObject {
  return update.statusDetailsSent ? { statusDetails: { [field]: error } } : { [field]: error };
}

/**
 * The releases `statusDetails` names, per project (Sentry's `StatusDetailsValidator`), or Sentry's
 * 400 body for one that does not resolve (and for `inUpcomingRelease` / `inCommit`, which Vigil
 * cannot offer: no feature flag, no commits).
 */
export async function validateReleases(
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
export async function resolve(
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
export async function changeOtherStatus(
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
  let forecasts: Map<number, number[]> | undefined;
  if (status === 'ignored') {
    fields.inbox = null;
    if (substatus === 'archived_until_escalating') {
      statusDetails = { ignoreUntilEscalating: true };
      // Sentry's `handle_archived_until_escalating` forecasts the issues as it archives them.
      forecasts = await forecastIssues(ctx.clickhouse, groups, now);
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
    ...(forecasts !== undefined ? { forecasts } : {}),
    subscribeActor: !ctx.bulk,
  });
  return { ...fields, statusDetails };
}
