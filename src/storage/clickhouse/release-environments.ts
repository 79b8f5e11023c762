/**
 * Which releases have events in some environments: Vigil's stand-in for Sentry's
 * `ReleaseProjectEnvironment` rows, which Sentry creates as events of a release arrive in an
 * environment (`release:latest` with an environment selected considers only those releases).
 */
import type { ClickHouseStore } from './client.js';
import { queryRows, toNumber, toText } from './query-helpers.js';

/**
 * The `(project, version)` pairs among `projectIds` × `versions` with at least one event in
 * one of `environments`, as `"<project id>:<version>"` keys.
 */
export async function releasesSeenInEnvironments(
  store: Pick<ClickHouseStore, 'client'>,
  projectIds: readonly number[],
  versions: readonly string[],
  environments: readonly string[],
): Promise<Set<string>> {
  const out = new Set<string>();
  if (projectIds.length === 0 || versions.length === 0 || environments.length === 0) return out;
  const rows = await queryRows(
    store,
    `SELECT DISTINCT project_id, release FROM events
      WHERE project_id IN {vigil_project_ids:Array(UInt64)}
        AND release IN {vigil_versions:Array(String)}
        AND environment IN {vigil_environments:Array(String)}`,
    {
      vigil_project_ids: [...projectIds],
      vigil_versions: [...new Set(versions)],
      vigil_environments: [...environments],
    },
  );
  for (const r of rows) out.add(`${toNumber(r.project_id)}:${toText(r.release)}`);
  return out;
}
