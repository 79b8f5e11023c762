/**
 * The commits of a release (Sentry `ReleaseCommit`, `ReleaseHeadCommit`; `Release.set_commits`,
 * `set_refs` and `clear_commits` in `src/sentry/models/release.py` and
 * `src/sentry/models/releases/set_commits.py`):
 *
 * - {@link setReleaseCommits} replaces a release's commit list with the commits sent
 *   (`set-commits --local`, and `--auto` without a repository integration): newest first by
 *   timestamp, `#skipsentry` commits left out, repositories and authors found or created by name
 *   and email, changed files recorded, a head commit per repository filled in where missing;
 * - {@link setReleaseRefs} records head commits (`set-commits --commit repo@from..to`). Sentry
 *   then asks the repository's provider for the commits between the previous head and this one;
 *   Vigil's repositories have no provider, so refs record heads only (as Sentry does for a
 *   repository whose provider it does not know);
 * - {@link clearReleaseCommits} forgets both (`set-commits --clear`).
 *
 * `releases.commit_count` and `last_commit_id` summarize the list (Sentry's columns of the same
 * names); `refreshReleaseCommits` (`releases.ts`) recomputes them.
 */
import { sql } from 'kysely';
import { chunks, isoDate } from './columns.js';
import {
  commitAuthorEmail,
  commitRecordsInOrder,
  insertFileChanges,
  upsertCommit,
  upsertCommitAuthors,
  type CommitAuthor,
  type CommitInput,
  type CommitRecord,
} from './commits.js';
import { refreshReleaseCommits, toRelease, type Release } from './releases.js';
import {
  activeRepositoriesByName,
  repositoriesByName,
  toRepository,
  type Repository,
} from './repositories.js';
import { failure, success, type MetadataResult } from './result.js';
import type { MetadataStore } from './store.js';

/** A release as these functions need it. */
export type ReleaseKey = Pick<Release, 'id' | 'organization_id'>;

/** The marker that keeps a commit out of releases (`RepositoryProvider.should_ignore_commit`). */
const SKIP_MARKER = '#skipsentry';

/** Splits `previous..commit` ranges (Sentry's `COMMIT_RANGE_DELIMITER`). */
const RANGE_DELIMITER = '..';

/**
 * Replaces the commit list of `release` with `commits` (see the module comment). One
 * transaction.
 */
export async function setReleaseCommits(
  store: MetadataStore,
  release: ReleaseKey,
  commits: readonly CommitInput[],
): Promise<void> {
  const list = releaseCommitList(commits);
  const orgId = release.organization_id;
  const now = isoDate(store.now());
  await store.db.transaction().execute(async (trx) => {
    const repositoryName = (c: CommitInput) => commitRepositoryName(c, orgId);
    const repositories = await activeRepositoriesByName(trx, orgId, list.map(repositoryName), now);
    const authors = await upsertCommitAuthors(trx, orgId, list);
    await trx.deleteFrom('release_commits').where('release_id', '=', release.id).execute();
    const heads = new Map<number, number>();
    for (const [order, commit] of list.entries()) {
      const repository = repositories.get(repositoryName(commit));
      if (repository === undefined) throw new Error(`no repository for commit ${commit.id}`);
      const email = commitAuthorEmail(commit);
      const authorId = email === null ? null : (authors.get(email) ?? null);
      const commitId = await upsertCommit(trx, orgId, repository.id, commit, authorId, now);
      await insertFileChanges(trx, orgId, commitId, commit.patch_set ?? []);
      await trx
        .insertInto('release_commits')
        .values({ organization_id: orgId, release_id: release.id, commit_id: commitId, order })
        .onConflict((oc) => oc.columns(['release_id', 'commit_id']).doNothing())
        .execute();
      if (!heads.has(repository.id)) heads.set(repository.id, commitId);
    }
    await refreshReleaseCommits(trx, [release.id]);
    for (const [repositoryId, commitId] of heads) {
      await trx
        .insertInto('release_head_commits')
        .values({
          organization_id: orgId,
          release_id: release.id,
          repository_id: repositoryId,
          commit_id: commitId,
        })
        .onConflict((oc) => oc.columns(['release_id', 'repository_id']).doNothing())
        .execute();
    }
  });
}

/** A head commit as sent in a release's `refs` (`commit` may be a `previous..commit` range). */
export interface RefInput {
  repository: string;
  commit: string;
  previousCommit?: string | null;
}

/**
 * Records each ref's commit as the release's head commit of its repository (found or created
 * by sha). A `not_found` failure naming the unknown repositories (Sentry's `InvalidRepository`
 * text) when one of them is not a repository of the organization; nothing is written then.
 */
