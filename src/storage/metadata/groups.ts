/**
 * Groups (issues) repository: reads and short-id lookup. Hash → group resolution at ingest
 * lives in `resolve-groups.ts`, status changes in `group-status.ts`. Model: Sentry
 * `src/sentry/models/group.py` (`GroupStatus`, `GroupSubStatus`); counts, first/last seen
 * come from ClickHouse, not from here (DESIGN.md "Storage").
 */
import type { Selectable } from 'kysely';
import type { JsonObject } from '../../protocol/json.js';
import { chunks, decodeJsonObject } from './columns.js';
import type { GroupsTable } from './schema.js';
import type { IssueStatus, IssueSubstatus } from '../../protocol/issue-status.js';
import { parseShortId } from './short-id.js';
import type { MetadataStore } from './store.js';

/** Issue status (src/protocol/issue-status.ts). */
export type GroupStatus = IssueStatus;

/** Issue substatus (src/protocol/issue-status.ts); null for resolved issues. */
export type GroupSubstatus = IssueSubstatus;

const STATUSES: readonly string[] = ['unresolved', 'resolved', 'ignored'] satisfies GroupStatus[];
const SUBSTATUSES: readonly string[] = [
  'new',
  'ongoing',
  'regressed',
  'escalating',
  'archived_until_escalating',
  'archived_until_condition_met',
  'archived_forever',
] satisfies GroupSubstatus[];

/** A group as the application sees it (status narrowed, `metadata` decoded). */
export interface Group {
  id: number;
  project_id: number;
  /** Per-project counter; display with `formatShortId(projectSlug, short_id)`. */
  short_id: number;
  /** Event type of the group (error, default, csp, ...). */
  type: string;
  status: GroupStatus;
  substatus: GroupSubstatus | null;
  title: string;
  culprit: string;
  level: string;
  /** Sentry's `group.data.metadata` (type, value, filename, function, ...). */
  metadata: JsonObject;
  first_release: string | null;
  /** ISO-8601 UTC of all dates below. */
  date_created: string;
  resolved_at: string | null;
  /** When the group last became active (created, regressed, unresolved). */
  active_at: string;
  /** The first event's platform; null for groups created before migration 2. */
  platform: string | null;
  /** The first event's logger; null when it had none. */
  logger: string | null;
}

/** Decodes a `groups` row. */
export function toGroup(row: Selectable<GroupsTable>): Group {
  return {
    ...row,
    status: STATUSES.includes(row.status) ? (row.status as GroupStatus) : 'unresolved',
    substatus:
      row.substatus !== null && SUBSTATUSES.includes(row.substatus)
        ? (row.substatus as GroupSubstatus)
        : null,
    metadata: decodeJsonObject(row.metadata),
  };
}

/** The group with `id`, or `undefined`. */
export async function getGroup(store: MetadataStore, id: number): Promise<Group | undefined> {
  const row = await store.db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toGroup(row);
}

/** The groups with the given ids that exist, ordered by id (unknown ids are skipped). */
export async function getGroups(store: MetadataStore, ids: readonly number[]): Promise<Group[]> {
  const out: Group[] = [];
  for (const part of chunks([...new Set(ids)], 5_000)) {
    const rows = await store.db.selectFrom('groups').selectAll().where('id', 'in', part).execute();
    out.push(...rows.map(toGroup));
  }
  return out.sort((a, b) => a.id - b.id);
}

/**
 * The group with qualified short id `qualified` (`BACKEND-3A`) in organization
 * `organizationId`, or `undefined` when it does not parse or does not exist.
 */
export async function getGroupByShortId(
  store: MetadataStore,
  organizationId: number,
  qualified: string,
): Promise<Group | undefined> {
  const parsed = parseShortId(qualified);
  if (parsed === undefined) return undefined;
  const row = await store.db
    .selectFrom('groups as g')
    .innerJoin('projects as p', 'p.id', 'g.project_id')
    .selectAll('g')
    .where('p.organization_id', '=', organizationId)
    .where('p.slug', '=', parsed.projectSlug)
    .where('g.short_id', '=', parsed.shortId)
    .executeTakeFirst();
  return row === undefined ? undefined : toGroup(row);
}

/**
 * The issue ids of qualified short ids (`BACKEND-3A`, as written) that exist in organization
 * `organizationId`, keyed by the text given; short ids that do not parse or do not exist are
 * left out. One query (Sentry's `by_qualified_short_id_bulk`: per project slug, its counters).
 */
export async function getGroupIdsByShortIds(
  store: MetadataStore,
  organizationId: number,
  qualified: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const wanted = new Map<string, string[]>();
  const bySlug = new Map<string, number[]>();
  for (const text of new Set(qualified)) {
    const parsed = parseShortId(text);
    if (parsed === undefined) continue;
    const key = `${parsed.projectSlug}\u0000${parsed.shortId}`;
    wanted.set(key, [...(wanted.get(key) ?? []), text]);
    bySlug.set(parsed.projectSlug, [...(bySlug.get(parsed.projectSlug) ?? []), parsed.shortId]);
  }
  if (bySlug.size === 0) return out;
  const rows = await store.db
    .selectFrom('groups as g')
    .innerJoin('projects as p', 'p.id', 'g.project_id')
    .select(['g.id as id', 'g.short_id as short_id', 'p.slug as slug'])
    .where('p.organization_id', '=', organizationId)
    .where((eb) =>
      eb.or([...bySlug].map(([slug, ids]) => eb.and([eb('p.slug', '=', slug), eb('g.short_id', 'in', ids)]))),
    )
    .execute();
  for (const row of rows) {
    for (const text of wanted.get(`${row.slug}\u0000${row.short_id}`) ?? []) out.set(text, row.id);
  }
  return out;
}
