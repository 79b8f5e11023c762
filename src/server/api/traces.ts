/**
 * Sentry's trace view endpoint: `GET /api/0/organizations/{org}/trace/{trace_id}/` (Sentry's
 * `OrganizationTraceEndpoint`; the older `.../events-trace/{trace_id}/` path answers the same).
 * Returns the trace's spans as a forest nested by parent with the trace's error events attached
 * to their spans (./serializers/trace.ts). Parameters: `project` (ids, repeatable, `-1` = all;
 * default all of the organization's projects), `limit` (spans, 1..10 000, default 10 000).
 * A trace id that is not 32 hex digits (dashes allowed) is 400; a trace with neither spans nor
 * errors is 404, as Sentry answers for an unknown trace.
 */
import type { FastifyInstance } from 'fastify';
import { listTraceEvents } from '../../storage/clickhouse/events.js';
import type { ClickHouseStore } from '../../storage/clickhouse/index.js';
import { hexId } from '../../storage/clickhouse/query-helpers.js';
import { MAX_TRACE_SPANS, readTrace } from '../../storage/clickhouse/spans.js';
import type { MetadataStore } from '../../storage/metadata/index.js';
import { requireScope, type TokenAuth } from './auth.js';
import { organizationFor, projectsFor } from './context.js';
import { ApiError } from './errors.js';
import { serializeTrace } from './serializers/trace.js';
import { multiParam } from './time-range.js';

/** What the trace routes need. */
export interface TraceRoutesDeps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  auth: TokenAuth;
}

function parseLimit(raw: unknown): number {
  if (raw === undefined || raw === '') return MAX_TRACE_SPANS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_TRACE_SPANS) {
    throw new ApiError(400, `Invalid limit. Must be between 1 and ${MAX_TRACE_SPANS}.`);
  }
  return n;
}

/** Registers the trace endpoints. */
export async function traceRoutes(app: FastifyInstance, deps: TraceRoutesDeps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;
  for (const path of [
    '/api/0/organizations/:org/trace/:traceId/',
    '/api/0/organizations/:org/events-trace/:traceId/',
  ]) {
    app.get(path, async (request) => {
      const principal = await auth.authenticate(request);
      requireScope(principal, 'event:read', 'event:write', 'event:admin');
      const params = request.params as { org: string; traceId: string };
      const organization = await organizationFor(metadata, principal, params.org);
      const traceId = hexId(params.traceId);
      if (traceId === undefined) throw new ApiError(400, 'Invalid trace id.');
      const query = request.query as Record<string, unknown>;
      const limit = parseLimit(query.limit);
      const projects = await projectsFor(metadata, organization, multiParam(query.project));
      const ids = projects.map((p) => p.id);
      const [spans, errors] = await Promise.all([
        readTrace(clickhouse, ids, traceId, limit),
        listTraceEvents(clickhouse, ids, traceId),
      ]);
      if (spans.length === 0 && errors.length === 0) throw new ApiError(404, 'Trace not found.');
      return serializeTrace(spans, errors, new Map(projects.map((p) => [p.id, p.slug])));
    });
  }
}
