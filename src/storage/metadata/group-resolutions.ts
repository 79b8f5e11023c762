/**
 * Release-based resolutions (Sentry `src/sentry/models/groupresolution.py`): "resolved in
 * release X" and "resolved in the next release", and the check that decides whether an event of
 * a resolved issue is a regression (`GroupResolution.has_resolution`): an event from the
 * resolving release or an older one is not. Releases are ordered by semver when the project
 * follows it (`follows_semver_versioning_scheme` in `src/sentry/models/release.py`), else by
 * `COALESCE(date_released, date_added)`.
 */
import { sql, type Kysely } from 'kysely';
import { compareReleaseVersions, isSemverRelease } from '../../protocol/release-version.js';
import { chunks, decodeJsonObject, encodeJson, isoDate } from './columns.js';
import type { Database } from './schema.js';

/** `in_release` (fixed in that release) or `in_next_release` (fixed after it). */
export type ResolutionType = 'in_release' | 'in_next_release';

/** `pending` (the fixing release is not known yet) or `resolved`. */
export type ResolutionStatus = 'pending' | 'resolved';

/** A release as the ordering sees it. */
export interface ReleaseRef {
  /** Null for a version the store does not know (Sentry would create it on the event: newest). */
  id: number | null;
  version: string;
  /** `COALESCE(date_released, date_added)` in epoch ms. */
  order: number;
}

/** An issue's resolution with its release. */
export interface Resolution {
  groupId: number;
  type: ResolutionType;
  status: ResolutionStatus;
  release: ReleaseRef;
  /** The latest release when it was resolved in the next release; else null. */
  currentReleaseVersion: string | null;
  actorId: number | null;
  /** ISO-8601 UTC. */
  datetime: string;
}

/** A resolution to record. */
export interface NewResolution {
  groupId: number;
  releaseId: number;
  type: ResolutionType;
  status: ResolutionStatus;
  currentReleaseVersion: string | null;
  actorId: number | null;
}

/** Records `resolution`, replacing one the issue had (`get_or_create` then `update`). */
export async function setResolution(
  db: Kysely<Database>,
  resolution: NewResolution,
  now: Date,
): Promise<void> {
  const values = {
    release_id: resolution.releaseId,
    type: resolution.type,
    status: resolution.status,
    current_release_version: resolution.currentReleaseVersion,
    actor_id: resolution.actorId,
    datetime: isoDate(now),
  };
  await db
    .insertInto('group_resolutions')
    .values({ group_id: resolution.groupId, ...values })
    .onConflict((oc) => oc.column('group_id').doUpdateSet(values))
    .execute();
}

/** Deletes the resolutions of `groupIds` (a status change other than a release resolution). */
export async function deleteResolutions(db: Kysely<Database>, groupIds: readonly number[]): Promise<void> {
  for (const part of chunks([...groupIds], 1_000)) {
    await db.deleteFrom('group_resolutions').where('group_id', 'in', part).execute();
  }
}

const RELEASE_ORDER = sql<string>`coalesce(r.date_released, r.date_added)`;

/** The resolutions of `groupIds` with their releases, by group id. */
export async function getResolutions(
  db: Kysely<Database>,
  groupIds: readonly number[],
): Promise<Map<number, Resolution>> {
  const out = new Map<number, Resolution>();
  for (const part of chunks([...new Set(groupIds)], 1_000)) {
    const rows = await db
      .selectFrom('group_resolutions as gr')
      .innerJoin('releases as r', 'r.id', 'gr.release_id')
      .select([
        'gr.group_id',
        'gr.type',
        'gr.status',
        'gr.current_release_version',
        'gr.actor_id',
        'gr.datetime',
        'r.id as release_id',
        'r.version',
      ])
      .select(RELEASE_ORDER.as('release_order'))
      .where('gr.group_id', 'in', part)
      .execute();
    for (const row of rows) {
      out.set(row.group_id, {
        groupId: row.group_id,
        type: row.type === 'in_release' ? 'in_release' : 'in_next_release',
        status: row.status === 'resolved' ? 'resolved' : 'pending',
        release: { id: row.release_id, version: row.version, order: Date.parse(row.release_order) },
        currentReleaseVersion: row.current_release_version,
        actorId: row.actor_id,
        datetime: row.datetime,
      });
    }
  }
  return out;
}

/**
 * The releases of organization `organizationId` named `versions`, by version. A version the store
 * does not know is absent (the caller treats it as created now, as Sentry creates a release for
 * an event's unknown version).
 */
