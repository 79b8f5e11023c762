/**
 * An issue's events: `GET /api/0/issues/{id}/events/` with Sentry's shapes (summary rows, or
 * full events with `full=1`) and cursor pagination. Follows
 * `src/sentry/issues/endpoints/group_events.py`.
 */
import type { FastifyInstance } from 'fastify';
import { listGroupEvents, type ClickHouseStore } from '../../storage/clickhouse/index.js';
import type { MetadataStore } from '../../storage/metadata/index.js';
import { serializeEvent, serializeEventSummary } from './serializers/index.js';
import { requireScope, type TokenAuth } from './auth.js';
import { issueFor } from './context.js';
import { linkHeader, parseCursor, parseLimit } from './pagination.js';

interface Deps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  publicUrl: string;
  auth: TokenAuth;
}

type Query = Record<string, unknown>;
type Params = Record<string, string>;

/** Registers `GET /api/0/issues/{id}/events/`. */
export async function groupEventRoutes(app: FastifyInstance, deps: Deps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;

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
    const url = new URL(request.url, deps.publicUrl);
    reply.header('Link', linkHeader(url, offset, limit, rows.length > limit));
    return rows
      .slice(0, limit)
      .map((row) =>
        full
          ? serializeEvent(row.data, {
              projectId: row.project_id,
              groupId: row.group_id,
              dateReceived: row.received,
            })
          : serializeEventSummary(row.data, { projectId: row.project_id, groupId: row.group_id }),
      );
  });
}
