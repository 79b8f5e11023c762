/**
 * The issue-state part of a compiled issue search (`GroupFilter`s from `src/query`) as one SQL
 * condition on the metadata store's issues (Sentry `src/sentry/search/snuba/backend.py`:
 * `assigned_to_filter`, `unassigned_filter`, `inbox_filter`, `bookmarked_by` / `subscribed_by`
 * conditions over `GroupAssignee`, `GroupInbox`, `GroupBookmark`, `GroupSubscription`).
 *
 * `me` is the requesting user, `my_teams` the teams of their membership in the organization,
 * `#slug` a team of the organization, anything else a user by email (any case) or username; an
 * actor that does not resolve matches nothing. `is:for_review` is an inbox entry from the last
 * seven days. `issue.priority` is derived from the level as Sentry's default priority of an
 * error issue (fatal/error high, info/debug low, anything else medium); every issue of the errors
 * pipeline is Sentry's ErrorGroupType (type and category `error`).
 */
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { ActorValue, GroupFilter } from '../../query/index.js';
import { INBOX_DAYS, type MetadataStore } from '../../storage/metadata/index.js';
import type { GroupPredicate } from '../../storage/metadata/group-states.js';
import type { Database, GroupAssigneesTable } from '../../storage/metadata/schema.js';

/** Who is searching: `me` and `my_teams` are resolved against them. */
export interface SearchViewer {
  /** The token's user; null for an organization token (then `me` matches nothing). */
  userId: number | null;
  organizationId: number;
}

/** What {@link groupFilterPredicate} compiles. */
export interface GroupFiltersQuery {
  filters: readonly GroupFilter[];
  viewer: SearchViewer;
  /** Now, for the inbox's seven days. */
  now: Date;
}

/** Users and teams an actor list names; `none` = unassigned. */
interface ResolvedActors {
  userIds: number[];
  teamIds: number[];
  none: boolean;
}

type Eb = ExpressionBuilder<Database, 'groups'>;
type AssigneeEb = ExpressionBuilder<Database & { a: GroupAssigneesTable }, 'groups' | 'a'>;

async function resolveActors(
  store: MetadataStore,
  values: readonly ActorValue[],
  viewer: SearchViewer,
): Promise<ResolvedActors> {
  const out: ResolvedActors = { userIds: [], teamIds: [], none: false };
  for (const value of values) {
    switch (value.type) {
      case 'none':
        out.none = true;
        break;
      case 'me_or_none':
        out.none = true;
        if (viewer.userId !== null) out.userIds.push(viewer.userId);
        break;
      case 'me':
        if (viewer.userId !== null) out.userIds.push(viewer.userId);
        break;
      case 'my_teams':
        if (viewer.userId !== null) {
          const rows = await store.db
            .selectFrom('team_members as tm')
            .innerJoin('organization_members as om', 'om.id', 'tm.member_id')
            .select('tm.team_id')
            .where('om.organization_id', '=', viewer.organizationId)
            .where('om.user_id', '=', viewer.userId)
            .execute();
          out.teamIds.push(...rows.map((r) => r.team_id));
        }
        break;
      case 'team': {
        const row = await store.db
          .selectFrom('teams')
          .select('id')
          .where('organization_id', '=', viewer.organizationId)
          .where('slug', '=', value.slug)
          .executeTakeFirst();
        if (row !== undefined) out.teamIds.push(row.id);
        break;
      }
      case 'user': {
        const row = await store.db
          .selectFrom('users')
          .select('id')
          .where((eb) =>
            eb.or([eb(sql`lower(email)`, '=', value.value.toLowerCase()), eb('username', '=', value.value)]),
          )
          .executeTakeFirst();
        if (row !== undefined) out.userIds.push(row.id);
        break;
      }
    }
  }
  return out;
}

const never = sql<SqlBool>`1 = 0`;
const always = sql<SqlBool>`1 = 1`;

function maybeNot(eb: Eb, condition: Expression<SqlBool>, negated: boolean): Expression<SqlBool> {
  return negated ? eb.not(condition) : condition;
}

/**
 * `column IN values`, or for a negated filter `column NOT IN values OR column IS NULL` (Django's
 * `~Q`). Never NULL, so that `NOT` of a whole predicate is its complement.
 */
function inList(
  eb: Eb,
  column: 'groups.substatus' | 'groups.first_release' | 'groups.status',
  values: readonly string[],
  negated: boolean,
) {
  if (values.length === 0) return negated ? always : never;
  const hit = eb.and([eb(column, 'is not', null), eb(column, 'in', [...values])]);
  return negated ? eb.not(hit) : hit;
}

