/**
 * Event attachment endpoints with Sentry's paths and shapes (serializer in
 * ./serializers/attachment.ts):
 *
 * - `GET /api/0/projects/{org}/{project}/events/{event_id}/attachments/`: the event's
 *   attachments, oldest first (`ProjectEventAttachmentsEndpoint`); `query` filters by name
 *   (substring, case-insensitive), cursor pagination (`per_page` ≤ 100).
 * - `GET /api/0/projects/{org}/{project}/events/{event_id}/attachments/{attachment_id}/`: one
 *   attachment; with `?download=1` its bytes with its content type, `Content-Length` and
 *   `Content-Disposition: attachment; filename="…"` (`EventAttachmentDetailsEndpoint`).
 * - `GET /api/0/issues/{issue_id}/attachments/`: the attachments of the issue's events
 *   (`GroupAttachmentsEndpoint`); `types` (repeatable) filters by attachment type.
 *
 * Bearer-token auth with `event:read` (or write/admin), as Sentry's event endpoints.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MetadataStore } from '../../storage/metadata/index.js';
import type { ClickHouseStore } from '../../storage/clickhouse/index.js';
import { getAttachment, listAttachments } from '../../storage/clickhouse/attachments.js';
import { requireScope, type TokenAuth } from './auth.js';
import { issueFor, ISSUE_PATH_PREFIXES, projectFor } from './context.js';
import { ApiError } from './errors.js';
import { linkHeader, parseCursor, parseLimit } from './pagination.js';
import { multiParam } from './time-range.js';
import { contentDisposition, serializeAttachment } from './serializers/attachment.js';

/** Collaborators of {@link attachmentRoutes}. */
export interface AttachmentRoutesDeps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  auth: TokenAuth;
  /** Base URL for pagination links; default the request's host over http. */
  publicUrl?: string;
}

type Params = Record<string, string>;
type Query = Record<string, unknown>;

/** Attachments read per page before the name filter applies. */
const SCAN_LIMIT = 10_000;

/** Registers the attachment routes on `app` (call from the API plugin). */
export async function attachmentRoutes(app: FastifyInstance, deps: AttachmentRoutesDeps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;
  const requestUrl = (request: FastifyRequest): URL =>
    new URL(request.url, deps.publicUrl ?? `http://${request.headers.host ?? 'localhost'}`);

  async function reader(request: FastifyRequest) {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    return principal;
  }

  app.get('/api/0/projects/:org/:project/events/:eventId/attachments/', async (request, reply) => {
    const principal = await reader(request);
    const p = request.params as Params;
    const { project } = await projectFor(metadata, principal, p.org!, p.project!);
    const query = request.query as Query;
    const limit = parseLimit(query.per_page, 100, 100);
    const { offset } = parseCursor(query.cursor);
    const needle = typeof query.query === 'string' ? query.query.toLowerCase() : '';
    const all = await listAttachments(clickhouse, {
      projectIds: [project.id],
      eventId: p.eventId!,
      limit: SCAN_LIMIT,
    });
    const matching = needle === '' ? all : all.filter((a) => a.name.toLowerCase().includes(needle));
    const page = matching.slice(offset, offset + limit);
    reply.header('Link', linkHeader(requestUrl(request), offset, limit, matching.length > offset + limit));
    return page.map(serializeAttachment);
  });

  app.get(
    '/api/0/projects/:org/:project/events/:eventId/attachments/:attachmentId/',
    async (request, reply) => {
      const principal = await reader(request);
      const p = request.params as Params;
      const { project } = await projectFor(metadata, principal, p.org!, p.project!);
      const attachment = await getAttachment(clickhouse, project.id, p.eventId!, p.attachmentId!);
      if (!attachment) throw new ApiError(404, 'The requested resource does not exist');
      const download = (request.query as Query).download;
      if (download === undefined || download === '0' || download === 'false')
        return serializeAttachment(attachment);
      return reply
        .header('content-type', attachment.contentType)
        .header('content-length', String(attachment.data.length))
        .header('content-disposition', contentDisposition(attachment.name))
        .send(attachment.data);
    },
  );

  for (const prefix of ISSUE_PATH_PREFIXES) {
    app.get(`${prefix}attachments/`, async (request, reply) => {
      const principal = await reader(request);
      const p = request.params as Params;
      const { project, group } = await issueFor(metadata, principal, p.id!, p.org);
      const query = request.query as Query;
      const limit = parseLimit(query.per_page, 100, 100);
      const { offset } = parseCursor(query.cursor);
      const rows = await listAttachments(clickhouse, {
        projectIds: [project.id],
        groupId: group.id,
        types: multiParam(query.types),
        limit: limit + 1,
        cursor: offset,
      });
      reply.header('Link', linkHeader(requestUrl(request), offset, limit, rows.length > limit));
      return rows.slice(0, limit).map(serializeAttachment);
    });
  }
}
