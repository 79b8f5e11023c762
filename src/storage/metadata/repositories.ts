/**
 * Repositories of an organization (Sentry `Repository`, `src/sentry/models/repository.py`; the
 * endpoints in `src/sentry/integrations/api/endpoints/organization_repositor*.py`). Vigil has no
 * repository integrations: a repository is plain (provider null, Sentry's "Unknown Provider", as
 * Sentry creates for commits that name an unknown repository) or registered as Sentry's Custom
 * SCM (`integrations:custom_scm`). Commits and releases refer to repositories by name; at most
 * one active repository has a given name (hidden ones keep theirs).
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { isoDate } from './columns.js';
import { containsIgnoreCase } from './like.js';
import { refreshReleaseCommits } from './releases.js';
import { failure, success, type MetadataResult } from './result.js';
import type { Database, RepositoriesTable } from './schema.js';
import type { MetadataStore } from './store.js';

/** Sentry's `ObjectStatus` as the API shows a repository's (`get_status_display`). */
export type RepositoryStatus = 'active' | 'disabled' | 'hidden';

/** A repository as read. */
export interface Repository {
  id: number;
  organization_id: number;
  /** `owner/name`, as commits and sentry-cli's `--commit` name it. */
  name: string;
  url: string | null;
  /** Null for a plain repository, else the provider id (`integrations:custom_scm`). */
  provider: string | null;
  external_id: string | null;
  status: RepositoryStatus;
  /** ISO-8601 UTC. */
  date_added: string;
}

/** Sentry's Custom SCM provider id, the one provider Vigil registers repositories with. */
export const CUSTOM_SCM_PROVIDER = 'integrations:custom_scm';

/** Why {@link createRepository} or {@link updateRepository} refused. */
export const REPOSITORY_EXISTS = 'A repository with that name already exists';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The predicate of the partial unique index on active names, written out (not bound) so that an
 * `ON CONFLICT` target matches the index on both databases.
 */
const ACTIVE = sql<boolean>`${sql.ref('status')} = 'active'`;

/** What {@link createRepository} needs. */
export interface NewRepository {
  organizationId: number;
  name: string;
  url?: string | null;
  provider?: string | null;
  externalId?: string | null;
}

/** Creates an active repository; a `conflict` when an active one has the name already. */
export async function createRepository(
  store: MetadataStore,
  input: NewRepository,
): Promise<MetadataResult<Repository>> {
  const row = await insertActive(store.db, input, isoDate(store.now()));
  return row === undefined ? failure({ kind: 'conflict', detail: REPOSITORY_EXISTS }) : success(row);
}

/** Repository `id` of organization `organizationId` (any status), or `undefined`. */
export async function getRepository(
  store: MetadataStore,
  organizationId: number,
  id: number,
): Promise<Repository | undefined> {
  const row = await store.db
    .selectFrom('repositories')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toRepository(row);
}

/** The newest active repository of the organization with this name or external id, or `undefined`. */
export async function findActiveRepository(
  store: MetadataStore,
  organizationId: number,
  by: { name: string } | { externalId: string },
): Promise<Repository | undefined> {
  return activeRepository(store.db, organizationId, by);
}

/** Filter and page of {@link listRepositories}. */
export interface ListRepositoriesFilter {
  organizationId: number;
  /** `active` (Sentry's default), `deleted` (every other status) or `undefined` for none. */
  status: 'active' | 'deleted';
  /** Case-insensitive substring of the name. */
  query?: string;
  limit: number;
  offset: number;
}

/** The organization's repositories matching `filter`, by name (then id). */
export async function listRepositories(
  store: MetadataStore,
  filter: ListRepositoriesFilter,
): Promise<Repository[]> {
  let query = store.db
    .selectFrom('repositories')
    .selectAll()
    .where('organization_id', '=', filter.organizationId)
    .where('status', filter.status === 'active' ? '=' : '!=', 'active');
  if (filter.query !== undefined && filter.query !== '') {
    query = query.where(containsIgnoreCase('repositories.name', filter.query));
  }
  const rows = await query.orderBy('name').orderBy('id').limit(filter.limit).offset(filter.offset).execute();
  return rows.map(toRepository);
}

/** Changes of {@link updateRepository}; absent fields stay. */
export interface RepositoryPatch {
  status?: RepositoryStatus;
  name?: string;
  /** An empty string clears it. */
  url?: string | null;
}

/**
 * Applies `patch` to the repository; the updated repository, `not_found`, or a `conflict` when
 * it would make a second active repository of its name.
 */
