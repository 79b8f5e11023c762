/**
 * Release and deploy JSON in Sentry's web-API shape (`ReleaseSerializer.serialize` in
 * `src/sentry/api/serializers/models/release.py`, `DeploySerializer` in `.../deploy.py`;
 * reference/sentry-semantics.md §8.2). sentry-cli reads `version`, `dateCreated`, `url`,
 * `dateReleased`, `lastEvent`, `newGroups`, `projects[].slug/name` and `lastCommit.id`; the
 * rest is the full object the Sentry UI gets (`commitCount`, `lastCommit` and `authors` from the
 * release's commits, `serializers/commit.ts`). Without users, `owner` is null; without health
 * queries (`?health=1`), `hasHealthData` is false, as in Sentry.
 */
import type { JsonObject } from '../../../protocol/json.js';
import type { Deploy, Release, ReleaseCommitSummary } from '../../../storage/metadata/index.js';
import { versionInfo } from '../release-version.js';
import { serializeCommit, serializeCommitAuthor } from './commit.js';
import { isoDateOrNull } from './values.js';

/** A project of a release, with the issues it first saw in that release. */
export interface ReleaseProjectRecord {
  id: number;
  slug: string;
  name: string;
  platform: string | null;
  newGroups: number;
}

/** What a release's JSON needs beyond its row. */
export interface ReleaseExtras {
  projects: readonly ReleaseProjectRecord[];
  /** New issues of the release (of the listed project, or of all its projects). */
  newGroups: number;
  firstEvent: Date | null;
  lastEvent: Date | null;
  lastDeploy: Deploy | null;
  /** The release's newest commit and its commits' authors. */
  commits: ReleaseCommitSummary;
}

/** Deploy JSON: `{id, environment, dateStarted, dateFinished, name, url}` (id as a string). */
export function serializeDeploy(deploy: Deploy): JsonObject {
  return {
    id: String(deploy.id),
    environment: deploy.environment,
    dateStarted: isoDateOrNull(deploy.date_started === null ? null : new Date(deploy.date_started)),
    dateFinished: isoDateOrNull(new Date(deploy.date_finished)),
    name: deploy.name,
    url: deploy.url,
  };
}

/** The release JSON of the list and detail endpoints. */
export function serializeRelease(release: Release, extras: ReleaseExtras): JsonObject {
  const { lastCommit, authors } = extras.commits;
  return {
    id: release.id,
    version: release.version,
    status: release.status,
    shortVersion: release.version,
    versionInfo: versionInfo(release.version),
    ref: release.ref,
    url: release.url,
    dateReleased: release.date_released,
    dateCreated: release.date_added,
    data: release.data,
    newGroups: extras.newGroups,
    owner: null,
    commitCount: release.commit_count,
    lastCommit: lastCommit === null ? null : serializeCommit(lastCommit),
    deployCount: release.total_deploys,
    lastDeploy: extras.lastDeploy === null ? null : serializeDeploy(extras.lastDeploy),
    authors: authors.map(serializeCommitAuthor),
    projects: extras.projects.map((p) => ({
      id: p.id,
      slug: p.slug,
      name: p.name,
      newGroups: p.newGroups,
      platform: p.platform,
      platforms: [],
      hasHealthData: false,
    })),
    firstEvent: isoDateOrNull(extras.firstEvent),
    lastEvent: isoDateOrNull(extras.lastEvent),
    currentProjectMeta: {},
    userAgent: release.user_agent,
  };
}
