/**
 * Pure serializers from Vigil's stored records to Sentry's web-API JSON shapes (issues,
 * events, projects, organizations, client keys). No I/O: callers load the records and
 * pass plain objects. See each module for the upstream serializer it follows.
 */
export {
  serializeIssue,
  serializeIssueDetails,
  priorityFromLevel,
  issuePermalink,
  type GroupRecord,
  type GroupAggregates,
  type ProjectRef,
  type OrganizationRef,
  type IssuePriority,
  type IssueStats,
  type SerializeIssueOptions,
  type IssueDetailExtras,
  type IssueWorkflow,
} from './issue.js';
export {
  serializeEvent,
  serializeEventSummary,
  serializeTags,
  serializeUser,
  serializeEventErrors,
  eventIdHex,
  type SerializeEventContext,
} from './event.js';
export {
  buildEntries,
  frameContext,
  serializeFrame,
  serializeStacktrace,
  serializeException,
  type EventEntry,
} from './event-entries.js';
export {
  serializeProject,
  projectColor,
  type ProjectRecord,
  type ProjectExtras,
  type TeamRef,
} from './project.js';
export {
  serializeOrganization,
  serializeOrganizationDetails,
  type OrganizationRecord,
  type SerializeOrganizationOptions,
  type OrganizationDetailExtras,
} from './organization.js';
export { serializeUserAccount, gravatarUrl } from './user.js';
export { serializeActor, displayName, type ActorRecord } from './actor.js';
export { serializeActivity } from './activity.js';
export { serializeTeam, type TeamExtras } from './team.js';
export {
  serializeMember,
  serializeOrganizationRoles,
  serializeTeamRoles,
  type MemberContext,
  type MemberDetails,
} from './member.js';
export { serializeApiToken } from './api-token.js';
export { serializeProjectKey, type ProjectKeyRecord, type DsnOptions } from './project-key.js';
export { isoDate, isoDateOrNull, isoTimestamp } from './values.js';
/**
 * `formatShortId(projectSlug, counter)` → `DEFAULT-1`: the issue short id, shared with the
 * metadata store so both sides format it one way (Sentry's `qualified_short_id`).
 */
export { formatShortId, parseShortId, type ParsedShortId } from '../../../storage/metadata/short-id.js';
