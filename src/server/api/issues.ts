/**
 * Issue endpoints with Sentry's paths and shapes (the issue lists are in `issue-index.ts`, an
 * issue's event list in `group-events.ts`):
 * - `GET /api/0/issues/{id}/` (also under `/organizations/{org}/`): details, with the workflow
 *   fields for the requesting user, whose visit is recorded (Sentry's `GroupSeen`); updates,
 *   deletes and the activity log are in `issue-actions.ts`;
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
  serializeIssueDetails,
  serializeUserAccount,
} from './serializers/index.js';
import { loadIssueWorkflows } from './issue-workflow.js';
import { requireScope, type TokenAuth } from './auth.js';
import { ApiError } from './errors.js';
import { toGroupRecord } from './group-record.js';
import { issueFor, ISSUE_PATH_PREFIXES, projectFor } from './context.js';
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

  /**
   * Sentry's issue-details shape: the list fields plus release, 24h/30d stats, tag keys,
   * activity, seen-by and participants. A user's visit marks the issue seen (Sentry's
   * `GroupDetailsEndpoint.get` records `GroupSeen`).
   */
  async function issueDetail(request: FastifyRequest) {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const p = request.params as Params;
    const { organization, project, group } = await issueFor(metadata, principal, p.id!, p.org);
    if (principal.userId !== null) await markSeen(metadata.db, [group], principal.userId, metadata.now());
    const [events, activities, seenBy, participants] = await Promise.all([
      issueDetailStats(
        clickhouse,
        group,
        multiParam((request.query as Record<string, unknown>).environment),
        new Date(),
      ),
      listActivityLog(metadata, group.id),
      listSeenBy(metadata.db, group.id),
      listParticipants(metadata.db, group.id),
    ]);
    const aggregates = {
      count: events.count,
      userCount: events.lifetime?.userCount ?? 0,
      firstSeen: events.lifetime?.firstSeen ?? null,
      lastSeen: events.lifetime?.lastSeen ?? null,
      isUnhandled: events.isUnhandled,
    };
    const workflows = await loadIssueWorkflows(metadata, [group], {
      userId: principal.userId,
      userCounts: new Map([[group.id, aggregates.userCount]]),
    });
    const users = await getUsers(metadata, [
      ...activities.flatMap((a) => (a.user_id === null ? [] : [a.user_id])),
      ...seenBy.map((s) => s.userId),
      ...participants,
    ]);
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
        stats: events.stats,
        tags: events.tags.map(serializeTagKey),
        activity: activities.map((a) => serializeActivity(a, users)),
        seenBy: seenBy.flatMap((s) => userJson(s.userId).map((u) => ({ ...u, lastSeen: s.lastSeen }))),
        participants: participants.flatMap(userJson),
      },
    );
  }

  for (const prefix of ISSUE_PATH_PREFIXES) {
    app.get(prefix, issueDetail);
  }

  const eventJson = (row: { data: SentryEvent; group_id: number; project_id: number; received: Date }) =>
    serializeEvent(row.data, {
      projectId: row.project_id,
      groupId: row.group_id,
      dateReceived: row.received,
    });

  for (const prefix of ISSUE_PATH_PREFIXES) {
    app.get(`${prefix}events/:eventId/`, async (request) => {
      const principal = await auth.authenticate(request);
      requireScope(principal, 'event:read', 'event:write', 'event:admin');
      const p = request.params as Params;
      const { project, group } = await issueFor(metadata, principal, p.id!, p.org);
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
  }

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
