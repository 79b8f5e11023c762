/**
 * Part of metadata migration 8: converts the commit lists that earlier versions kept as sent, in
 * the JSON columns `releases.commits` and `releases.refs` (the bodies' `commits` and `refs`, or
 * `headCommits` as refs), into repositories, authors, commits, file changes, release commits and
 * head commits — what setting them through the release API does now (`release-commits.ts`), so
 * that no accepted list is lost when the columns are dropped.
 *
 * Why not call `setReleaseCommits` and `setReleaseRefs`: those follow the latest schema (the
 * `Database` type) and will change with it, while this code must keep working on the schema of
 * version 8, whatever later migrations do to these tables. So it writes the version-8 columns
 * itself, and shares only the pure rules (list order, `#skipsentry`, default repository name,
 * author email, ref ranges, date parsing). The tables are new and empty here and the migration
 * holds its lock, so the final state is computed in memory and written in bulk.
 *
 * Differences from the API, all so that nothing accepted is lost: refs create the repositories
 * they name (the API now refuses unknown ones, but no repository existed before version 8), and
 * length limits the old API did not check are not applied. Entries that cannot be read (not an
 * object, no sha; a file without path or with a type other than A, D, M; unparseable JSON) are
 * skipped, a timestamp that does not parse is ignored: the migration never fails on old data.
 */
import { sql, type Generated, type InsertObject, type Kysely } from 'kysely';
import { isJsonObject } from '../../protocol/json.js';
import { parseIsoDateTime } from '../../protocol/iso-date-time.js';
import { chunks } from './columns.js';
import { commitAuthorEmail, type CommitInput, type PatchSetEntry } from './commits.js';
import { commitRepositoryName, refHeadCommit, releaseCommitList, type RefInput } from './release-commits.js';

/**
 * The version-8 columns this conversion reads and writes (frozen: do not follow later migrations).
 * A type alias, not an interface, as Kysely's `withTables` wants an indexable record.
 */
type Version8Tables = {
  releases: {
    id: number;
    organization_id: number;
    commits: string | null;
    refs: string | null;
    commit_count: number;
    last_commit_id: number | null;
  };
  repositories: {
    id: Generated<number>;
    organization_id: number;
    name: string;
    status: string;
    date_added: string;
  };
  commit_authors: { id: Generated<number>; organization_id: number; name: string | null; email: string };
  commits: {
    id: Generated<number>;
    organization_id: number;
    repository_id: number;
    key: string;
    message: string | null;
    author_id: number | null;
    date_added: string;
  };
  commit_file_changes: { organization_id: number; commit_id: number; filename: string; type: string };
  release_commits: { organization_id: number; release_id: number; commit_id: number; order: number };
  release_head_commits: {
    organization_id: number;
    release_id: number;
    repository_id: number;
    commit_id: number;
  };
};

type Db = Kysely<Version8Tables>;

/** Rows per insert: far below both databases' bound-parameter limits. */
const BATCH = 200;

/** A commit as it will be written; `repository` and `author` are keys of the plan's maps. */
interface PlannedCommit {
  organizationId: number;
  repository: string;
  sha: string;
  message: string | null;
  author: string | null;
  dateAdded: string;
  /** File name → type; the first type recorded wins, as `insertFileChanges` does. */
  files: Map<string, string>;
}

/** A release's list (commit keys with their `order`) and head commit per repository key. */
interface PlannedRelease {
  id: number;
  organizationId: number;
  list: { commit: string; order: number }[];
  heads: Map<string, string>;
}

/**
 * Converts every release row with `commits` or `refs` (see the module comment). Runs on the
 * migration's transaction, after the version-8 tables exist and before the columns are dropped.
 * `now` dates new repositories and commits sent without a timestamp.
 */
export async function convertLegacyReleaseCommits(migrationDb: Kysely<unknown>, now: string): Promise<void> {
  const db: Db = migrationDb.withTables<Version8Tables>();
  const rows = await db
    .selectFrom('releases')
    .select(['id', 'organization_id', 'commits', 'refs'])
    .where((eb) => eb.or([eb('commits', 'is not', null), eb('refs', 'is not', null)]))
    .orderBy('id')
    .execute();
  if (rows.length === 0) return;
  const plan = new Plan(now);
  for (const row of rows) {
    plan.addRelease(
      Number(row.id),
      Number(row.organization_id),
      readList(row.commits, readCommit),
      readList(row.refs, readRef),
    );
  }
  await plan.write(db);
}

/** Keys of the plan's maps (JSON arrays, so no separator can collide). */
const keyOf = (...parts: (string | number)[]): string => JSON.stringify(parts);

