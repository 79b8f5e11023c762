/**
 * Table types of the metadata store, as Kysely sees them (column names = TypeScript field
 * names). The same shapes hold on SQLite and Postgres: ids are integers (bigint in Postgres,
 * parsed to `number` by the driver setup in `store.ts`), `date_*`/`*_at` columns are
 * ISO-8601 UTC strings with milliseconds, booleans are 0/1 integers and JSON columns are
 * text. Models follow Sentry's
 * `src/sentry/models/{organization,project,projectkey,apitoken,group,grouphash,activity}.py`.
 */
import type { Generated, Selectable } from 'kysely';

/** `organizations`: one row per organization; `slug` is unique. */
export interface OrganizationsTable {
  id: Generated<number>;
  slug: string;
  name: string;
  date_created: string;
}

/** `projects`: `next_short_id` is the next unused per-project issue counter (starts at 1). */
export interface ProjectsTable {
  id: Generated<number>;
  organization_id: number;
  slug: string;
  name: string;
  platform: string | null;
  next_short_id: Generated<number>;
  date_created: string;
}

/**
 * `project_keys`: DSN keys; `public_key`/`secret_key` are 32 lowercase hex; `is_active` is 0/1;
 * `data` (migration 6) is the JSON text of Sentry's `ProjectKey.data` (`browserSdkVersion`,
 * `dynamicSdkLoaderOptions`).
 */
export interface ProjectKeysTable {
  id: Generated<number>;
  project_id: number;
  public_key: string;
  secret_key: string;
  label: string;
  is_active: number;
  date_created: string;
  data: Generated<string>;
}

/**
 * `api_tokens`: only the sha256 hex of a token is stored; `scopes` is a JSON text array. A token
 * acts for its user (`user_id`, migration 6) in the organizations the user is a member of,
 * restricted to `organization_id` when that is set; a token without a user is an organization
 * token acting for `organization_id` alone (Sentry's organization-bound keys).
 */
export interface ApiTokensTable {
  id: Generated<number>;
  organization_id: number | null;
  user_id: number | null;
  name: string;
  token_hash: string;
  token_last_characters: string;
  scopes: string;
  date_created: string;
  date_last_used: string | null;
}

/** `groups`: issues. `metadata` is JSON text; `short_id` is the per-project counter value. */
export interface GroupsTable {
  id: Generated<number>;
  project_id: number;
  short_id: number;
  type: string;
  status: string;
  substatus: string | null;
  title: string;
  culprit: string;
  level: string;
  metadata: string;
  first_release: string | null;
  date_created: string;
  resolved_at: string | null;
  active_at: string;
  /** The first event's platform (migration 2); null for groups created before it. */
  platform: string | null;
  /** The first event's logger (migration 2); null when it had none. */
  logger: string | null;
}

/** `group_hashes`: grouping hash → group; unique on `(project_id, hash)`. */
export interface GroupHashesTable {
  id: Generated<number>;
  project_id: number;
  hash: string;
  group_id: number;
}

/** `activities`: issue activity log; `data` is JSON text; `user_id` is null for the system. */
export interface ActivitiesTable {
  id: Generated<number>;
  project_id: number;
  group_id: number;
  type: string;
  data: string;
  user_id: number | null;
  date_created: string;
}

/**
 * `monitors` (migration 3): cron monitors, unique on `(project_id, slug)`. `guid` is the
 * 32-hex id the web API shows (hyphenated); `status` is `active` or `disabled`; `config` is
 * the JSON text of a `MonitorConfig` (src/protocol/check-in.ts); `owner` an actor such as
 * `user:1`, or null.
 */
export interface MonitorsTable {
  id: Generated<number>;
  guid: string;
  project_id: number;
  slug: string;
  name: string;
  status: string;
  config: string;
  owner: string | null;
  date_created: string;
  date_updated: string;
}

/**
 * `project_configs` (migration 4): one project's processing config, the JSON text of Relay's
 * project config object (camelCase keys); `date_updated` is when it was last written.
 */
export interface ProjectConfigsTable {
  project_id: number;
  config: string;
  date_updated: string;
}

/**
 * `releases` (migration 5): one per organization and version (Sentry's `Release`). `status` is
 * `open` or `archived`; `data` is JSON text (`{}`); `last_deploy_id` points at `deploys.id`;
 * `commit_count` and `last_commit_id` (migration 8) summarize `release_commits`.
 */