export async function setReleaseRefs(
  store: MetadataStore,
  release: ReleaseKey,
  refs: readonly RefInput[],
): Promise<MetadataResult<void>> {
  const orgId = release.organization_id;
  const now = isoDate(store.now());
  return store.db.transaction().execute(async (trx) => {
    const repositories = await repositoriesByName(
      trx,
      orgId,
      refs.map((r) => r.repository),
    );
    const unknown = [...new Set(refs.map((r) => r.repository))].filter((name) => !repositories.has(name));
    if (unknown.length > 0) {
      return failure({ kind: 'not_found', detail: `Invalid repository names: ${unknown.join(',')}` });
    }
    for (const ref of refs) {
      const repositoryId = repositories.get(ref.repository)?.id ?? 0;
      const key = refHeadCommit(ref.commit);
      const commitId = await upsertCommit(trx, orgId, repositoryId, { id: key }, null, now);
      await trx
        .insertInto('release_head_commits')
        .values({
          organization_id: orgId,
          release_id: release.id,
          repository_id: repositoryId,
          commit_id: commitId,
        })
        .onConflict((oc) => oc.columns(['release_id', 'repository_id']).doUpdateSet({ commit_id: commitId }))
        .execute();
    }
    return success(undefined);
  });
}

/** Forgets the release's commits and head commits (the commits themselves stay). */
export async function clearReleaseCommits(store: MetadataStore, release: ReleaseKey): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('release_head_commits').where('release_id', '=', release.id).execute();
    await trx.deleteFrom('release_commits').where('release_id', '=', release.id).execute();
    await refreshReleaseCommits(trx, [release.id]);
  });
}

/** Filter and page of {@link listReleaseCommits} and {@link listReleaseFileChanges}. */
export interface ReleaseCommitsPage {
  /** Only the commits of this repository. */
  repositoryId?: number;
  limit: number;
  offset: number;
}

/** A page of the release's commits in list order (newest first). */
export async function listReleaseCommits(
  store: MetadataStore,
  releaseId: number,
  page: ReleaseCommitsPage,
): Promise<CommitRecord[]> {
  let query = store.db
    .selectFrom('release_commits')
    .innerJoin('commits', 'commits.id', 'release_commits.commit_id')
    .select('commits.id')
    .where('release_commits.release_id', '=', releaseId);
  if (page.repositoryId !== undefined) query = query.where('commits.repository_id', '=', page.repositoryId);
  const rows = await query
    .orderBy('release_commits.order')
    .orderBy('commits.id')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return commitRecordsInOrder(
    store.db,
    rows.map((r) => Number(r.id)),
  );
}

/** A file a release's commit changed, with that commit. */
export interface ReleaseFileChange {
  id: number;
  organization_id: number;
  filename: string;
  type: string;
  commit: CommitRecord;
}

/** A page of the files the release's commits changed, by file name (Sentry's `commitfiles`). */
export async function listReleaseFileChanges(
  store: MetadataStore,
  releaseId: number,
  page: ReleaseCommitsPage,
): Promise<ReleaseFileChange[]> {
  let query = store.db
    .selectFrom('commit_file_changes')
    .innerJoin('release_commits', 'release_commits.commit_id', 'commit_file_changes.commit_id')
    .innerJoin('commits', 'commits.id', 'commit_file_changes.commit_id')
    .selectAll('commit_file_changes')
    .where('release_commits.release_id', '=', releaseId);
  if (page.repositoryId !== undefined) query = query.where('commits.repository_id', '=', page.repositoryId);
  const rows = await query
    .orderBy('commit_file_changes.filename')
    .orderBy('commit_file_changes.id')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  const commits = new Map(
    (
      await commitRecordsInOrder(
        store.db,
        rows.map((r) => Number(r.commit_id)),
      )
    ).map((c) => [c.id, c]),
  );
  return rows.flatMap((row) => {
    const commit = commits.get(Number(row.commit_id));
    return commit === undefined
      ? []
      : [
          {
            id: Number(row.id),
            organization_id: Number(row.organization_id),
            filename: row.filename,
            type: row.type,
            commit,
          },
        ];
  });
}

/** The repositories the release's commits belong to, by name. */
export async function listReleaseRepositories(
  store: MetadataStore,
  releaseId: number,
): Promise<Repository[]> {
  const rows = await store.db
    .selectFrom('repositories')
    .selectAll()
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('release_commits')
          .innerJoin('commits', 'commits.id', 'release_commits.commit_id')
          .select('commits.id')
          .whereRef('commits.repository_id', '=', 'repositories.id')
          .where('release_commits.release_id', '=', releaseId),
      ),
    )
    .orderBy('name')
    .orderBy('id')
    .execute();
  return rows.map(toRepository);
}

