/**
 * Commits, their authors and changed files (Sentry `Commit`, `CommitAuthor`, `CommitFileChange`),
 * written as `set_commits` writes them (`src/sentry/models/releases/set_commits.py`): a commit is
 * found or created by repository and sha and takes the message, author and timestamp it is sent
 * with; an author is found or created by organization and email (derived from the name when no
 * email is sent) and takes the name it is sent with.
 */
import type { Kysely, Transaction } from 'kysely';
import { chunks } from './columns.js';
import { toRepository, type Repository } from './repositories.js';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A changed file as sent in a commit's `patch_set`: `type` is `A`, `D` or `M`. */
export interface PatchSetEntry {
  path: string;
  type: string;
}

/**
 * A commit as sent in a release's `commits` (sentry-cli's `GitCommit`). An absent field
 * (`undefined`) leaves what a known commit has; `message: null` clears its message.
 */
export interface CommitInput {
  /** The sha (Sentry's `Commit.key`). */
  id: string;
  /** The repository's name; absent or empty = `organization-<id>`, as in Sentry. */
  repository?: string | null;
  message?: string | null;
  author_name?: string | null;
  author_email?: string | null;
  /** ISO-8601 UTC. */
  timestamp?: string | null;
  patch_set?: readonly PatchSetEntry[] | null;
}

/** A commit author as stored. */
export interface CommitAuthor {
  id: number;
  name: string | null;
  email: string;
}

/** A commit with its repository and author, as the API shows it. */
export interface CommitRecord {
  id: number;
  key: string;
  message: string | null;
  /** ISO-8601 UTC. */
  date_added: string;
  repository: Repository;
  author: CommitAuthor | null;
}

/** The longest author email Sentry stores (`CommitAuthor.email`, `truncatechars(..., 75)`). */
const MAX_AUTHOR_EMAIL = 75;

/**
 * The author email Sentry records for `commit`: the email sent, else one made of the author
 * name (`[^a-zA-Z0-9\-_.]` removed, lowercased, `@localhost`), cut to 75 characters with `...`;
 * null without either.
 */
export function commitAuthorEmail(commit: Pick<CommitInput, 'author_name' | 'author_email'>): string | null {
  let email = commit.author_email ?? null;
  if (email === null && commit.author_name) {
    email = `${commit.author_name.replace(/[^a-zA-Z0-9\-_.]/g, '').toLowerCase()}@localhost`;
  }
  if (!email) return null;
  return email.length > MAX_AUTHOR_EMAIL ? `${email.slice(0, MAX_AUTHOR_EMAIL - 3)}...` : email;
}

/**
 * Finds or creates the authors of `commits` in the organization, giving each the name of its
 * first commit in the list; returns author ids by email.
 */
export async function upsertCommitAuthors(
  trx: Transaction<Database>,
  organizationId: number,
  commits: readonly CommitInput[],
): Promise<Map<string, number>> {
  const names = new Map<string, string | null>();
  for (const commit of commits) {
    const email = commitAuthorEmail(commit);
    if (email !== null && !names.has(email)) names.set(email, commit.author_name ?? null);
  }
  const ids = new Map<string, number>();
  for (const [email, name] of names) {
    const row = await trx
      .insertInto('commit_authors')
      .values({ organization_id: organizationId, email, name })
      .onConflict((oc) => oc.columns(['organization_id', 'email']).doUpdateSet({ name }))
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.set(email, Number(row.id));
  }
  return ids;
}

/**
 * Finds or creates commit `input.id` of the repository and applies the fields `input` carries
 * (message, timestamp) and `authorId` when not null; a new commit without a timestamp is dated
 * `now`. Returns the commit's id.
 */
export async function upsertCommit(
  trx: Transaction<Database>,
  organizationId: number,
  repositoryId: number,
  input: Pick<CommitInput, 'id' | 'message' | 'timestamp'>,
  authorId: number | null,
  now: string,
): Promise<number> {
  const changes = {
    ...(input.message !== undefined ? { message: input.message } : {}),
    ...(input.timestamp ? { date_added: input.timestamp } : {}),
    ...(authorId !== null ? { author_id: authorId } : {}),
  };
  const inserted = await trx
    .insertInto('commits')
    .values({
      organization_id: organizationId,
      repository_id: repositoryId,
      key: input.id,
      message: input.message ?? null,
      author_id: authorId,
      date_added: input.timestamp || now,
    })
    .onConflict((oc) => {
      const target = oc.columns(['repository_id', 'key']);
      return Object.keys(changes).length > 0 ? target.doUpdateSet(changes) : target.doNothing();
    })
    .returning('id')
    .executeTakeFirst();
  if (inserted !== undefined) return Number(inserted.id);
  const existing = await trx
    .selectFrom('commits')
    .select('id')
    .where('repository_id', '=', repositoryId)
    .where('key', '=', input.id)
    .executeTakeFirstOrThrow();
  return Number(existing.id);
}

/** Records the files a commit changed; a file already recorded for it keeps its first type. */
export async function insertFileChanges(
  trx: Transaction<Database>,
  organizationId: number,
  commitId: number,
  patchSet: readonly PatchSetEntry[],
): Promise<void> {
  for (const part of chunks(patchSet, 500)) {
    await trx
      .insertInto('commit_file_changes')
      .values(
        part.map((file) => ({
          organization_id: organizationId,
          commit_id: commitId,
          filename: file.path,
          type: file.type,
        })),
      )
      .onConflict((oc) => oc.columns(['commit_id', 'filename']).doNothing())
      .execute();
  }
}

/** The commits of `ids` with their repositories and authors, by id (unknown ids are absent). */
export async function getCommitRecords(db: Db, ids: readonly number[]): Promise<Map<number, CommitRecord>> {
  const result = new Map<number, CommitRecord>();
  for (const part of chunks([...new Set(ids)], 500)) {
    const rows = await db
      .selectFrom('commits')
      .innerJoin('repositories', 'repositories.id', 'commits.repository_id')
      .leftJoin('commit_authors', 'commit_authors.id', 'commits.author_id')
      .selectAll('repositories')
      .select([
        'commits.id as commit_id',
        'commits.key as commit_key',
        'commits.message as commit_message',
        'commits.date_added as commit_date_added',
        'commit_authors.id as author_id',
        'commit_authors.name as author_name',
        'commit_authors.email as author_email',
      ])
      .where('commits.id', 'in', part)
      .execute();
    for (const row of rows) {
      const author =
        row.author_id === null || row.author_email === null
          ? null
          : { id: Number(row.author_id), name: row.author_name, email: row.author_email };
      result.set(Number(row.commit_id), {
        id: Number(row.commit_id),
        key: row.commit_key,
        message: row.commit_message,
        date_added: row.commit_date_added,
        repository: toRepository(row),
        author,
      });
    }
  }
  return result;
}

/** `ids` in their order, as records (ids without a record are skipped). */
export async function commitRecordsInOrder(db: Db, ids: readonly number[]): Promise<CommitRecord[]> {
  const records = await getCommitRecords(db, ids);
  return ids.flatMap((id) => {
    const record = records.get(id);
    return record === undefined ? [] : [record];
  });
}
