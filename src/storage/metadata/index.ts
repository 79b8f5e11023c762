/**
 * The metadata store (DESIGN.md "Storage"):
 * organizations, users, members, teams, projects and their processing configs, DSN keys, API
 * tokens, groups and their hashes, activities, monitors, releases and deploys, artifact bundles and
 * their chunks —
 * one Kysely code path over SQLite (embedded) or Postgres. Every repository function takes
 * the `MetadataStore` returned by `openMetadataStore` as its first argument.
 */
export { openMetadataStore, MetadataOpenError, pingMetadata } from './store.js';
export type { MetadataStore, OpenMetadataStoreOptions, MetadataOpenFailure } from './store.js';
export type { MetadataDialect } from './migrations.js';
export type { Database, Organization, Project } from './schema.js';
export type { MetadataError, MetadataResult } from './result.js';
export { MAX_SLUG_LENGTH, slugProblem } from './slug.js';

export {
  getOrganizationBySlug,
  getOrganizationById,
  getOrganizationsById,
  listOrganizations,
  createOrganization,
  updateOrganization,
} from './organizations.js';
export {
  createProject,
  listProjects,
  listProjectsPage,
  getProjectById,
  getProjectBySlug,
  deleteProject,
} from './projects.js';
export { createUser, getUser, getUsers, getUserByEmail, getUserByUsername, listUsers } from './users.js';
export type { User, NewUser } from './users.js';
export {
  addOrganizationMember,
  getOrganizationMember,
  getMembership,
  listUserMemberships,
  listOrganizationMembers,
  countMembersWithRole,
  setMemberRole,
  deleteOrganizationMember,
  acceptInvitations,
} from './members.js';
export type { OrganizationMember, NewMember } from './members.js';
export {
  createTeam,
  getTeamBySlug,
  listTeams,
  updateTeam,
  deleteTeam,
  addTeamMember,
  setMemberTeams,
  listTeamMemberships,
  countTeamMembers,
  addProjectTeam,
  listProjectTeams,
  listTeamProjectIds,
} from './teams.js';
export type { Team, TeamMembership, Page } from './teams.js';
export type { CreateProjectOptions } from './projects.js';
export { getProjectConfigJson, getProjectConfigJsons, setProjectConfigJson } from './project-configs.js';
export {
  createProjectKey,
  listProjectKeys,
  getProjectKeyByPublicKey,
  setProjectKeyActive,
  listProjectKeysPage,
  insertProjectKey,
  getProjectKey,
  updateProjectKey,
  deleteProjectKey,
} from './project-keys.js';
export type { ProjectKey, ProjectKeyWithOwners, NewProjectKey } from './project-keys.js';
export {
  createApiToken,
  createUserApiToken,
  verifyApiToken,
  listApiTokens,
  listUserApiTokens,
  getApiToken,
  deleteApiToken,
  hashApiToken,
  ALL_API_SCOPES,
  API_TOKEN_PREFIX,
  LAST_USED_RESOLUTION_MS,
} from './api-tokens.js';
export type { ApiToken, CreatedApiToken } from './api-tokens.js';
export {
  bootstrap,
  DEFAULT_ORGANIZATION_SLUG,
  DEFAULT_PROJECT_SLUG,
  DEFAULT_ADMIN_USERNAME,
  DEFAULT_ADMIN_EMAIL,
} from './bootstrap.js';
export type { BootstrapOptions, BootstrapResult } from './bootstrap.js';

