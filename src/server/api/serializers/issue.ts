/**
 * Issue (group) JSON in Sentry's web-API shape, as `GET /api/0/organizations/{org}/issues/`,
 * `GET /api/0/projects/{org}/{project}/issues/` and `GET /api/0/issues/{id}/` return it.
 *
 * Follows `src/sentry/api/serializers/models/group.py` (`GroupSerializerBase.serialize`),
 * `group_stream.py` (`StreamGroupSerializerSnuba`: `stats`, `lifetime`, `filtered`) and
 * `src/sentry/issues/endpoints/group_details.py` (the detail extras). The workflow fields
 * (`statusDetails`, `assignedTo`, `isBookmarked`, `isSubscribed`, `subscriptionDetails`,
 * `hasSeen`) come from an {@link IssueWorkflow} the caller loads for the requesting user; fields
 * Vigil does not track (sharing, comments, annotations) carry Sentry's values for "none".
 */
import type { JsonObject, JsonValue } from '../../../protocol/json.js';
import { formatShortId } from '../../../storage/metadata/short-id.js';
import { isoDateOrNull } from './values.js';

/** An issue as stored in the metadata store (`groups` table), in camelCase. */
export interface GroupRecord {
  id: number;
  projectId: number;
  /** The per-project counter behind `shortId` (`DEFAULT-1`). */
  shortId: number;
  /** The event type of the issue's events: `error`, `default`, `csp`... */
  type: string;
  status: 'unresolved' | 'resolved' | 'ignored';
  /** `new`, `ongoing`, `regressed`, `escalating`, `archived_forever`... or null. */
  substatus: string | null;
  title: string;
  culprit: string;
  level: string;
  metadata: JsonObject;
  firstRelease: string | null;
  dateCreated: Date;
  resolvedAt: Date | null;
  activeAt: Date | null;
  /** The logger of the first event; default `null` (Sentry sends `logger or None`). */
  logger?: string | null;
  /** The platform of the first event; default: the project's platform. */
  platform?: string | null;
  /** A stored priority; default: derived from `level` with `priorityFromLevel`. */
  priority?: IssuePriority | null;
}

/** Counts for an issue over a time range, from the telemetry store. */
export interface GroupAggregates {
  /** Number of events (`times_seen`). Sent as a string, like Sentry. */
  count: number;
  /** Number of distinct users (the `sentry:user` tag). */
  userCount: number;
  firstSeen: Date | null;
  lastSeen: Date | null;
  /** True when the latest event had an unhandled exception mechanism; default false. */
  isUnhandled?: boolean;
}

/** The project an issue belongs to. */
export interface ProjectRef {
  id: number;
  slug: string;
  name: string;
  platform: string | null;
}

/** The organization an issue belongs to. */
export interface OrganizationRef {
  id: number;
  slug: string;
  name: string;
}

/** Sentry's issue priority labels (`src/sentry/types/group.py`, `PriorityLevel`). */
export type IssuePriority = 'high' | 'medium' | 'low';

/**
 * Event-count series per stats period, as Sentry's `stats` field: period name (`24h`,
 * `14d`, `30d`, `auto`) → `[[bucketStartUnixSeconds, count], ...]`, oldest first.
 */
export type IssueStats = Record<string, Array<[number, number]>>;

/**
 * An issue's workflow state as the requesting user sees it (`GroupSerializerBase.get_attrs` and
 * `_get_status`); `src/server/api/issue-workflow.ts` loads it.
 */
export interface IssueWorkflow {
  /** The status shown: an ignored issue whose snooze has ended shows as unresolved. */
  status: 'unresolved' | 'resolved' | 'ignored';
  /** `{ignoreUntil, ignoreCount, …, actor}`, `{inNextRelease, actor}`, `{inRelease, actor}` or `{}`. */
  statusDetails: JsonObject;
  /** The assignee as an actor (`serializeActor`), or null. */
  assignedTo: JsonObject | null;
  isBookmarked: boolean;
  isSubscribed: boolean;
  /** `{reason}` of an active subscription, else null. */
  subscriptionDetails: JsonObject | null;
  /** Whether the user looked at the issue after it last became active. */
  hasSeen: boolean;
}

/** Inputs `serializeIssue` needs beyond the issue itself. */
export interface SerializeIssueOptions {
  /** Public base URL of the web UI without trailing slash, e.g. `http://127.0.0.1:8000`. */
  baseUrl: string;
  organization: OrganizationRef;
  /** When given, emitted as `stats` (stream endpoints with `statsPeriod`). */
  stats?: IssueStats;
  /** When given, emitted as `lifetime` (all-time counts; stream endpoints). */
  lifetime?: GroupAggregates;
  /** When given, emitted as `filtered` (`null` when the query had no filters). */
  filtered?: GroupAggregates | null;
  /** The requesting user's view of the workflow fields; default: nothing assigned, seen or bookmarked. */
  workflow?: IssueWorkflow;
}

const LEVELS = new Set(['debug', 'info', 'warning', 'error', 'fatal']);

/**
 * The priority Sentry gives a new issue from its level when no severity model runs
 * (`src/sentry/event_manager.py`, `_get_priority_for_group`): info/debug → low,
 * fatal/error → high, warning → medium, anything else → medium.
 */
export function priorityFromLevel(level: string): IssuePriority {
  switch (level) {
    case 'debug':
    case 'info':
      return 'low';
    case 'error':
    case 'fatal':
      return 'high';
    default:
      return 'medium';
  }
}

/** `{baseUrl}/organizations/{org}/issues/{id}/` (`Group.get_absolute_url`). */
export function issuePermalink(baseUrl: string, organizationSlug: string, groupId: number): string {
  return `${baseUrl.replace(/\/+$/, '')}/organizations/${organizationSlug}/issues/${groupId}/`;
}

