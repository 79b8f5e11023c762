/**
 * An issue's events: `GET /api/0/issues/{id}/events/` with Sentry's shapes (summary rows, or
 * full events with `full=1`) and cursor pagination, filtered by `query` (event search syntax,
 * booleans allowed), `environment` and `statsPeriod` or `start`/`end` (default the last 90
 * days), newest first. Follows `src/sentry/issues/endpoints/group_events.py`; a query that does
 * not parse is a 400 with the parser's message.
 */
import type { FastifyInstance } from 'fastify';
import { listGroupEvents, type ClickHouseStore } from '../../storage/clickhouse/index.js';
import type { MetadataStore } from '../../storage/metadata/index.js';
import { compileGroupEventSearch } from '../../query/group-event-search.js';
import { serializeEvent, serializeEventSummary } from './serializers/index.js';
import { requireScope, type TokenAuth } from './auth.js';
import { ApiError } from './errors.js';
import { issueFor, ISSUE_PATH_PREFIXES } from './context.js';
import { linkHeader, parseCursor, parseLimit } from './pagination.js';
import { multiParam, parseTimeRange } from './time-range.js';

interface Deps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  publicUrl: string;
  auth: TokenAuth;
}

type Query = Record<string, unknown>;
type Params = Record<string, string>;

/** How far back the events of an issue are listed without a range (Sentry's default). */
const DEFAULT_DAYS = 90;
const DAY_MS = 86_400_000;

/** Registers `GET /api/0/issues/{id}/events/` and `/api/0/organizations/{org}/issues/{id}/events/`. */
export async function groupEventRoutes(app: FastifyInstance, deps: Deps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;

  for (const prefix of ISSUE_PATH_PREFIXES) {
    app.get(`${prefix}events/`, async (request, reply) => {
      const principal = await auth.authenticate(request);
      requireScope(principal, 'event:read', 'event:write', 'event:admin');
      const p = request.params as Params;
      const { project, group } = await issueFor(metadata, principal, p.id!, p.org);
      const query = request.query as Query;
      const now = new Date();
      const range = parseTimeRange(query, now);
      const search = compileGroupEventSearch(typeof query.query === 'string' ? query.query : '', { now });
      if (!search.ok) throw new ApiError(400, search.error.message);
      const limit = parseLimit(query.limit ?? query.per_page, 50);
      const { offset } = parseCursor(query.cursor);
      const rows = await listGroupEvents(clickhouse, {
        groupId: group.id,
        projectId: project.id,
        limit: limit + 1,
        offset,
        order: 'latest',
        environments: multiParam(query.environment),
        start: range.start ?? new Date(now.getTime() - DEFAULT_DAYS * DAY_MS),
        end: range.end,
        where: search.value ?? undefined,
      });
      const full = query.full === 'true' || query.full === '1';
      reply.header(
        'Link',
        linkHeader(new URL(request.url, deps.publicUrl), offset, limit, rows.length > limit),
      );
      return rows.slice(0, limit).map((row) =>
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
}
