/**
 * The issue-state columns of the issues of some projects, without titles and metadata: what the
 * issue stream's metadata filters (`is:unresolved`, `is:regressed`, `first-release:`,
 * `issue.priority:`...) read to decide which issues the ClickHouse search may return. Filters
 * on these columns are counted and listed in SQL (the common case, a few milliseconds); the rows
 * themselves are there for filters only code can evaluate.
 */
import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import type { Database } from './schema.js';
import type { MetadataStore } from './store.js';

/** One issue's state (the `groups` columns the issue-search filters read). */
export interface GroupStateRow {
  id: number;
  project_id: number;
  /** `unresolved`, `resolved` or `ignored`. */
  status: string;
  substatus: string | null;
  level: string;
  first_release: string | null;
}

/** The state of every issue of `projectIds` (empty list: none), in no particular order. */
export async function listGroupStates(
  store: MetadataStore,
  projectIds: readonly number[],
): Promise<GroupStateRow[]> {
  if (projectIds.length === 0) return [];
  return store.db
    .selectFrom('groups')
    .select(['id', 'project_id', 'status', 'substatus', 'level', 'first_release'])
    .where('project_id', 'in', [...new Set(projectIds)])
    .execute();
}

/**
 * A condition on one state column: its value is one of `values`, or (`negated`) it is not — a
 * missing (NULL) value is never one of them.
 */
export interface GroupStateCondition {
  column: 'status' | 'substatus' | 'first_release' | 'level';
  values: readonly string[];
  negated: boolean;
}

type GroupsBuilder = ExpressionBuilder<Database, 'groups'>;

function conditionSql(eb: GroupsBuilder, c: GroupStateCondition): Expression<SqlBool> {
  if (c.values.length === 0) return c.negated ? sql<SqlBool>`1 = 1` : sql<SqlBool>`1 = 0`;
  const among = eb.and([eb(c.column, 'is not', null), eb(c.column, 'in', [...c.values])]);
  return c.negated ? eb.not(among) : among;
}

function allOf(eb: GroupsBuilder, conditions: readonly GroupStateCondition[]): Expression<SqlBool> {
  return eb.and(conditions.map((c) => conditionSql(eb, c)));
}

/** How many issues of `projectIds` there are and how many meet every condition. */
export async function countGroupStates(
  store: MetadataStore,
  projectIds: readonly number[],
  conditions: readonly GroupStateCondition[],
): Promise<{ total: number; matching: number }> {
  if (projectIds.length === 0) return { total: 0, matching: 0 };
  const row = await store.db
    .selectFrom('groups')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('total'),
      eb.fn
        .sum<number | string | null>(eb.case().when(allOf(eb, conditions)).then(1).else(0).end())
        .as('matching'),
    ])
    .where('project_id', 'in', [...new Set(projectIds)])
    .executeTakeFirst();
  return { total: Number(row?.total ?? 0), matching: Number(row?.matching ?? 0) };
}

/** The ids of the issues of `projectIds` that meet every condition (`meeting`) or fail one. */
export async function groupIdsByState(
  store: MetadataStore,
  projectIds: readonly number[],
  conditions: readonly GroupStateCondition[],
  meeting: boolean,
): Promise<number[]> {
  if (projectIds.length === 0) return [];
  const rows = await store.db
    .selectFrom('groups')
    .select('id')
    .where('project_id', 'in', [...new Set(projectIds)])
    .where((eb) => (meeting ? allOf(eb, conditions) : eb.not(allOf(eb, conditions))))
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