function seenStats(agg: GroupAggregates, group: GroupRecord): JsonObject {
  // Sentry falls back to the group row's first/last seen when the range has no events;
  // Vigil keeps only date_created, so both fall back to it rather than to null, which the
  // UI's relative-time widgets cannot render.
  const firstSeen = agg.firstSeen ?? group.dateCreated;
  return {
    count: String(agg.count),
    userCount: agg.userCount,
    firstSeen: isoDateOrNull(firstSeen),
    lastSeen: isoDateOrNull(agg.lastSeen ?? firstSeen),
  };
}

/**
 * Serializes one issue as Sentry's `StreamGroupSerializerSnuba` does: `id` and
 * `project.id` as strings, `count` as a string, `userCount` a number, dates ISO-8601 with
 * milliseconds, `shortId` like `DEFAULT-1` (computed with `formatShortId`), `permalink`
 * from `options.baseUrl`. Optional `stats`/`lifetime`/`filtered` appear only when given.
 * Never throws; unknown levels serialize as `unknown` like Sentry's `LOG_LEVELS.get`.
 */
export function serializeIssue(
  group: GroupRecord,
  agg: GroupAggregates,
  project: ProjectRef,
  options: SerializeIssueOptions,
): JsonObject {
  const workflow = options.workflow;
  const result: JsonObject = {
    id: String(group.id),
    shareId: null,
    shortId: formatShortId(project.slug, group.shortId),
    title: group.title,
    culprit: group.culprit,
    permalink: issuePermalink(options.baseUrl, options.organization.slug, group.id),
    logger: group.logger || null,
    level: LEVELS.has(group.level) ? group.level : 'unknown',
    status: workflow?.status ?? group.status,
    statusDetails: workflow?.statusDetails ?? {},
    substatus: group.substatus,
    isPublic: false,
    platform: group.platform ?? project.platform,
    project: { id: String(project.id), name: project.name, slug: project.slug, platform: project.platform },
    type: group.type,
    metadata: group.metadata,
    numComments: 0,
    assignedTo: workflow?.assignedTo ?? null,
    isBookmarked: workflow?.isBookmarked ?? false,
    isSubscribed: workflow?.isSubscribed ?? false,
    subscriptionDetails: workflow?.subscriptionDetails ?? null,
    hasSeen: workflow?.hasSeen ?? false,
    annotations: [],
    issueType: 'error',
    issueCategory: 'error',
    priority: group.priority ?? priorityFromLevel(group.level),
    priorityLockedAt: null,
    seerFixabilityScore: null,
    seerAutofixLastTriggered: null,
    isUnhandled: agg.isUnhandled ?? false,
    ...seenStats(agg, group),
  };
  if (options.stats !== undefined) result.stats = statsJson(options.stats);
  if (options.lifetime !== undefined) {
    result.lifetime = { ...seenStats(options.lifetime, group), ...(options.stats ? { stats: null } : {}) };
  }
  if (options.filtered !== undefined) {
    result.filtered =
      options.filtered === null
        ? null
        : {
            ...seenStats(options.filtered, group),
            ...(options.stats ? { stats: statsJson(options.stats) } : {}),
          };
  }
  return result;
}

function statsJson(stats: IssueStats): JsonObject {
  const out: JsonObject = {};
  for (const [period, points] of Object.entries(stats)) out[period] = points.map(([ts, n]) => [ts, n]);
  return out;
}

/** Extra data the issue detail endpoint (`GET /api/0/issues/{id}/`) adds. */
export interface IssueDetailExtras {
  /** `{version, ...}` of the first release the issue was seen in, or null (default). */
  firstRelease?: JsonObject | null;
  /** Latest release the issue was seen in, or null (default). */
  lastRelease?: JsonObject | null;
  /** Tag summaries `[{key, name, totalValues, topValues}]`, sorted by name; default []. */
  tags?: JsonObject[];
  /** Serialized activity entries, newest first; default []. */
  activity?: JsonValue[];
  /** Hourly (`24h`) and daily (`30d`) series; omitted when not given. */
  stats?: IssueStats;
  /** Serialized users who looked at the issue (with `lastSeen`), most recent first; default []. */
  seenBy?: JsonValue[];
  /** Serialized users subscribed to the issue; default []. */
  participants?: JsonValue[];
}

/**
 * The issue detail shape: `serializeIssue` plus Sentry's detail-endpoint fields
 * (`firstRelease`, `lastRelease`, `tags`, `activity`, `seenBy`, `userReportCount`,
 * `participants`, `pluginActions`, `pluginIssues`, `pluginContexts`), with neutral
 * defaults for what Vigil does not track. Follows `group_details.py` `GroupDetailsEndpoint.get`.
 */
export function serializeIssueDetails(
  group: GroupRecord,
  agg: GroupAggregates,
  project: ProjectRef,
  options: Omit<SerializeIssueOptions, 'stats'>,
  extras: IssueDetailExtras = {},
): JsonObject {
  const base = serializeIssue(group, agg, project, options);
  const details: JsonObject = {
    ...base,
    firstRelease: extras.firstRelease ?? (group.firstRelease ? { version: group.firstRelease } : null),
    lastRelease: extras.lastRelease ?? null,
    tags: [...(extras.tags ?? [])].sort((a, b) =>
      String(a.name ?? a.key).localeCompare(String(b.name ?? b.key)),
    ),
    activity: extras.activity ?? [],
    seenBy: extras.seenBy ?? [],
    userReportCount: 0,
    participants: extras.participants ?? [],
    pluginActions: [],
    pluginIssues: [],
    pluginContexts: [],
  };
  if (extras.stats !== undefined) details.stats = statsJson(extras.stats);
  return details;
}