export async function updateRepository(
  store: MetadataStore,
  repository: Repository,
  patch: RepositoryPatch,
): Promise<MetadataResult<Repository>> {
  const set = {
    ...(patch.status !== undefined ? { status: patch.status } : {}),
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.url !== undefined ? { url: patch.url === '' ? null : patch.url } : {}),
  };
  if (Object.keys(set).length === 0) return success(repository);
  return store.db.transaction().execute(async (trx) => {
    const name = set.name ?? repository.name;
    if ((set.status ?? repository.status) === 'active') {
      const other = await activeRepository(trx, repository.organization_id, { name });
      if (other !== undefined && other.id !== repository.id) {
        return failure({ kind: 'conflict', detail: REPOSITORY_EXISTS });
      }
    }
    const row = await trx
      .updateTable('repositories')
      .set(set)
      .where('id', '=', repository.id)
      .returningAll()
      .executeTakeFirst();
    return row === undefined
      ? failure({ kind: 'not_found', detail: `repository ${repository.id}` })
      : success(toRepository(row));
  });
}

/**
 * Deletes the repository with its commits, their file changes and the releases' links to them,
 * then recounts the commits of the releases that had some. Sentry schedules this deletion;
 * Vigil does it at once.
 */
export async function deleteRepository(store: MetadataStore, repository: Repository): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    const affected = await trx
      .selectFrom('release_commits')
      .innerJoin('commits', 'commits.id', 'release_commits.commit_id')
      .select('release_commits.release_id')
      .distinct()
      .where('commits.repository_id', '=', repository.id)
      .execute();
    await trx.deleteFrom('repositories').where('id', '=', repository.id).execute();
    await refreshReleaseCommits(
      trx,
      affected.map((r) => r.release_id),
    );
  });
}

/**
 * The active repository of each name, created (plain, provider null) where there is none —
 * Sentry's `create_repositories` for the commits of a release. Keys are the names.
 */
export async function activeRepositoriesByName(
  trx: Transaction<Database>,
  organizationId: number,
  names: readonly string[],
  now: string,
): Promise<Map<string, Repository>> {
  const result = new Map<string, Repository>();
  for (const name of new Set(names)) {
    const repository =
      (await activeRepository(trx, organizationId, { name })) ??
      (await insertActive(trx, { organizationId, name }, now)) ??
      (await activeRepository(trx, organizationId, { name }));
    if (repository === undefined) throw new Error(`repository ${name} vanished while it was created`);
    result.set(name, repository);
  }
  return result;
}

/**
 * The repositories of the organization named `names` (any status; an active one wins over others
 * of its name, then the newest), keyed by name; names without a repository are absent.
 */
export async function repositoriesByName(
  db: Db,
  organizationId: number,
  names: readonly string[],
): Promise<Map<string, Repository>> {
  const result = new Map<string, Repository>();
  if (names.length === 0) return result;
  const rows = await db
    .selectFrom('repositories')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('name', 'in', [...new Set(names)])
    .orderBy(sql`case when ${sql.ref('status')} = 'active' then 0 else 1 end`)
    .orderBy('id', 'desc')
    .execute();
  for (const row of rows) if (!result.has(row.name)) result.set(row.name, toRepository(row));
  return result;
}

async function activeRepository(
  db: Db,
  organizationId: number,
  by: { name: string } | { externalId: string },
): Promise<Repository | undefined> {
  const row = await db
    .selectFrom('repositories')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'active')
    .where('name' in by ? 'name' : 'external_id', '=', 'name' in by ? by.name : by.externalId)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row === undefined ? undefined : toRepository(row);
}

/** Inserts an active repository; `undefined` when an active one has the name (the partial unique index). */
async function insertActive(db: Db, input: NewRepository, now: string): Promise<Repository | undefined> {
  const row = await db
    .insertInto('repositories')
    .values({
      organization_id: input.organizationId,
      name: input.name,
      url: input.url ?? null,
      provider: input.provider ?? null,
      external_id: input.externalId ?? null,
      status: 'active',
      date_added: now,
    })
    .onConflict((oc) => oc.columns(['organization_id', 'name']).where(ACTIVE).doNothing())
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toRepository(row);
}

/** A repository row as the domain type (ids as numbers, unknown statuses as `disabled`). */
export function toRepository(row: Selectable<RepositoriesTable>): Repository {
  const status = row.status === 'active' || row.status === 'hidden' ? row.status : 'disabled';
  return {
    id: Number(row.id),
    organization_id: Number(row.organization_id),
    name: row.name,
    url: row.url,
    provider: row.provider,
    external_id: row.external_id,
    status,
    date_added: row.date_added,
  };
}
