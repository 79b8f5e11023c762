/**
 * Releases repository (Sentry `src/sentry/models/release.py` `Release`, `ReleaseProject`), as the
 * release endpoints sentry-cli calls need them (reference/sentry-semantics.md §8.2; deploys are in
 * `deploys.ts`, commits in `release-commits.ts`). A release belongs to an organization, is
 * unique by version there, and is linked to projects; creating an existing version is idempotent.
 */
import { sql, type Kysely, type Selectable, type Transaction, type Updateable } from 'kysely';
import type { JsonObject } from '../../protocol/json.js';
import { chunks, decodeJsonObject, isoDate } from './columns.js';
import { clearExpiredResolutions } from './group-resolutions.js';
import { containsIgnoreCase } from './like.js';
import type { Database, Project, ReleasesTable } from './schema.js';
import type { MetadataStore } from './store.js';

/** `open` (the default) or `archived` (Sentry's `ReleaseStatus`). */
export type ReleaseStatus = 'open' | 'archived';

/** The release statuses, in Sentry's numeric order (`OPEN = 0`, `ARCHIVED = 1`). */
export const RELEASE_STATUSES: readonly ReleaseStatus[] = ['open', 'archived'];

/** A release as read: JSON columns decoded. */
export interface Release {
  id: number;
  organization_id: number;
  version: string;
  ref: string | null;
  url: string | null;
  status: ReleaseStatus;
  data: JsonObject;
  /** The `User-Agent` of the request that created it (≤ 256 characters), or null. */
  user_agent: string | null;
  /** How many commits the release's list holds (`release_commits`). */
  commit_count: number;
  /** The newest commit of the list (`commits.id`), or null without commits. */
  last_commit_id: number | null;
  total_deploys: number;
  last_deploy_id: number | null;
  /** ISO-8601 UTC of creation (the API's `dateCreated`). */
  date_added: string;
  /** ISO-8601 UTC of finalization, or null while unreleased. */
  date_released: string | null;
}

/** What {@link createRelease} needs; absent optional fields are left null. */
export interface CreateReleaseInput {
  organizationId: number;
  version: string;
  /** Projects to link (ids of the organization's projects). */
  projectIds: readonly number[];
  ref?: string | null;
  url?: string | null;
  /** ISO-8601 UTC. */
  dateReleased?: string | null;
  /** For a new release (default `open`); for an existing one, changes its status when different. */
  status?: ReleaseStatus;
  userAgent?: string | null;
  /** ISO-8601 UTC creation time of a new release; default now (ingestion passes the event's time). */
  dateAdded?: string;
}

/** Result of {@link createRelease}. */
export interface CreateReleaseResult {
  release: Release;
  /** Whether the version was new. */
  created: boolean;
  /** The projects of the input that were not linked before. */
  addedProjectIds: number[];
}

/**
 * Creates release `version` of the organization, or finds it (Sentry's `get_or_create`: the
 * other fields only apply to a new release), then links the projects — for which it is the next
 * release: their pending "resolved in the next release" resolutions become resolved in it
 * (`clearExpiredResolutions`) — and applies a changed `status`. One transaction; safe against a
 * concurrent creator of the same version.
 */
export async function createRelease(
  store: MetadataStore,
  input: CreateReleaseInput,
): Promise<CreateReleaseResult> {
  const now = isoDate(store.now());
  return store.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('releases')
      .values({
        organization_id: input.organizationId,
        version: input.version,
        ref: input.ref ?? null,
        url: input.url ?? null,
        status: input.status ?? 'open',
        data: '{}',
        user_agent: input.userAgent ?? null,
        last_deploy_id: null,
        date_added: input.dateAdded ?? now,
        date_released: input.dateReleased ?? null,
      })
      .onConflict((oc) => oc.columns(['organization_id', 'version']).doNothing())
      .returningAll()
      .executeTakeFirst();
    const created = inserted !== undefined;
    let row =
      inserted ??
      (await trx
        .selectFrom('releases')
        .selectAll()
        .where('organization_id', '=', input.organizationId)
        .where('version', '=', input.version)
        .executeTakeFirstOrThrow());
    if (!created && input.status !== undefined && input.status !== row.status) {
      row = await trx
        .updateTable('releases')
        .set({ status: input.status })
        .where('id', '=', row.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    }
    const addedProjectIds = await linkProjects(trx, row.id, input.projectIds, now);
    // A release new to a project is that project's "next release" (Sentry runs
    // `clear_expired_resolutions` when a release is created).
    await clearExpiredResolutions(trx, {
      id: row.id,
      version: row.version,
      dateAdded: row.date_added,
      projectIds: addedProjectIds,
    });
    return { release: toRelease(row), created, addedProjectIds };
  });
}

