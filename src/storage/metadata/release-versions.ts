/**
 * The release versions of projects with the dates Sentry orders them by, and the environments
 * they were deployed to: the inputs of `release:latest` (Sentry's `get_latest_release` in
 * `src/sentry/search/utils.py`).
 */
import { chunks } from './columns.js';
import type { MetadataStore } from './store.js';

/** A release linked to a project. */
export interface ProjectReleaseVersion {
  project_id: number;
  release_id: number;
  version: string;
  /** `open` or `archived`. */
  status: string;
  /** ISO-8601 UTC. */
  date_added: string;
  /** ISO-8601 UTC, or null while unreleased. */
  date_released: string | null;
}

/** Every release of organization `organizationId` linked to one of `projectIds`, per link. */
export async function listProjectReleaseVersions(
  store: MetadataStore,
  organizationId: number,
  projectIds: readonly number[],
): Promise<ProjectReleaseVersion[]> {
  if (projectIds.length === 0) return [];
  return store.db
    .selectFrom('releases as r')
    .innerJoin('release_projects as rp', 'rp.release_id', 'r.id')
    .select([
      'rp.project_id as project_id',
      'r.id as release_id',
      'r.version as version',
      'r.status as status',
      'r.date_added as date_added',
      'r.date_released as date_released',
    ])
    .where('r.organization_id', '=', organizationId)
    .where('rp.project_id', 'in', [...new Set(projectIds)])
    .execute();
}

/**
 * The `(project, release)` pairs of `releaseIds` deployed to one of `environments`, as
 * `"<project id>:<release id>"` keys.
 */
export async function deployedReleaseKeys(
  store: MetadataStore,
  releaseIds: readonly number[],
  environments: readonly string[],
): Promise<Set<string>> {
  const out = new Set<string>();
  if (environments.length === 0) return out;
  for (const part of chunks([...new Set(releaseIds)], 500)) {
    const rows = await store.db
      .selectFrom('release_project_environments')
      .select(['project_id', 'release_id'])
      .where('release_id', 'in', part)
      .where('environment', 'in', [...environments])
      .execute();
    for (const row of rows) out.add(`${row.project_id}:${row.release_id}`);
  }
  return out;
}