export { resolveGroups, REGRESSION_WINDOW_MS } from './resolve-groups.js';
export { isPermanentStoreError, MissingProjectError } from './errors.js';
export type { GroupInit, ResolveGroupsItem, ResolvedGroup, ResolveGroupsOptions } from './resolve-groups.js';
export type { ArchivedGroupRef, FirstSeenReader, HourlyEventCounter } from './group-escalation.js';
export {
  ONE_EVENT_FORECAST_VALUE,
  deleteExpiredForecasts,
  getForecasts,
  setForecasts,
  listStaleForecasts,
  refreshForecasts,
  todaysForecast,
} from './group-forecasts.js';
export type { GroupForecast, StaleForecast } from './group-forecasts.js';
export { getGroup, getGroups, getGroupByShortId, getGroupIdsByShortIds, toGroup } from './groups.js';
export type { Group, GroupStatus, GroupSubstatus } from './groups.js';
export {
  changeGroupStatus,
  updateGroupStatus,
  markGroupsReviewed,
  putGroupsInInbox,
} from './group-status.js';
export type { GroupStatusChange, GroupStatusChangeInput } from './group-status.js';
export { listActivities, listActivityLog, ACTIVITY_LOG_LIMIT } from './activities.js';
export type { Activity, ActivityType } from './activities.js';
export {
  INBOX_DAYS,
  INBOX_REASONS,
  addToInbox,
  removeFromInbox,
  getInboxEntries,
  inboxDatesWhere,
} from './group-inbox.js';
export type { InboxEntry, InboxReason, InboxAdd, InboxDatesQuery } from './group-inbox.js';
export {
  MAX_SNOOZE_WINDOW_MINUTES,
  getSnoozes,
  remainingIgnoreCount,
  snoozeDetails,
  snoozeEnd,
  snoozeExpired,
  userSnoozeExpired,
  listSnoozesToCheck,
  endSnoozes,
} from './group-snoozes.js';
export type { Snooze, SnoozeCondition, SnoozeState, ProjectSnooze, SnoozeEnd } from './group-snoozes.js';
export {
  getResolutions,
  greatestSemverRelease,
  mostRecentRelease,
  projectFollowsSemver,
  projectRelease,
  releaseAfter,
  hasResolution,
  getReleaseRefs,
} from './group-resolutions.js';
export type { ReleaseRef, Resolution, ResolutionType, NewResolution } from './group-resolutions.js';
export { getAssignees, assignGroups, unassignGroups, getTeamsById } from './group-assignees.js';
export type { Assignee } from './group-assignees.js';
export {
  SUBSCRIPTION_REASONS,
  addBookmarks,
  removeBookmarks,
  markSeen,
  unmarkSeen,
  setSubscribed,
  getUserGroupStates,
  listSeenBy,
  listParticipants,
} from './group-user-states.js';
export type { GroupRef, Subscription, UserGroupStates } from './group-user-states.js';
export {
  mergeGroups,
  deleteGroups,
  getGroupRedirect,
  listEventCleanups,
  expireEventCleanups,
  existingGroupIds,
} from './group-removal.js';
export type { EventCleanup, MergeGroupsInput } from './group-removal.js';
export { upsertMonitors, listMonitors, getMonitorBySlug, mergeConfig } from './monitors.js';
export type { Monitor, MonitorUpsert, ListMonitorsFilter } from './monitors.js';
export { formatShortId, parseShortId, base32Encode, base32Decode } from './short-id.js';
export type { ParsedShortId } from './short-id.js';
export {
  createRelease,
  updateRelease,
  getRelease,
  listReleases,
  listReleaseProjects,
  countNewGroups,
  newGroupsKey,
  releaseHasIssues,
  deleteRelease,
  RELEASE_STATUSES,
} from './releases.js';
export { createDeploy, listReleaseDeploys, getDeploys } from './deploys.js';
export {
  CUSTOM_SCM_PROVIDER,
  REPOSITORY_EXISTS,
  createRepository,
  getRepository,
  findActiveRepository,
  listRepositories,
  updateRepository,
  deleteRepository,
  repositoriesByName,
} from './repositories.js';
export type {
  Repository,
  RepositoryStatus,
  RepositoryPatch,
  NewRepository,
  ListRepositoriesFilter,
} from './repositories.js';
export { commitAuthorEmail } from './commits.js';
export type { CommitAuthor, CommitInput, CommitRecord, PatchSetEntry } from './commits.js';
export {
  setReleaseCommits,
  setReleaseRefs,
  clearReleaseCommits,
  listReleaseCommits,
  listReleaseFileChanges,
  listReleaseHeadCommits,
  listReleaseRepositories,
  releaseCommitSummaries,
  previousReleaseWithCommits,
} from './release-commits.js';
export type {
  RefInput,
  ReleaseKey,
  ReleaseCommitsPage,
  ReleaseCommitSummary,
  ReleaseFileChange,
} from './release-commits.js';
export type { Deploy, CreateDeployInput } from './deploys.js';
export type {
  Release,
  ReleaseStatus,
  ReleasePatch,
  CreateReleaseInput,
  CreateReleaseResult,
  ListReleasesFilter,
} from './releases.js';
export {
  ASSEMBLE_STATUS_TTL_MS,
  putFileBlobs,
  findMissingFileBlobs,
  readFileBlobs,
  getAssembleStatus,
  claimAssembly,
  setAssembleStatus,
} from './file-blobs.js';
export type { AssembleState, AssembleStatus } from './file-blobs.js';
export {
  SOURCE_FILE_TYPES,
  storeArtifactBundle,
  readArtifactBundleZip,
  findBundlesByDebugId,
  findBundlesByUrl,
  findReleaseBundles,
  getProjectArtifactBundle,
  getProjectArtifactBundleByBundleId,
  listProjectArtifactBundles,
  projectHasArtifactBundles,
  deleteArtifactBundle,
} from './artifact-bundles.js';
export type {
  ArtifactBundle,
  ArtifactBundleListing,
  IndexedArtifactFile,
  StoreArtifactBundleInput,
  ReleaseBundlesFilter,
  ListArtifactBundlesFilter,
} from './artifact-bundles.js';