/** Changes of {@link updateRelease}; absent fields stay. */
export interface ReleasePatch {
  ref?: string;
  url?: string;
  /** ISO-8601 UTC. */
  dateReleased?: string;
  status?: ReleaseStatus;
}

/** Applies `patch` to release `id`; the updated release, or `undefined` when it does not exist. */
export async function updateRelease(
  store: MetadataStore,
  id: number,
  patch: ReleasePatch,
): Promise<Release | undefined> {
  return store.db.transaction().execute(async (trx) => {
    const set: Updateable<ReleasesTable> = {};
    if (patch.ref !== undefined) set.ref = patch.ref;
    if (patch.url !== undefined) set.url = patch.url;
    if (patch.dateReleased !== undefined) set.date_released = patch.dateReleased;
    if (patch.status !== undefined) set.status = patch.status;
    if (Object.keys(set).length > 0) {
      await trx.updateTable('releases').set(set).where('id', '=', id).execute();
    }
    const row = await trx.selectFrom('releases').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRelease(row);
  });
}

/** Release `version` of organization `organizationId`, or `undefined`. */
export async function getRelease(
  store: MetadataStore,
  organizationId: number,
  version: string,
): Promise<Release | undefined> {
  const row = await store.db
    .selectFrom('releases')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('version', '=', version)
    .executeTakeFirst();
  return row === undefined ? undefined : toRelease(row);
}

/** Filter and page of {@link listReleases}. */
export interface ListReleasesFilter {
  organizationId: number;
  /** Only releases linked to one of these projects; an empty list matches nothing. */
  projectIds: readonly number[];
  /** Only this status (Sentry's `?status=`, default `open`); absent = any. */
  status?: ReleaseStatus;
  /** Case-insensitive substring of the version (Sentry's free-text release query). */
  query?: string;
  /**
   * `added` (default): by creation, newest first (the organization list's `sort=date`);
   * `released`: by release date, else creation date (the project list's
   * `COALESCE(date_released, date_added)`), newest first.
   */
  order?: 'added' | 'released';
  limit: number;
  offset: number;
}

/** The organization's releases matching `filter`, in `filter.order`, ties by id (newest first). */
export async function listReleases(store: MetadataStore, filter: ListReleasesFilter): Promise<Release[]> {
  if (filter.projectIds.length === 0) return [];
  let query = store.db
    .selectFrom('releases')
    .selectAll()
    .where('organization_id', '=', filter.organizationId)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('release_projects')
          .select('release_projects.release_id')
          .whereRef('release_projects.release_id', '=', 'releases.id')
          .where('release_projects.project_id', 'in', [...filter.projectIds]),
      ),
    );
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.query !== undefined && filter.query !== '') {
    query = query.where(containsIgnoreCase('releases.version', filter.query));
  }
  const rows = await query
    .orderBy(
      filter.order === 'released'
        ? sql`coalesce(${sql.ref('date_released')}, ${sql.ref('date_added')})`
        : 'date_added',
      'desc',
    )
    .orderBy('id', 'desc')
    .limit(filter.limit)
    .offset(filter.offset)
    .execute();
  return rows.map(toRelease);
}

/**
 * The projects linked to each release of `releaseIds`, by project id (Sentry's
 * `ReleaseProject` rows). Releases without projects are absent.
 */
export async function listReleaseProjects(
  store: MetadataStore,
  releaseIds: readonly number[],
): Promise<Map<number, Project[]>> {
  const result = new Map<number, Project[]>();
  for (const part of chunks([...new Set(releaseIds)], 500)) {
    const rows = await store.db
      .selectFrom('release_projects')
      .innerJoin('projects', 'projects.id', 'release_projects.project_id')
      .selectAll('projects')
      .select('release_projects.release_id')
      .where('release_projects.release_id', 'in', part)
      .orderBy('projects.id')
      .execute();
    for (const { release_id: releaseId, ...project } of rows) {
      const list = result.get(releaseId) ?? [];
      list.push(project);
      result.set(releaseId, list);
    }
  }
  return result;
}