export async function getReleaseRefs(
  db: Kysely<Database>,
  organizationId: number,
  versions: readonly string[],
): Promise<Map<string, ReleaseRef>> {
  const out = new Map<string, ReleaseRef>();
  for (const part of chunks([...new Set(versions)], 1_000)) {
    const rows = await db
      .selectFrom('releases as r')
      .select(['r.id', 'r.version'])
      .select(RELEASE_ORDER.as('release_order'))
      .where('r.organization_id', '=', organizationId)
      .where('r.version', 'in', part)
      .execute();
    for (const row of rows)
      out.set(row.version, { id: row.id, version: row.version, order: Date.parse(row.release_order) });
  }
  return out;
}

/** The releases linked to project `projectId`, newest first by `orderBy`. */
function projectReleases(db: Kysely<Database>, projectId: number) {
  return db
    .selectFrom('releases as r')
    .innerJoin('release_projects as rp', 'rp.release_id', 'r.id')
    .select(['r.id', 'r.version', 'r.status', 'r.date_added'])
    .select(RELEASE_ORDER.as('release_order'))
    .where('rp.project_id', '=', projectId);
}

function toRef(row: { id: number; version: string; release_order: string }): ReleaseRef {
  return { id: row.id, version: row.version, order: Date.parse(row.release_order) };
}

/**
 * The project's most recent release by `COALESCE(date_released, date_added)` (Sentry's
 * `most_recent_release`, the basis of "resolve in next release"), or undefined without releases.
 */
