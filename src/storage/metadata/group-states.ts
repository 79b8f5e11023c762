/**
 * Counting and listing the issues of some projects that meet a condition on their `groups` row
 * (and rows keyed by it: assignees, bookmarks, inbox...): what the issue stream's metadata
 * filters (`is:unresolved`, `assigned:me`, `bookmarks:me`, `first-release:`...) need to decide
 * which issues the ClickHouse search may return, without reading the issues themselves.
 */
import type { ExpressionBuilder, Expression, SqlBool } from 'kysely';
import type { Database } from './schema.js';
import type { MetadataStore } from './store.js';

/** A condition on an issue's `groups` row (the table is named `groups`, unaliased). */
export type GroupPredicate = (eb: ExpressionBuilder<Database, 'groups'>) => Expression<SqlBool>;

/** How many issues of `projectIds` there are and how many meet `predicate`. */
export async function countGroupsWhere(
  store: MetadataStore,
  projectIds: readonly number[],
  predicate: GroupPredicate,
): Promise<{ total: number; matching: number }> {
  if (projectIds.length === 0) return { total: 0, matching: 0 };
  const row = await store.db
    .selectFrom('groups')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('total'),
      eb.fn.sum<number | string | null>(eb.case().when(predicate(eb)).then(1).else(0).end()).as('matching'),
    ])
    .where('project_id', 'in', [...new Set(projectIds)])
    .executeTakeFirst();
  return { total: Number(row?.total ?? 0), matching: Number(row?.matching ?? 0) };
}

/**
 * The ids of the issues of `projectIds` that meet `predicate` (`meeting`) or do not, in no
 * particular order. "Do not" is `NOT predicate`: the predicates are built never to be NULL.
 */
export async function groupIdsWhere(
  store: MetadataStore,
  projectIds: readonly number[],
  predicate: GroupPredicate,
  meeting: boolean,
): Promise<number[]> {
  if (projectIds.length === 0) return [];
  const rows = await store.db
    .selectFrom('groups')
    .select('id')
    .where('project_id', 'in', [...new Set(projectIds)])
    .where((eb) => (meeting ? predicate(eb) : eb.not(predicate(eb))))
    .execute();
  return rows.map((r) => r.id);
}

/** The issues of project `projectId` grouped under one of `hashes` (the first 100 looked up). */
export async function groupIdsForHashes(
  store: MetadataStore,
  projectId: number,
  hashes: readonly string[],
): Promise<number[]> {
  const wanted = [...new Set(hashes.slice(0, 100))];
  if (wanted.length === 0) return [];
  const rows = await store.db
    .selectFrom('group_hashes')
    .select('group_id')
    .distinct()
    .where('project_id', '=', projectId)
    .where('hash', 'in', wanted)
    .execute();
  return rows.map((r) => r.group_id);
}