export interface ReleasesTable {
  id: Generated<number>;
  organization_id: number;
  version: string;
  ref: string | null;
  url: string | null;
  status: string;
  data: string;
  user_agent: string | null;
  commit_count: Generated<number>;
  total_deploys: Generated<number>;
  last_deploy_id: number | null;
  last_commit_id: Generated<number | null>;
  date_added: string;
  date_released: string | null;
}

/**
 * `repositories` (migration 8; Sentry `Repository`): a version-control repository of an
 * organization, referred to by `name` (`owner/name`). `provider` is null for a plain repository
 * (created by commits that name it, or registered without one) or `integrations:custom_scm`;
 * `status` is `active`, `hidden` or `disabled`. One active repository per name.
 */
export interface RepositoriesTable {
  id: Generated<number>;
  organization_id: number;
  name: string;
  url: string | null;
  provider: string | null;
  external_id: string | null;
  status: string;
  date_added: string;
}

/** `commit_authors` (migration 8; Sentry `CommitAuthor`): unique per organization and email. */
export interface CommitAuthorsTable {
  id: Generated<number>;
  organization_id: number;
  name: string | null;
  email: string;
}

/**
 * `commits` (migration 8; Sentry `Commit`): one per repository and `key` (the sha);
 * `date_added` is the commit's timestamp (ISO-8601 UTC), or when it was first recorded.
 */
export interface CommitsTable {
  id: Generated<number>;
  organization_id: number;
  repository_id: number;
  key: string;
  message: string | null;
  author_id: number | null;
  date_added: string;
}

/** `commit_file_changes` (migration 8; Sentry `CommitFileChange`): `type` is `A`, `D` or `M`. */
export interface CommitFileChangesTable {
  id: Generated<number>;
  organization_id: number;
  commit_id: number;
  filename: string;
  type: string;
}

/** `release_commits` (migration 8; Sentry `ReleaseCommit`): a release's commits, `order` 0 = newest. */
export interface ReleaseCommitsTable {
  organization_id: number;
  release_id: number;
  commit_id: number;
  order: number;
}

/** `release_head_commits` (migration 8; Sentry `ReleaseHeadCommit`): a release's head per repository. */
export interface ReleaseHeadCommitsTable {
  organization_id: number;
  release_id: number;
  repository_id: number;
  commit_id: number;
}

/** `release_projects` (migration 5): which projects a release belongs to (Sentry's `ReleaseProject`). */
export interface ReleaseProjectsTable {
  release_id: number;
  project_id: number;
  date_added: string;
}

/** `deploys` (migration 5): a release deployed to an environment (Sentry's `Deploy`). */
export interface DeploysTable {
  id: Generated<number>;
  organization_id: number;
  release_id: number;
  environment: string;
  name: string | null;
  url: string | null;
  date_started: string | null;
  date_finished: string;
}

/**
 * `release_project_environments` (migration 5): the last deploy of a release per project and
 * environment (Sentry's `ReleaseProjectEnvironment.last_deploy_id`), which the deploy list reads.
 */
export interface ReleaseProjectEnvironmentsTable {
  release_id: number;
  project_id: number;
  environment: string;
  last_deploy_id: number | null;
}

/** `file_blobs` (migration 5): uploaded chunks by organization and sha1 hex (Sentry's `FileBlob` + owner). */
export interface FileBlobsTable {
  organization_id: number;
  checksum: string;
  /** Bytes of `data`. */
  size: number;
  data: Buffer;
  date_created: string;
}

/**
 * `artifact_bundles` (migration 5): an assembled source bundle (Sentry's `ArtifactBundle`).
 * `bundle_id` is the manifest's `debug_id` (or one derived from `checksum`), unique per
 * organization; `checksum` is the sha1 hex of the whole zip, `size` its bytes.
 */
export interface ArtifactBundlesTable {
  id: Generated<number>;
  organization_id: number;
  bundle_id: string;
  checksum: string;
  size: number;
  artifact_count: number;
  /** Last (re-)upload; the "most recent bundle wins" order. */
  date_added: string;
  date_uploaded: string;
  date_last_modified: string;
}

/** `artifact_bundle_blobs` (migration 5): the chunks a bundle's zip is made of, in order. */
export interface ArtifactBundleBlobsTable {
  artifact_bundle_id: number;
  position: number;
  organization_id: number;
  checksum: string;
}

/** `project_artifact_bundles` (migration 5): the projects a bundle was uploaded for. */
export interface ProjectArtifactBundlesTable {
  project_id: number;
  artifact_bundle_id: number;
  date_added: string;
}

