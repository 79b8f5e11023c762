/**
 * Issue endpoints with Sentry's paths and shapes:
 * - `GET /api/0/organizations/{org}/issues/` and `GET /api/0/projects/{org}/{project}/issues/`
 *   (`query` in Sentry's search syntax, default `is:unresolved`; `sort` date|new|freq|user;
 *   `statsPeriod` or `start`/`end`; `environment`; `project` ids; cursor pagination);
 * - `GET|PUT /api/0/issues/{id}/` (also under `/organizations/{org}/`): details and
 *   `{"status": "resolved"|"unresolved"|"ignored"}` updates;
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
import { listActivities, updateGroupStatus, type MetadataStore } from '../../storage/metadata/index.js';
import {
  serializeEvent,
  serializeEventSummary,
  serializeIssue,
  serializeIssueDetails,
} from './serializers/index.js';
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
  ) =>
    serializeIssue(toGroupRecord(group), agg, project, {
      baseUrl: deps.publicUrl,
      organization,
    });

  async function listIssues(request: FastifyRequest, organization: Organization, projects: Project[]) {
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
    const page = result.hits.map((h) => issueJson(h.group, h, byId.get(h.group.project_id)!, organization));
    return { page, hasMore: result.hasMore, offset, limit };
  }

  app.get('/api/0/organizations/:org/issues/', async (request, reply) => {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const organization = await organizationFor(metadata, principal, (request.params as Params).org!);
    const projects = await projectsFor(metadata, organization, multiParam((request.query as Query).project));
    const { page, hasMore, offset, limit } = await listIssues(request, organization, projects);
    reply.header('Link', linkHeader(requestUrl(deps.publicUrl, request), offset, limit, hasMore));
    return page;
  });

  app.get('/api/0/projects/:org/:project/issues/', async (request, reply) => {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const p = request.params as Params;
    const { organization, project } = await projectFor(metadata, principal, p.org!, p.project!);
    const { page, hasMore, offset, limit } = await listIssues(request, organization, [project]);
    reply.header('Link', linkHeader(requestUrl(deps.publicUrl, request), offset, limit, hasMore));
    return page;
  });

  /** Sentry's issue-details shape: the list fields plus release, activity and friends. */
  async function issueDetail(request: FastifyRequest) {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const p = request.params as Params;
    if (p.org) await organizationFor(metadata, principal, p.org);
    const { organization, project, group } = await issueFor(metadata, principal, p.id!);
    const [[agg], activities] = await Promise.all([
      queryIssueAggregates(clickhouse, { projectIds: [project.id], groupIds: [group.id] }),
      listActivities(metadata, group.id),
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
    return serializeIssueDetails(
      toGroupRecord(group),
      aggregates,
      project,
      { baseUrl: deps.publicUrl, organization },
      {
        // Sentry lists activity newest first.
        activity: activities.reverse().map((a) => ({
          id: String(a.id),
          user: null,
          type: a.type,
          data: a.data,
          dateCreated: a.date_created,
        })),
      },
    );
  }

  async function issueUpdate(request: FastifyRequest) {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:write', 'event:admin');
    const p = request.params as Params;
    if (p.org) await organizationFor(metadata, principal, p.org);
    const { group } = await issueFor(metadata, principal, p.id!);
    const body = (request.body ?? {}) as { status?: unknown };
    const status = body.status;
    if (status !== 'resolved' && status !== 'unresolved' && status !== 'ignored') {
      throw new ApiError(400, 'status must be one of resolved, unresolved, ignored');
    }
    const substatus = status === 'unresolved' ? 'ongoing' : status === 'ignored' ? 'archived_forever' : null;
    await updateGroupStatus(metadata, group.id, { status, substatus });
    return issueDetail(request);
  }

  for (const prefix of ['/api/0/issues/:id/', '/api/0/organizations/:org/issues/:id/']) {
    app.get(prefix, issueDetail);
    app.put(prefix, issueUpdate);
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
