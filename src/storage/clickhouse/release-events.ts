/**
 * What the release endpoints read from the telemetry store: when a release's events were first
 * and last seen (Sentry's release serializer takes `firstEvent`/`lastEvent` from the release tag
 * values of the errors dataset, `tagstore.get_release_tags`) and whether a release has session
 * data (`release_health.backend.check_has_health_data`, which makes Sentry refuse to delete it).
 */
import type { ClickHouseStore } from './client.js';
import { parseDateTime } from './datetime.js';
import { queryRows, toNumber, toText } from './query-helpers.js';

/** First and last event time of a release. */
export interface ReleaseEventBounds {
  firstEvent: Date;
  lastEvent: Date;
}

/**
 * First and last event of each version among `versions` in `projectIds` (events of any
 * project of the list count), by version; versions without events are absent.
 */
export async function releaseEventBounds(
  store: Pick<ClickHouseStore, 'client'>,
  projectIds: readonly number[],
  versions: readonly string[],
): Promise<Map<string, ReleaseEventBounds>> {
  const result = new Map<string, ReleaseEventBounds>();
  if (projectIds.length === 0 || versions.length === 0) return result;
  const rows = await queryRows(
    store,
    `SELECT release, min(timestamp) AS vigil_first, max(timestamp) AS vigil_last
       FROM events
      WHERE project_id IN {vigil_project_ids:Array(UInt64)}
        AND release IN {vigil_releases:Array(String)}
      GROUP BY release`,
    { vigil_project_ids: [...new Set(projectIds)], vigil_releases: [...new Set(versions)] },
  );
  for (const row of rows) {
    result.set(toText(row.release), {
      firstEvent: parseDateTime(row.vigil_first),
      lastEvent: parseDateTime(row.vigil_last),
    });
  }
  return result;
}

/** Whether any session of `projectIds` reported release `version` (within the table's retention). */
export async function releaseHasSessions(
  store: Pick<ClickHouseStore, 'client'>,
  projectIds: readonly number[],
  version: string,
): Promise<boolean> {
  if (projectIds.length === 0) return false;
  const rows = await queryRows(
    store,
    `SELECT count() AS vigil_count FROM (
       SELECT 1 FROM sessions
        WHERE project_id IN {vigil_project_ids:Array(UInt64)} AND release = {vigil_release:String}
        LIMIT 1)`,
    { vigil_project_ids: [...new Set(projectIds)], vigil_release: version },
  );
  return rows[0] !== undefined && toNumber(rows[0].vigil_count) > 0;
}