/** `release_artifact_bundles` (migration 5): release/dist of a bundle; `dist_name` `''` = no dist. */
export interface ReleaseArtifactBundlesTable {
  organization_id: number;
  release_name: string;
  dist_name: string;
  artifact_bundle_id: number;
  date_added: string;
}

/**
 * `debug_id_artifact_bundles` (migration 5): a bundle's files by debug id (lowercase,
 * hyphenated) and Sentry's `SourceFileType` (1 source, 2 minified source, 3 source map,
 * 4 indexed RAM bundle).
 */
export interface DebugIdArtifactBundlesTable {
  organization_id: number;
  debug_id: string;
  source_file_type: number;
  artifact_bundle_id: number;
  date_added: string;
}

/** `artifact_bundle_index` (migration 5): every file URL of a bundle's manifest (Sentry's `ArtifactBundleIndex`). */
export interface ArtifactBundleIndexTable {
  organization_id: number;
  artifact_bundle_id: number;
  url: string;
}

/**
 * `assemble_statuses` (migration 5): the state of an artifact-bundle assembly by organization and
 * zip checksum (`created`, `assembling`, `ok`, `error` with `detail`); stale after ten minutes.
 */
export interface AssembleStatusesTable {
  organization_id: number;
  checksum: string;
  state: string;
  detail: string | null;
  date_updated: string;
}

/**
 * `users` (migration 6; Sentry `src/sentry/users/models/user.py`): `username` is unique, `email`
 * unique case-insensitively; `password_hash` is null while the user has no password (Vigil has no
 * login page: people reach the API with tokens); booleans are 0/1.
 */
export interface UsersTable {
  id: Generated<number>;
  username: string;
  email: string;
  name: string;
  password_hash: string | null;
  is_superuser: number;
  is_active: number;
  date_joined: string;
  last_login: string | null;
}

/**
 * `organization_members` (migration 6; Sentry `OrganizationMember`): a user's role in an
 * organization (`member`, `admin`, `manager`, `owner`), or a pending invitation (`user_id` null,
 * `email` set). Unique on `(organization_id, user_id)` and `(organization_id, email)`.
 */
export interface OrganizationMembersTable {
  id: Generated<number>;
  organization_id: number;
  user_id: number | null;
  email: string | null;
  role: string;
  inviter_id: number | null;
  date_created: string;
}

/** `teams` (migration 6; Sentry `Team`): slug unique within the organization. */
export interface TeamsTable {
  id: Generated<number>;
  organization_id: number;
  slug: string;
  name: string;
  date_created: string;
}

/**
 * `team_members` (migration 6; Sentry `OrganizationMemberTeam`): a member on a team, with a team
 * role (`contributor`, `admin`) or null for the default. Unique on `(team_id, member_id)`.
 */
export interface TeamMembersTable {
  id: Generated<number>;
  team_id: number;
  member_id: number;
  role: string | null;
}

/** `project_teams` (migration 6; Sentry `ProjectTeam`): the teams a project belongs to. */
export interface ProjectTeamsTable {
  project_id: number;
  team_id: number;
}

/**
 * `group_assignees` (migration 7; Sentry `GroupAssignee`): the one user or team an issue is
 * assigned to (exactly one of `user_id`, `team_id` is set); unique per group.
 */
export interface GroupAssigneesTable {
  id: Generated<number>;
  project_id: number;
  group_id: number;
  user_id: number | null;
  team_id: number | null;
  date_added: string;
}

/** `group_bookmarks` (migration 7; Sentry `GroupBookmark`): a user's bookmark of an issue. */
export interface GroupBookmarksTable {
  id: Generated<number>;
  project_id: number;
  group_id: number;
  user_id: number;
  date_added: string;
}

/** `group_seen` (migration 7; Sentry `GroupSeen`): when a user last looked at an issue. */
export interface GroupSeenTable {
  id: Generated<number>;
  project_id: number;
  group_id: number;
  user_id: number;
  last_seen: string;
}

/**
 * `group_subscriptions` (migration 7; Sentry `GroupSubscription`): a user's workflow
 * subscription to an issue; `is_active` 0/1, `reason` Sentry's `GroupSubscriptionReason` number.
 */
export interface GroupSubscriptionsTable {
  id: Generated<number>;
  project_id: number;
  group_id: number;
  user_id: number;
  is_active: number;
  reason: number;
  date_added: string;
}

/**
 * `group_snoozes` (migration 7; Sentry `GroupSnooze`): the condition that ends an issue's
 * "ignored until…" — a date, a number of events (within `ignore_window` minutes) or of users
 * (within `ignore_user_window` minutes). `state` is JSON text (counts at snooze time and the
 * event counters kept at ingestion, see `group-snoozes.ts`).
 */
