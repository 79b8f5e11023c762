/**
 * Issue endpoints with Sentry's paths and shapes (the issue lists are in `issue-index.ts`, an
 * issue's event list in `group-events.ts`):
 * - `GET|PUT /api/0/issues/{id}/` (also under `/organizations/{org}/`): details and
 *   `{"status": "resolved"|"unresolved"|"ignored"}` updates;
 * - `GET /api/0/issues/{id}/events/{latest|oldest|recommended|<event id>}/`;
 * - `GET /api/0/projects/{org}/{project}/events/{event_id}/`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  getLatestEvent,
  getOldestEvent,
  getEvent,
  type ClickHouseStore,
} from '../../storage/clickhouse/index.js';
import { listActivities, updateGroupStatus, type MetadataStore } from '../../storage/metadata/index.js';
import { serializeEvent, serializeIssueDetails } from './serializers/index.js';
import { requireScope, type TokenAuth } from './auth.js';
import { ApiError } from './errors.js';
import { toGroupRecord } from './group-record.js';
import { issueFor, organizationFor, projectFor } from './context.js';
import type { SentryEvent } from '../../protocol/event.js';
import { issueDetailStats } from '../services/issue-stats.js';
import { serializeTagKey } from './serializers/tag.js';
import { multiParam } from './time-range.js';

interface Deps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  publicUrl: string;
  auth: TokenAuth;
}

type Params = Record<string, string>;

/** Registers the issue and event routes. */
export async function issueRoutes(app: FastifyInstance, deps: Deps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;

  /** Sentry's issue-details shape: the list fields plus release, activity and friends. */
  async function issueDetail(request: FastifyRequest) {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const p = request.params as Params;
    if (p.org) await organizationFor(metadata, principal, p.org);
    const { organization, project, group } = await issueFor(metadata, principal, p.id!);
    const [events, activities] = await Promise.all([
      issueDetailStats(
        clickhouse,
        group,
        multiParam((request.query as Record<string, unknown>).environment),
        new Date(),
      ),
      listActivities(metadata, group.id),
    ]);
    const aggregates = {
      count: events.count,
      userCount: events.lifetime?.userCount ?? 0,
      firstSeen: events.lifetime?.firstSeen ?? null,
      lastSeen: events.lifetime?.lastSeen ?? null,
      isUnhandled: events.isUnhandled,
    };
    return serializeIssueDetails(
      toGroupRecord(group),
      aggregates,
      project,
      { baseUrl: deps.publicUrl, organization },
      {
        stats: events.stats,
        tags: events.tags.map(serializeTagKey),
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