/** The release's head commits (one per repository), by repository name. */
export async function listReleaseHeadCommits(
  store: MetadataStore,
  releaseId: number,
): Promise<CommitRecord[]> {
  const rows = await store.db
    .selectFrom('release_head_commits')
    .innerJoin('repositories', 'repositories.id', 'release_head_commits.repository_id')
    .select('release_head_commits.commit_id')
    .where('release_head_commits.release_id', '=', releaseId)
    .orderBy('repositories.name')
    .orderBy('repositories.id')
    .execute();
  return commitRecordsInOrder(
    store.db,
    rows.map((r) => Number(r.commit_id)),
  );
}

/** What the release JSON shows of its commits. */
export interface ReleaseCommitSummary {
  /** The newest commit (`last_commit_id`), or null. */
  lastCommit: CommitRecord | null;
  /** The distinct authors of the list, in the order of their newest commit. */
  authors: CommitAuthor[];
}

/** The {@link ReleaseCommitSummary} of each release (every id of `releases` is a key). */
export async function releaseCommitSummaries(
  store: MetadataStore,
  releases: readonly Pick<Release, 'id' | 'last_commit_id'>[],
): Promise<Map<number, ReleaseCommitSummary>> {
  const lastIds = releases.flatMap((r) => (r.last_commit_id === null ? [] : [r.last_commit_id]));
  const lastCommits = new Map((await commitRecordsInOrder(store.db, lastIds)).map((c) => [c.id, c]));
  const authors = new Map<number, CommitAuthor[]>();
  for (const part of chunks(
    releases.filter((r) => r.last_commit_id !== null).map((r) => r.id),
    500,
  )) {
    const rows = await store.db
      .selectFrom('release_commits')
      .innerJoin('commits', 'commits.id', 'release_commits.commit_id')
      .innerJoin('commit_authors', 'commit_authors.id', 'commits.author_id')
      .select([
        'release_commits.release_id',
        'commit_authors.id',
        'commit_authors.name',
        'commit_authors.email',
      ])
      .select((eb) => eb.fn.min('release_commits.order').as('first_order'))
      .where('release_commits.release_id', 'in', part)
      .groupBy([
        'release_commits.release_id',
        'commit_authors.id',
        'commit_authors.name',
        'commit_authors.email',
      ])
      .orderBy('release_commits.release_id')
      .orderBy(sql`min(${sql.ref('release_commits.order')})`)
      .execute();
    for (const row of rows) {
      const list = authors.get(Number(row.release_id)) ?? [];
      list.push({ id: Number(row.id), name: row.name, email: row.email });
      authors.set(Number(row.release_id), list);
    }
  }
  return new Map(
    releases.map((r) => [
      r.id,
      {
        lastCommit: r.last_commit_id === null ? null : (lastCommits.get(r.last_commit_id) ?? null),
        authors: authors.get(r.id) ?? [],
      },
    ]),
  );
}

/**
 * The newest release of the organization with commits, linked to one of `projectIds`, released
 * (or created) no later than `release` — possibly `release` itself (Sentry's
 * `OrganizationReleasePreviousCommitsEndpoint`, whose `COALESCE(date_released, date_added) <=`
 * includes it). `undefined` when there is none.
 */
export async function previousReleaseWithCommits(
  store: MetadataStore,
  release: Release,
  projectIds: readonly number[],
): Promise<Release | undefined> {
  if (projectIds.length === 0) return undefined;
  const released = sql<string>`coalesce(${sql.ref('date_released')}, ${sql.ref('date_added')})`;
  const row = await store.db
    .selectFrom('releases')
    .selectAll()
    .where('organization_id', '=', release.organization_id)
    .where('last_commit_id', 'is not', null)
    .where(released, '<=', release.date_released ?? release.date_added)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('release_projects')
          .select('release_projects.release_id')
          .whereRef('release_projects.release_id', '=', 'releases.id')
          .where('release_projects.project_id', 'in', [...projectIds]),
      ),
    )
    .orderBy(released, 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : toRelease(row);
}

/**
 * The list `set_commits` records, in its order: `#skipsentry` commits left out
 * (`RepositoryProvider.should_ignore_commit`), then newest first by timestamp, commits without
 * one last, ties in the order sent (Python's stable sort).
 */
export function releaseCommitList(commits: readonly CommitInput[]): CommitInput[] {
  const time = (c: CommitInput) => (c.timestamp ? Date.parse(c.timestamp) : 0);
  return commits.filter((c) => !(c.message ?? '').includes(SKIP_MARKER)).sort((a, b) => time(b) - time(a));
}

/** The repository name of a commit: the one sent, or `organization-<id>` when absent or empty (Sentry's default). */
export function commitRepositoryName(
  commit: Pick<CommitInput, 'repository'>,
  organizationId: number,
): string {
  return commit.repository || `organization-${organizationId}`;
}

/** The head of a ref's `commit`: the part after `..` of a `previous..commit` range. */
export function refHeadCommit(commit: string): string {
  const at = commit.indexOf(RANGE_DELIMITER);
  return at < 0 ? commit : commit.slice(at + RANGE_DELIMITER.length);
}