export interface GroupSnoozesTable {
  id: Generated<number>;
  group_id: number;
  ignore_until: string | null;
  ignore_count: number | null;
  ignore_window: number | null;
  ignore_user_count: number | null;
  ignore_user_window: number | null;
  state: string;
  actor_id: number | null;
  date_added: string;
}

/**
 * `group_resolutions` (migration 7; Sentry `GroupResolution`): the release an issue was
 * resolved in (`type` `in_release`) or the release after which it counts as resolved
 * (`in_next_release`); `status` `pending` or `resolved`.
 */
export interface GroupResolutionsTable {
  id: Generated<number>;
  group_id: number;
  release_id: number;
  current_release_version: string | null;
  type: string;
  status: string;
  actor_id: number | null;
  datetime: string;
}

/**
 * `group_inbox` (migration 7; Sentry `GroupInbox`): issues waiting for review, with Sentry's
 * `GroupInboxReason` number and its details (JSON text or null).
 */
export interface GroupInboxTable {
  id: Generated<number>;
  project_id: number;
  group_id: number;
  reason: number;
  reason_details: string | null;
  date_added: string;
}

/** `group_redirects` (migration 7; Sentry `GroupRedirect`): a merged-away issue id → its primary. */
export interface GroupRedirectsTable {
  id: Generated<number>;
  organization_id: number;
  group_id: number;
  previous_group_id: number;
  previous_short_id: number | null;
  previous_project_slug: string | null;
  date_added: string;
}

/**
 * `group_event_cleanups` (migration 7): events of a merged or deleted issue still to be moved to
 * `target_group_id` or (null) deleted in ClickHouse.
 */
export interface GroupEventCleanupsTable {
  group_id: number;
  project_id: number;
  target_group_id: number | null;
  date_added: string;
}

/**
 * `group_forecasts` (migration 9; Sentry `EscalatingGroupForecast`): an issue's daily ceilings of
 * its hourly event count for the escalation check of issues archived until escalating, used for
 * 14 days from `date_added` (`group-forecasts.ts`); `forecast` is a JSON array of integers, the
 * first for the day of `date_added`.
 */
export interface GroupForecastsTable {
  group_id: number;
  forecast: string;
  date_added: string;
}

/** The whole metadata schema, as the `Kysely<Database>` type parameter. */
export interface Database {
  users: UsersTable;
  organization_members: OrganizationMembersTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  project_teams: ProjectTeamsTable;
  organizations: OrganizationsTable;
  projects: ProjectsTable;
  project_keys: ProjectKeysTable;
  api_tokens: ApiTokensTable;
  groups: GroupsTable;
  group_hashes: GroupHashesTable;
  activities: ActivitiesTable;
  monitors: MonitorsTable;
  project_configs: ProjectConfigsTable;
  releases: ReleasesTable;
  release_projects: ReleaseProjectsTable;
  repositories: RepositoriesTable;
  commit_authors: CommitAuthorsTable;
  commits: CommitsTable;
  commit_file_changes: CommitFileChangesTable;
  release_commits: ReleaseCommitsTable;
  release_head_commits: ReleaseHeadCommitsTable;
  deploys: DeploysTable;
  release_project_environments: ReleaseProjectEnvironmentsTable;
  file_blobs: FileBlobsTable;
  artifact_bundles: ArtifactBundlesTable;
  artifact_bundle_blobs: ArtifactBundleBlobsTable;
  project_artifact_bundles: ProjectArtifactBundlesTable;
  release_artifact_bundles: ReleaseArtifactBundlesTable;
  debug_id_artifact_bundles: DebugIdArtifactBundlesTable;
  artifact_bundle_index: ArtifactBundleIndexTable;
  assemble_statuses: AssembleStatusesTable;
  group_assignees: GroupAssigneesTable;
  group_bookmarks: GroupBookmarksTable;
  group_seen: GroupSeenTable;
  group_subscriptions: GroupSubscriptionsTable;
  group_snoozes: GroupSnoozesTable;
  group_resolutions: GroupResolutionsTable;
  group_inbox: GroupInboxTable;
  group_redirects: GroupRedirectsTable;
  group_event_cleanups: GroupEventCleanupsTable;
  group_forecasts: GroupForecastsTable;
}

/** An organization row as read. */
export type Organization = Selectable<OrganizationsTable>;

/** A project row as read. */
export type Project = Selectable<ProjectsTable>;