/** The final state of the new tables, built release by release in id order. */
class Plan {
  readonly repositories = new Map<string, { organizationId: number; name: string }>();
  readonly authors = new Map<string, { organizationId: number; email: string; name: string | null }>();
  readonly commits = new Map<string, PlannedCommit>();
  readonly releases: PlannedRelease[] = [];

  constructor(private readonly now: string) {}

  /** Applies one release's commits, then its refs, as `applyReleaseCommits` does. */
  addRelease(id: number, organizationId: number, commits: CommitInput[], refs: RefInput[]): void {
    const release: PlannedRelease = { id, organizationId, list: [], heads: new Map() };
    const list = releaseCommitList(commits);
    // upsertCommitAuthors: each email takes the name of its first commit in this list.
    const authorNames = new Map<string, string | null>();
    for (const commit of list) {
      const email = commitAuthorEmail(commit);
      if (email !== null && !authorNames.has(email)) authorNames.set(email, commit.author_name ?? null);
    }
    for (const [email, name] of authorNames) {
      this.authors.set(keyOf(organizationId, email), { organizationId, email, name });
    }
    const listed = new Set<string>();
    for (const [order, input] of list.entries()) {
      const repository = this.repository(organizationId, commitRepositoryName(input, organizationId));
      const email = commitAuthorEmail(input);
      const commit = this.commit(
        organizationId,
        repository,
        input,
        email === null ? null : keyOf(organizationId, email),
      );
      for (const file of input.patch_set ?? []) {
        if (!commit.files.has(file.path)) commit.files.set(file.path, file.type);
      }
      const key = keyOf(repository, input.id);
      if (!listed.has(key)) release.list.push({ commit: key, order });
      listed.add(key);
      if (!release.heads.has(repository)) release.heads.set(repository, key);
    }
    for (const ref of refs) {
      const repository = this.repository(organizationId, ref.repository);
      const sha = refHeadCommit(ref.commit);
      this.commit(organizationId, repository, { id: sha }, null);
      release.heads.set(repository, keyOf(repository, sha));
    }
    this.releases.push(release);
  }

  /** The key of the organization's repository `name`, planned when new. */
  private repository(organizationId: number, name: string): string {
    const key = keyOf(organizationId, name);
    if (!this.repositories.has(key)) this.repositories.set(key, { organizationId, name });
    return key;
  }

  /** Plans commit `input.id` of the repository, or applies `input` to it as `upsertCommit` does. */
  private commit(
    organizationId: number,
    repository: string,
    input: Pick<CommitInput, 'id' | 'message' | 'timestamp'>,
    author: string | null,
  ): PlannedCommit {
    const key = keyOf(repository, input.id);
    const known = this.commits.get(key);
    if (known === undefined) {
      const planned: PlannedCommit = {
        organizationId,
        repository,
        sha: input.id,
        message: input.message ?? null,
        author,
        dateAdded: input.timestamp || this.now,
        files: new Map(),
      };
      this.commits.set(key, planned);
      return planned;
    }
    if (input.message !== undefined) known.message = input.message;
    if (input.timestamp) known.dateAdded = input.timestamp;
    if (author !== null) known.author = author;
    return known;
  }

  /** Inserts the plan, reading the new ids back, and sets each release's count and last commit. */
  async write(db: Db): Promise<void> {
    await insertAll(
      db,
      'repositories',
      [...this.repositories.values()].map((r) => ({
        organization_id: r.organizationId,
        name: r.name,
        status: 'active',
        date_added: this.now,
      })),
    );
    const repositoryIds = await idsByOrganization(db, 'repositories', 'name');
    await insertAll(
      db,
      'commit_authors',
      [...this.authors.values()].map((a) => ({
        organization_id: a.organizationId,
        email: a.email,
        name: a.name,
      })),
    );
    const authorIds = await idsByOrganization(db, 'commit_authors', 'email');
    await insertAll(
      db,
      'commits',
      [...this.commits.values()].map((c) => ({
        organization_id: c.organizationId,
        repository_id: idOf(repositoryIds, c.repository),
        key: c.sha,
        message: c.message,
        author_id: c.author === null ? null : idOf(authorIds, c.author),
        date_added: c.dateAdded,
      })),
    );
    const repositoryKeys = new Map([...repositoryIds].map(([key, id]) => [id, key]));
    const commitRows = await db.selectFrom('commits').select(['id', 'repository_id', 'key']).execute();
    const commitIds = new Map(
      commitRows.map((c) => [keyOf(repositoryKeys.get(Number(c.repository_id)) ?? '', c.key), Number(c.id)]),
    );
    await insertAll(
      db,
      'commit_file_changes',
      [...this.commits].flatMap(([key, c]) =>
        [...c.files].map(([filename, type]) => ({
          organization_id: c.organizationId,
          commit_id: idOf(commitIds, key),
          filename,
          type,
        })),
      ),
    );
    await insertAll(
      db,
      'release_commits',
      this.releases.flatMap((r) =>
        r.list.map(({ commit, order }) => ({
          organization_id: r.organizationId,
          release_id: r.id,
          commit_id: idOf(commitIds, commit),
          order,
        })),
      ),
    );
    await insertAll(
      db,
      'release_head_commits',
      this.releases.flatMap((r) =>
        [...r.heads].map(([repository, commit]) => ({
          organization_id: r.organizationId,
          release_id: r.id,
          repository_id: idOf(repositoryIds, repository),
          commit_id: idOf(commitIds, commit),
        })),
      ),
    );
    for (const release of this.releases) {
      const first = release.list[0];
      await db
        .updateTable('releases')
        .set({
          commit_count: release.list.length,
          last_commit_id: first === undefined ? null : idOf(commitIds, first.commit),
        })
        .where('id', '=', release.id)
        .execute();
    }
  }
}

