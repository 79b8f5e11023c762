/**
 * Issue endpoints with Sentry's paths and shapes:
 * - `GET /api/0/organizations/{org}/issues/` and `GET /api/0/projects/{org}/{project}/issues/`
 *   (`query` in Sentry's search syntax, default `is:unresolved`; `sort` date|new|freq|user;
 *   `statsPeriod` or `start`/`end`; `environment`; `project` ids; cursor pagination);
 * - `GET /api/0/issues/{id}/` (also under `/organizations/{org}/`): details, with the workflow
 *   fields for the requesting user, whose visit is recorded (Sentry's `GroupSeen`); updates,
 *   deletes and the activity log are in `issue-actions.ts`;
 * - `GET /api/0/issues/{id}/events/` and `.../events/{latest|oldest|recommended|<event id>}/`;
 * - `GET /api/0/projects/{org}/{project}/events/{event_id}/`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  getLatestEvent,
  getOldestEvent,
  getEvent,
  listGroupEvents,
  queryIssueAggregates,
  type ClickHouseStore,
} from '../../storage/clickhouse/index.js';
import {
  getUsers,
  listActivityLog,
  listParticipants,
  listSeenBy,
  markSeen,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import {
  serializeActivity,
  serializeEvent,
  serializeEventSummary,
  serializeIssue,
  serializeIssueDetails,
  serializeUserAccount,
  type IssueWorkflow,
} from './serializers/index.js';
import { issueOrMerged } from './issue-actions.js';
import { loadIssueWorkflows } from './issue-workflow.js';
import { searchIssues, type IssueSort } from '../services/issue-search.js';
import { requireScope, type TokenAuth } from './auth.js';
import { ApiError } from './errors.js';
import { toGroupRecord } from './group-record.js';
import {
  issueFor,
  organizationFor,
  projectFor,
  projectsFor,
  type Group,
  type Organization,
  type Project,
} from './context.js';
import { linkHeader, parseCursor, parseLimit } from './pagination.js';
import { multiParam, parseTimeRange } from './time-range.js';
import type { SentryEvent } from '../../protocol/event.js';

interface Deps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  publicUrl: string;
  auth: TokenAuth;
}

type Query = Record<string, unknown>;
type Params = Record<string, string>;

const SORTS = new Set(['date', 'new', 'freq', 'user']);

function requestUrl(publicUrl: string, request: FastifyRequest): URL {
  return new URL(request.url, publicUrl);
}

/** Registers the issue and event routes. */
export async function issueRoutes(app: FastifyInstance, deps: Deps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;

  const issueJson = (
    group: Group,
    agg: {
      count: number;
      userCount: number;
      firstSeen: Date | null;
      lastSeen: Date | null;
      isUnhandled?: boolean;
    },
    project: Project,
    organization: Organization,
    workflow: IssueWorkflow | undefined,
  ) =>
    serializeIssue(toGroupRecord(group), agg, project, {
      baseUrl: deps.publicUrl,
      organization,
      workflow,
    });

  async function listIssues(
    request: FastifyRequest,
    organization: Organization,
    projects: Project[],
    userId: number | null,
  ) {
    const query = request.query as Query;
    const now = new Date();
    const { start, end } = parseTimeRange(query, now);
    const sort = typeof query.sort === 'string' && SORTS.has(query.sort) ? (query.sort as IssueSort) : 'date';
    const limit = parseLimit(query.limit ?? query.per_page);
    const { offset } = parseCursor(query.cursor);
    if (projects.length === 0) return { page: [], hasMore: false, offset, limit };
    const result = await searchIssues(
      { metadata, clickhouse },
      {
        projectIds: projects.map((p) => p.id),
        query: typeof query.query === 'string' ? query.query : undefined,
        sort,
        offset,
        limit,
        now,
        start,
        end,
        environments: multiParam(query.environment),
      },
    );
    if (!result.ok) throw new ApiError(400, result.detail);
    const byId = new Map(projects.map((p) => [p.id, p]));
    const workflows = await loadIssueWorkflows(
      metadata,
      result.hits.map((h) => h.group),
      { userId, userCounts: new Map(result.hits.map((h) => [h.group.id, h.userCount])) },
    );
    const page = result.hits.map((h) =>
      issueJson(h.group, h, byId.get(h.group.project_id)!, organization, workflows.get(h.group.id)),
    );
    return { page, hasMore: result.hasMore, offset, limit };
  }

  app.get('/api/0/organizations/:org/issues/', async (request, reply) => {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const organization = await organizationFor(metadata, principal, (request.params as Params).org!);
    const projects = await projectsFor(metadata, organization, multiParam((request.query as Query).project));
    const { page, hasMore, offset, limit } = await listIssues(
      request,
      organization,
      projects,
      principal.userId,
    );
    reply.header('Link', linkHeader(requestUrl(deps.publicUrl, request), offset, limit, hasMore));
    return page;
  });

  app.get('/api/0/projects/:org/:project/issues/', async (request, reply) => {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const p = request.params as Params;
    const { organization, project } = await projectFor(metadata, principal, p.org!, p.project!);
    const { page, hasMore, offset, limit } = await listIssues(
      request,
      organization,
      [project],
      principal.userId,
    );
    reply.header('Link', linkHeader(requestUrl(deps.publicUrl, request), offset, limit, hasMore));
    return page;
  });

  /**
   * Sentry's issue-details shape: the list fields plus release, activity, seen-by and participants.
   * A user's visit marks the issue seen (Sentry's `GroupDetailsEndpoint.get` records `GroupSeen`).
   */
  async function issueDetail(request: FastifyRequest) {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const p = request.params as Params;
    if (p.org) await organizationFor(metadata, principal, p.org);
    const { organization, project, group } = await issueOrMerged(metadata, principal, p.id!);
    if (principal.userId !== null) await markSeen(metadata.db, [group], principal.userId, metadata.now());
    const [[agg], activities, seenBy, participants] = await Promise.all([
      queryIssueAggregates(clickhouse, { projectIds: [project.id], groupIds: [group.id] }),
      listActivityLog(metadata, group.id),
      listSeenBy(metadata.db, group.id),
      listParticipants(metadata.db, group.id),
    ]);
    const workflows = await loadIssueWorkflows(metadata, [group], {
      userId: principal.userId,
      userCounts: new Map([[group.id, agg?.user_count ?? 0]]),
    });
    const users = await getUsers(metadata, [
      ...activities.flatMap((a) => (a.user_id === null ? [] : [a.user_id])),
      ...seenBy.map((s) => s.userId),
      ...participants,
    ]);
    const aggregates = agg
      ? {
          count: agg.count,
          userCount: agg.user_count,
          firstSeen: agg.first_seen,
          lastSeen: agg.last_seen,
          isUnhandled: agg.unhandled,
        }
      : { count: 0, userCount: 0, firstSeen: null, lastSeen: null };
    const userJson = (id: number) => {
      const user = users.get(id);
      return user === undefined ? [] : [serializeUserAccount(user)];
    };
    return serializeIssueDetails(
      toGroupRecord(group),
      aggregates,
      project,
      { baseUrl: deps.publicUrl, organization, workflow: workflows.get(group.id) },
      {
        activity: activities.map((a) => serializeActivity(a, users)),
        seenBy: seenBy.flatMap((s) => userJson(s.userId).map((u) => ({ ...u, lastSeen: s.lastSeen }))),
        participants: participants.flatMap(userJson),
      },
    );
  }

  for (const prefix of ['/api/0/issues/:id/', '/api/0/organizations/:org/issues/:id/']) {
    app.get(prefix, issueDetail);
  }

  const eventJson = (row: { data: SentryEvent; group_id: number; project_id: number; received: Date }) =>
    serializeEvent(row.data, {
      projectId: row.project_id,
      groupId: row.group_id,
      dateReceived: row.received,
    });

  app.get('/api/0/issues/:id/events/', async (request, reply) => {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const { project, group } = await issueFor(metadata, principal, (request.params as Params).id!);
    const query = request.query as Query;
    const limit = parseLimit(query.limit ?? query.per_page, 50);
    const { offset } = parseCursor(query.cursor);
    const rows = await listGroupEvents(clickhouse, {
      groupId: group.id,
      projectId: project.id,
      limit: limit + 1,
      offset,
      order: 'latest',
    });
    const full = query.full === 'true' || query.full === '1';
    reply.header('Link', linkHeader(requestUrl(deps.publicUrl, request), offset, limit, rows.length > limit));
    return rows
      .slice(0, limit)
      .map((row) =>
        full
          ? eventJson(row)
          : serializeEventSummary(row.data, { projectId: row.project_id, groupId: row.group_id }),
      );
  });

  app.get('/api/0/issues/:id/events/:eventId/', async (request) => {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const p = request.params as Params;
    const { project, group } = await issueFor(metadata, principal, p.id!);
    const which = p.eventId!;
    const row =
      which === 'latest' || which === 'recommended'
        ? await getLatestEvent(clickhouse, group.id, project.id)
        : which === 'oldest'
          ? await getOldestEvent(clickhouse, group.id, project.id)
          : await getEvent(clickhouse, project.id, which);
    if (!row || row.group_id !== group.id) throw new ApiError(404, 'Event not found');
    return eventJson(row);
  });

  app.get('/api/0/projects/:org/:project/events/:eventId/', async (request) => {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const p = request.params as Params;
    const { project } = await projectFor(metadata, principal, p.org!, p.project!);
    const row = await getEvent(clickhouse, project.id, p.eventId!);
    if (!row) throw new ApiError(404, 'Event not found');
    return eventJson(row);
  });
}