/**
 * How many issues each project first saw in each version (Sentry's `ReleaseProject.new_groups`,
 * which counts groups created with that `first_release`), keyed by {@link newGroupsKey}.
 */
export async function countNewGroups(
  store: MetadataStore,
  projectIds: readonly number[],
  versions: readonly string[],
): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  if (projectIds.length === 0 || versions.length === 0) return result;
  for (const part of chunks([...new Set(versions)], 500)) {
    const rows = await store.db
      .selectFrom('groups')
      .select(['project_id', 'first_release'])
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('project_id', 'in', [...new Set(projectIds)])
      .where('first_release', 'in', part)
      .groupBy(['project_id', 'first_release'])
      .execute();
    for (const row of rows) {
      result.set(newGroupsKey(row.project_id, row.first_release ?? ''), Number(row.n));
    }
  }
  return result;
}

/** Key of {@link countNewGroups}' map. */
export function newGroupsKey(projectId: number, version: string): string {
  return `${projectId}\u0000${version}`;
}

/**
 * Whether an issue of the organization has `version` as its first release — Sentry then refuses
 * to delete the release (`ERR_RELEASE_REFERENCED` in `Release.safe_delete`).
 */
export async function releaseHasIssues(
  store: MetadataStore,
  organizationId: number,
  version: string,
): Promise<boolean> {
  const row = await store.db
    .selectFrom('groups')
    .innerJoin('projects', 'projects.id', 'groups.project_id')
    .select('groups.id')
    .where('projects.organization_id', '=', organizationId)
    .where('groups.first_release', '=', version)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Deletes release `id` with its project links and deploys; returns whether it existed. */
export async function deleteRelease(store: MetadataStore, id: number): Promise<boolean> {
  const result = await store.db.deleteFrom('releases').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

type Db = Kysely<Database> | Transaction<Database>;

/** Recomputes `commit_count` and `last_commit_id` (the commit of `order` 0, or the lowest) of the releases. */
export async function refreshReleaseCommits(
  trx: Transaction<Database>,
  releaseIds: readonly number[],
): Promise<void> {
  for (const part of chunks([...new Set(releaseIds)], 500)) {
    await trx
      .updateTable('releases')
      .set((eb) => ({
        commit_count: eb
          .selectFrom('release_commits')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('release_commits.release_id', '=', 'releases.id'),
        last_commit_id: eb
          .selectFrom('release_commits')
          .select('release_commits.commit_id')
          .whereRef('release_commits.release_id', '=', 'releases.id')
          .orderBy('release_commits.order')
          .limit(1),
      }))
      .where('id', 'in', part)
      .execute();
  }
}

/** Links the projects not yet linked; returns those. */
async function linkProjects(
  db: Db,
  releaseId: number,
  projectIds: readonly number[],
  now: string,
): Promise<number[]> {
  const wanted = [...new Set(projectIds)];
  if (wanted.length === 0) return [];
  const existing = await db
    .selectFrom('release_projects')
    .select('project_id')
    .where('release_id', '=', releaseId)
    .where('project_id', 'in', wanted)
    .execute();
  const linked = new Set(existing.map((r) => r.project_id));
  const added = wanted.filter((id) => !linked.has(id));
  if (added.length > 0) {
    await db
      .insertInto('release_projects')
      .values(added.map((projectId) => ({ release_id: releaseId, project_id: projectId, date_added: now })))
      .onConflict((oc) => oc.columns(['release_id', 'project_id']).doNothing())
      .execute();
  }
  return added;
}

/** A release row as the domain type. */
export function toRelease(row: Selectable<ReleasesTable>): Release {
  return {
    id: row.id,
    organization_id: row.organization_id,
    version: row.version,
    ref: row.ref,
    url: row.url,
    status: row.status === 'archived' ? 'archived' : 'open',
    data: decodeJsonObject(row.data),
    user_agent: row.user_agent,
    commit_count: Number(row.commit_count),
    last_commit_id: row.last_commit_id === null ? null : Number(row.last_commit_id),
    total_deploys: Number(row.total_deploys),
    last_deploy_id: row.last_deploy_id,
    date_added: row.date_added,
    date_released: row.date_released,
  };
}
