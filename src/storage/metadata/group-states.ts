/**
 * The issue-state columns of every issue of some projects, without titles and metadata: what
 * the issue stream's metadata filters (`is:unresolved`, `is:regressed`, `first-release:`,
 * `issue.priority:`...) read to decide which issues the ClickHouse search may return.
 */
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

/** The issues of project `projectId` grouped under one of `hashes` (at most 100 looked up). */
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
