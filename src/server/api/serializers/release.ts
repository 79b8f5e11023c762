/**
 * Release and deploy JSON in Sentry's web-API shape (`ReleaseSerializer.serialize` in
 * `src/sentry/api/serializers/models/release.py`, `DeploySerializer` in `.../deploy.py`;
 * reference/sentry-semantics.md §8.2). sentry-cli reads `version`, `dateCreated`, `url`,
 * `dateReleased`, `lastEvent`, `newGroups`, `projects[].slug/name` and `lastCommit.id`; the
 * rest is the full object the Sentry UI gets. Without users, `owner` is null; without health
 * queries (`?health=1`), `hasHealthData` is false, as in Sentry.
 */
import type { JsonObject, JsonValue } from '../../../protocol/json.js';
import type { Deploy, Release } from '../../../storage/metadata/index.js';
import { versionInfo } from '../release-version.js';
import { isoDateOrNull, isoTimestamp, stringOrNull } from './values.js';

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

/**
 * A commit as sent in a release's `commits`, as Sentry's `CommitSerializer` shows it
 * (`{id, message, dateCreated, pullRequest, suspectCommitType}`, plus `repository` and `author`
 * when the commit named them).
 */
function serializeCommit(commit: JsonObject): JsonObject {
  const json: JsonObject = {
    id: stringOrNull(commit.id),
    message: stringOrNull(commit.message),
    dateCreated: isoTimestamp(commit.timestamp),
    pullRequest: null,
    suspectCommitType: '',
  };
  const repository = stringOrNull(commit.repository);
  if (repository !== null) json.repository = { name: repository };
  const author = commitAuthor(commit);
  if (author !== null) json.author = author;
  return json;
}

function commitAuthor(commit: JsonObject): JsonObject | null {
  const email = stringOrNull(commit.author_email);
  if (email === null) return null;
  return { name: stringOrNull(commit.author_name), email };
}

/** The distinct commit authors (`{name, email}`, first occurrence wins), as Sentry lists unmapped authors. */
function authorsOf(commits: readonly JsonObject[]): JsonValue[] {
  const byEmail = new Map<string, JsonObject>();
  for (const commit of commits) {
    const author = commitAuthor(commit);
    const email = author?.email;
    if (author !== null && typeof email === 'string' && !byEmail.has(email)) byEmail.set(email, author);
  }
  return [...byEmail.values()];
}

/** The release JSON of the list and detail endpoints. */
export function serializeRelease(release: Release, extras: ReleaseExtras): JsonObject {
  const commits = release.commits ?? [];
  const lastCommit = commits[0];
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
    lastCommit: lastCommit === undefined ? null : serializeCommit(lastCommit),
    deployCount: release.total_deploys,
    lastDeploy: extras.lastDeploy === null ? null : serializeDeploy(extras.lastDeploy),
    authors: authorsOf(commits),
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