function assigneeExists(eb: Eb, condition?: (inner: AssigneeEb) => Expression<SqlBool>) {
  return eb.exists(
    eb
      .selectFrom('group_assignees as a')
      .select('a.id')
      .whereRef('a.group_id', '=', 'groups.id')
      .where((inner) => (condition === undefined ? always : condition(inner))),
  );
}

function priorityCondition(eb: Eb, priorities: readonly string[]): Expression<SqlBool> {
  const parts: Array<Expression<SqlBool>> = [];
  if (priorities.includes('high')) parts.push(eb('groups.level', 'in', ['fatal', 'error']));
  if (priorities.includes('low')) parts.push(eb('groups.level', 'in', ['info', 'debug']));
  if (priorities.includes('medium'))
    parts.push(eb('groups.level', 'not in', ['fatal', 'error', 'info', 'debug']));
  return parts.length === 0 ? never : eb.or(parts);
}

/**
 * The group filters (AND-ed) as one condition on an issue's `groups` row, never NULL; no filters
 * = every issue. Resolves actors with a few small queries first; the condition itself runs inside
 * whatever statement uses it (counting, listing ids).
 */
export async function groupFilterPredicate(
  store: MetadataStore,
  query: GroupFiltersQuery,
): Promise<GroupPredicate> {
  const actors = new Map<GroupFilter, ResolvedActors>();
  for (const filter of query.filters) {
    if (
      filter.kind === 'assigned_to' ||
      filter.kind === 'assigned_or_suggested' ||
      filter.kind === 'bookmarked_by' ||
      filter.kind === 'subscribed_by'
    ) {
      actors.set(filter, await resolveActors(store, filter.values, query.viewer));
    }
  }
  const inboxSince = new Date(query.now.getTime() - INBOX_DAYS * 86_400_000).toISOString();
  const conditions = (eb: Eb): Array<Expression<SqlBool>> =>
    query.filters.map((f): Expression<SqlBool> => {
      switch (f.kind) {
        case 'status':
          return inList(eb, 'groups.status', f.values, f.negated);
        case 'substatus':
          return inList(eb, 'groups.substatus', f.values, f.negated);
        case 'first_release':
          return inList(eb, 'groups.first_release', f.values, f.negated);
        case 'issue.category':
        case 'issue.type':
          return f.values.includes('error') !== f.negated ? always : never;
        case 'issue.priority':
          return maybeNot(eb, priorityCondition(eb, f.values), f.negated);
        case 'linked':
          return f.value ? never : always;
        case 'unassigned':
          return f.value ? eb.not(assigneeExists(eb)) : assigneeExists(eb);
        case 'for_review': {
          const inInbox = eb.exists(
            eb
              .selectFrom('group_inbox as i')
              .select('i.id')
              .whereRef('i.group_id', '=', 'groups.id')
              .where('i.date_added', '>=', inboxSince),
          );
          return f.value ? inInbox : eb.not(inInbox);
        }
        case 'assigned_to':
        case 'assigned_or_suggested': {
          const a = actors.get(f) ?? { userIds: [], teamIds: [], none: false };
          const parts: Array<Expression<SqlBool>> = [];
          if (a.userIds.length > 0)
            parts.push(assigneeExists(eb, (inner) => inner('a.user_id', 'in', a.userIds)));
          if (a.teamIds.length > 0)
            parts.push(assigneeExists(eb, (inner) => inner('a.team_id', 'in', a.teamIds)));
          if (a.none) parts.push(eb.not(assigneeExists(eb)));
          return maybeNot(eb, parts.length === 0 ? never : eb.or(parts), f.negated);
        }
        case 'bookmarked_by':
        case 'subscribed_by': {
          const ids = actors.get(f)?.userIds ?? [];
          if (ids.length === 0) return f.negated ? always : never;
          const hit =
            f.kind === 'bookmarked_by'
              ? eb.exists(
                  eb
                    .selectFrom('group_bookmarks as b')
                    .select('b.id')
                    .whereRef('b.group_id', '=', 'groups.id')
                    .where('b.user_id', 'in', ids),
                )
              : eb.exists(
                  eb
                    .selectFrom('group_subscriptions as s')
                    .select('s.id')
                    .whereRef('s.group_id', '=', 'groups.id')
                    .where('s.user_id', 'in', ids)
                    .where('s.is_active', '=', 1),
                );
          return maybeNot(eb, hit, f.negated);
        }
      }
    });
  return (eb) => (query.filters.length === 0 ? always : eb.and(conditions(eb)));
}
