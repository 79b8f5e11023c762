/**
 * `release:latest` and `first-release:latest` of the issue stream: the latest open release of
 * each searched project (Sentry's `get_latest_release`, `src/sentry/search/utils.py`). A project
 * whose latest ten releases are all semantic versions (`follows_semver_versioning_scheme`)
 * takes its highest semver release; any other takes the one released (else created) last. With
 * environments selected, only releases deployed there or with events there count (Sentry's
 * `ReleaseProjectEnvironment`, which its ingest creates from events).
 */
import { releasesSeenInEnvironments } from '../../storage/clickhouse/release-environments.js';
import type { ClickHouseStore } from '../../storage/clickhouse/index.js';
import type { MetadataStore } from '../../storage/metadata/index.js';
import {
  deployedReleaseKeys,
  listProjectReleaseVersions,
  type ProjectReleaseVersion,
} from '../../storage/metadata/release-versions.js';
import { compareSemver, semverKey, type SemverKey } from '../api/release-version.js';

/** How many of a project's newest releases decide whether it versions by semver. */
const SEMVER_SAMPLE = 10;

/** Where `release:latest` looks. */
export interface LatestReleaseScope {
  organizationId: number;
  projectIds: readonly number[];
  /** Selected environments; empty = all. */
  environments: readonly string[];
}

/**
 * The latest release version of each project of `scope` that has one, sorted and without
 * duplicates; empty when no project has a release.
 */
export async function latestReleases(
  stores: { metadata: MetadataStore; clickhouse: ClickHouseStore },
  scope: LatestReleaseScope,
): Promise<string[]> {
  const all = await listProjectReleaseVersions(stores.metadata, scope.organizationId, scope.projectIds);
  const open = all.filter((r) => r.status === 'open');
  const byProject = new Map<number, ProjectReleaseVersion[]>();
  for (const r of open) byProject.set(r.project_id, [...(byProject.get(r.project_id) ?? []), r]);
  const usable = await inEnvironments(stores, open, scope.environments);
  const versions = new Set<string>();
  for (const releases of byProject.values()) {
    const candidates = releases.filter((r) => usable(r));
    const latest = followsSemver(releases) ? highestSemver(candidates) : lastReleased(candidates);
    if (latest !== undefined) versions.add(latest.version);
  }
  return [...versions].sort();
}

/** A filter keeping the releases deployed to or seen in `environments` (all when empty). */
async function inEnvironments(
  stores: { metadata: MetadataStore; clickhouse: ClickHouseStore },
  releases: readonly ProjectReleaseVersion[],
  environments: readonly string[],
): Promise<(r: ProjectReleaseVersion) => boolean> {
  if (environments.length === 0 || releases.length === 0) return () => true;
  const [deployed, seen] = await Promise.all([
    deployedReleaseKeys(
      stores.metadata,
      releases.map((r) => r.release_id),
      environments,
    ),
    releasesSeenInEnvironments(
      stores.clickhouse,
      [...new Set(releases.map((r) => r.project_id))],
      releases.map((r) => r.version),
      environments,
    ),
  ]);
  return (r) => deployed.has(`${r.project_id}:${r.release_id}`) || seen.has(`${r.project_id}:${r.version}`);
}

/** Whether the project's newest releases (by creation) are all semantic versions. */
function followsSemver(releases: readonly ProjectReleaseVersion[]): boolean {
  const newest = [...releases]
    .sort((a, b) => b.date_added.localeCompare(a.date_added) || b.release_id - a.release_id)
    .slice(0, SEMVER_SAMPLE);
  return newest.length > 0 && newest.every((r) => semverKey(r.version) !== null);
}

function highestSemver(releases: readonly ProjectReleaseVersion[]): ProjectReleaseVersion | undefined {
  let best: { release: ProjectReleaseVersion; key: SemverKey } | undefined;
  for (const release of releases) {
    const key = semverKey(release.version);
    if (key === null) continue;
    if (best === undefined || compareSemver(key, best.key) > 0) best = { release, key };
  }
  return best?.release;
}

/** Sentry's `COALESCE(date_released, date_added) DESC`. */
function lastReleased(releases: readonly ProjectReleaseVersion[]): ProjectReleaseVersion | undefined {
  let best: ProjectReleaseVersion | undefined;
  for (const release of releases) {
    const when = release.date_released ?? release.date_added;
    if (best === undefined || when > (best.date_released ?? best.date_added)) best = release;
  }
  return best;
}