/** Inserts `rows` into `table` in batches. */
async function insertAll<T extends keyof Version8Tables & string>(
  db: Db,
  table: T,
  rows: readonly InsertObject<Version8Tables, T>[],
): Promise<void> {
  for (const part of chunks(rows, BATCH)) await db.insertInto(table).values(part).execute();
}

/** The ids of the rows of `table`, by `keyOf(organization_id, <column>)`. */
async function idsByOrganization(
  db: Db,
  table: 'repositories' | 'commit_authors',
  column: 'name' | 'email',
): Promise<Map<string, number>> {
  const { rows } = await sql<{ id: number | string; organization_id: number | string; value: string }>`
    select id, organization_id, ${sql.ref(column)} as value from ${sql.table(table)}`.execute(db);
  return new Map(rows.map((r) => [keyOf(Number(r.organization_id), r.value), Number(r.id)]));
}

/** The id written for a plan key (every key was planned, so a miss is a bug). */
function idOf(ids: ReadonlyMap<string, number>, key: string): number {
  const id = ids.get(key);
  if (id === undefined) throw new Error(`migration 8: ${key} was not written`);
  return id;
}

/** The readable entries of a stored JSON list; none when the text is not a JSON list. */
function readList<T>(text: string | null, read: (value: unknown) => T | undefined): T[] {
  if (text === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((value: unknown) => {
    const entry = read(value);
    return entry === undefined ? [] : [entry];
  });
}

/**
 * A text field as DRF's `CharField` reads it (a string or number, trimmed; null stays null;
 * anything else is unreadable). NUL characters are dropped: Postgres text cannot hold them, and
 * JSON text could (as `\u0000`).
 */
function readText(value: unknown): string | null | undefined {
  if (value === null) return null;
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  return String(value).replaceAll('\u0000', '').trim();
}

/** The file-change types Sentry records (`CommitFileChange.is_valid_type`). */
const FILE_CHANGE_TYPES = ['A', 'D', 'M'];

/** A stored commit as the API's `commitInput` reads one; `undefined` without a sha. */
function readCommit(value: unknown): CommitInput | undefined {
  if (!isJsonObject(value)) return undefined;
  const id = readText(value.id);
  if (!id) return undefined;
  const commit: CommitInput = { id };
  for (const field of ['repository', 'message', 'author_name', 'author_email'] as const) {
    const text = readText(value[field]);
    if (text !== undefined) commit[field] = text;
  }
  if (value.timestamp === null) commit.timestamp = null;
  else if (typeof value.timestamp === 'string') {
    const timestamp = parseIsoDateTime(value.timestamp);
    if (timestamp !== undefined) commit.timestamp = timestamp;
  }
  if (Array.isArray(value.patch_set)) {
    commit.patch_set = value.patch_set.flatMap((file): PatchSetEntry[] => {
      if (!isJsonObject(file)) return [];
      const path = readText(file.path);
      const type = readText(file.type);
      return path && type && FILE_CHANGE_TYPES.includes(type) ? [{ path, type }] : [];
    });
  }
  return commit;
}

/** A stored ref (`{repository, commit, previousCommit?}`); `undefined` without repository or head. */
function readRef(value: unknown): RefInput | undefined {
  if (!isJsonObject(value)) return undefined;
  const repository = readText(value.repository);
  const commit = readText(value.commit);
  if (!repository || !commit || !refHeadCommit(commit)) return undefined;
  return { repository, commit };
}