export async function mostRecentRelease(
  db: Kysely<Database>,
  projectId: number,
): Promise<ReleaseRef | undefined> {
  const row = await projectReleases(db, projectId)
    .orderBy(RELEASE_ORDER, 'desc')
    .orderBy('r.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : toRef(row);
}

/** The project's release named `version` (Sentry's `inRelease` lookup), or undefined. */
export async function projectRelease(
  db: Kysely<Database>,
  projectId: number,
  version: string,
): Promise<ReleaseRef | undefined> {
  const row = await projectReleases(db, projectId).where('r.version', '=', version).executeTakeFirst();
  return row === undefined ? undefined : toRef(row);
}

/**
 * The first release of the project added after `release` (by `date_added`, then id), in release
 * order — the release that resolves an issue "in the next release" when it already exists.
 */
export async function releaseAfter(
  db: Kysely<Database>,
  projectId: number,
  release: ReleaseRef,
): Promise<ReleaseRef | undefined> {
  if (release.id === null) return undefined;
  const current = await db
    .selectFrom('releases')
    .select('date_added')
    .where('id', '=', release.id)
    .executeTakeFirst();
  if (current === undefined) return undefined;
  const row = await projectReleases(db, projectId)
    .where((eb) =>
      eb.or([
        eb('r.date_added', '>', current.date_added),
        eb.and([eb('r.date_added', '=', current.date_added), eb('r.id', '>', release.id ?? 0)]),
      ]),
    )
    .orderBy(RELEASE_ORDER, 'asc')
    .orderBy('r.id', 'asc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : toRef(row);
}

/**
 * Whether the project orders its releases by semver (Sentry's `follows_semver_versioning_scheme`
 * without a version): of its ten newest open releases, the newest is semver when it has at most
 * two; one of the three newest is when it has fewer than ten; else one of the three newest and
 * at least three of the ten are.
 */
export async function projectFollowsSemver(db: Kysely<Database>, projectId: number): Promise<boolean> {
  const rows = await projectReleases(db, projectId)
    .where('r.status', '=', 'open')
    .orderBy('r.date_added', 'desc')
    .orderBy('r.id', 'desc')
    .limit(10)
    .execute();
  const semver = rows.map((r) => isSemverRelease(r.version));
  if (semver.length === 0) return false;
  if (semver.length <= 2) return semver[0] ?? false;
  const recent = semver.slice(0, 3).some(Boolean);
  if (semver.length < 10) return recent;
  return recent && semver.filter(Boolean).length >= 3;
}

/** The project's greatest semver release (Sentry's `greatest_semver_release`), or undefined. */
export async function greatestSemverRelease(
  db: Kysely<Database>,
  projectId: number,
): Promise<ReleaseRef | undefined> {
  let best: ReleaseRef | undefined;
  for (const row of await projectReleases(db, projectId).execute()) {
    if (!isSemverRelease(row.version)) continue;
    if (best === undefined || (compareReleaseVersions(row.version, best.version) ?? 0) > 0) best = toRef(row);
  }
  return best;
}

/** What {@link hasResolution} compares an event with. */
export interface ResolutionCheck {
  resolution: Resolution;
  /** The event's release; null when the event has none. */
  event: ReleaseRef | null;
  /** The release named by `currentReleaseVersion`, when the store has it. */
  currentRelease: ReleaseRef | undefined;
  /** Whether the project follows semver and the event's version is semver. */
  followsSemver: boolean;
}

/**
 * Sentry's `GroupResolution.has_resolution`: true when the event does not regress the resolved
 * issue — it has no release, or its release is the one the issue was current in when resolved
 * "in the next release" or an older one, or older than the resolving release (the resolving
 * release itself regresses an issue resolved `in_release`).
 */
export function hasResolution(check: ResolutionCheck): boolean {
  const { resolution, event, currentRelease, followsSemver } = check;
  if (event === null) return true;
  const current = resolution.currentReleaseVersion;
  if (current !== null) {
    if (followsSemver) {
      const againstCurrent = compareReleaseVersions(current, event.version);
      const againstResolved = compareReleaseVersions(resolution.release.version, event.version);
      if (againstCurrent !== undefined && againstCurrent >= 0) return true;
      if (againstCurrent !== undefined && againstResolved !== undefined) return againstResolved === 1;
    } else if (currentRelease !== undefined) {
      return currentRelease.id === event.id || currentRelease.order > event.order;
    }
  }
  if (resolution.type === 'in_next_release') {
    return resolution.release.id === event.id || resolution.release.order > event.order;
  }
  if (resolution.release.id === event.id) return false;
  if (followsSemver) {
    const cmp = compareReleaseVersions(resolution.release.version, event.version);
    if (cmp !== undefined) return cmp === 1;
  }
  return resolution.release.order >= event.order;
}

/**
 * Names `version` in the latest `set_resolved_in_release` activity of group `groupId` (Sentry
 * keeps the release of a "resolved in the next release" activity up to date:
 * `clear_expired_resolutions` when the next release exists, `_handle_regression` when an event
 * regresses the issue). `onlyUnnamed` leaves an activity that already names a version alone.
 */
export async function nameResolvedInReleaseActivity(
  db: Kysely<Database>,
  groupId: number,
  version: string,
  onlyUnnamed: boolean,
): Promise<void> {
  const row = await db
    .selectFrom('activities')
    .select(['id', 'data'])
    .where('group_id', '=', groupId)
    .where('type', '=', 'set_resolved_in_release')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (row === undefined) return;
  const data = decodeJsonObject(row.data);
  if (onlyUnnamed && data.version !== '') return;
  await db
    .updateTable('activities')
    .set({ data: encodeJson({ ...data, version }) })
    .where('id', '=', row.id)
    .execute();
}

/** A release that was just created or linked to projects. */
export interface NewProjectRelease {
  id: number;
  version: string;
  /** ISO-8601 UTC of its creation. */
  dateAdded: string;
  /** The projects it was linked to. */
  projectIds: readonly number[];
}

/**
 * Sentry's `clear_expired_resolutions` (`src/sentry/tasks/clear_expired_resolutions.py`, run
 * when a release is created): the pending "resolved in the next release" resolutions of issues
 * of `release.projectIds` whose release was added before `release` (by `date_added`, then id)
 * become "resolved in `release`" (`in_release`, `resolved`), and their
 * `set_resolved_in_release` activity names its version. Events of later releases then regress
 * the issue. Returns the ids of the issues whose resolution changed.
 */
export async function clearExpiredResolutions(
  db: Kysely<Database>,
  release: NewProjectRelease,
): Promise<number[]> {
  if (release.projectIds.length === 0) return [];
  const rows = await db
    .selectFrom('group_resolutions as gr')
    .innerJoin('groups as g', 'g.id', 'gr.group_id')
    .innerJoin('releases as r', 'r.id', 'gr.release_id')
    .select('gr.group_id')
    .where('gr.type', '=', 'in_next_release')
    .where('gr.status', '=', 'pending')
    .where('g.project_id', 'in', [...release.projectIds])
    .where('gr.release_id', '!=', release.id)
    .where((eb) =>
      eb.or([
        eb('r.date_added', '<', release.dateAdded),
        eb.and([eb('r.date_added', '=', release.dateAdded), eb('r.id', '<', release.id)]),
      ]),
    )
    .orderBy('gr.group_id')
    .execute();
  const groupIds = rows.map((r) => r.group_id);
  for (const part of chunks(groupIds, 1_000)) {
    await db
      .updateTable('group_resolutions')
      .set({ release_id: release.id, type: 'in_release', status: 'resolved' })
      .where('group_id', 'in', part)
      .execute();
  }
  for (const groupId of groupIds) await nameResolvedInReleaseActivity(db, groupId, release.version, false);
  return groupIds;
}
