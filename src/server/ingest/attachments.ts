/**
 * Relay's attachment upload endpoint (`relay-server/src/endpoints/attachments.rs`,
 * reference/relay-protocol.md §1.4): `POST /api/{project_id}/events/{event_id}/attachments/` takes
 * a `multipart/form-data` body whose every file part becomes an `attachment` item
 * (`event.attachment`) bound to the event id of the path, and answers `201 Created` with an empty
 * body. Plain form fields are ignored (there is no event here for them to describe). Used by
 * crash reporters and scripts that upload files after the event.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Envelope } from '../../protocol/envelope.js';
import { DEFAULT_ATTACHMENT_TYPE } from '../../protocol/attachment.js';
import { parseEventId } from './event-id.js';
import { sendError, withRateLimits } from './http.js';
import { resolveSizeLimits } from './limits.js';
import { attachmentItem, readMultipartForm } from './multipart-items.js';
import { headerValue } from './request-meta.js';
import {
  authorizeKeyRequest,
  checkEnvelopeSize,
  enqueueEnvelope,
  ingestClock,
  prepareIngestPlugin,
  readIngestBody,
  rejectUnread,
  requestMetaOf,
} from './route-kit.js';
import { checkProjectAccess } from './project-access.js';
import type { IngestDeps } from './types.js';

/**
 * Registers the attachment upload endpoint (as its own plugin: `app.register(attachmentRoutes,
 * deps)`). Per request: the event id of the path (400 `invalid event id`), project id and auth
 * from headers or query (401/400/403/503 as for envelopes), the body decoded per
 * `Content-Encoding` under `maxAttachmentsSize` (413), the multipart form (400 `invalid multipart
 * data`), the attachment limits of the envelope (413 per Relay's size check), the queue (503),
 * then 201.
 */
export async function attachmentRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  const limits = resolveSizeLimits(deps.limits);
  const now = ingestClock(deps);
  prepareIngestPlugin(app);
  app.post('/api/:projectId/events/:eventId/attachments/', (request, reply) => handle(request, reply));

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const receivedAt = now();
    const params = request.params as { projectId?: string; eventId?: string };
    const eventId = parseEventId(params.eventId);
    if (eventId === undefined) return rejectUnread(request, reply, { kind: 'invalid_event_id' });
    const authorized = await authorizeKeyRequest(deps, request, params.projectId ?? '');
    if (!authorized.ok) return rejectUnread(request, reply, authorized.error);
    const { access, auth } = authorized.value;

    const body = await readIngestBody(request, deps, limits.maxAttachmentsSize);
    if (!body.ok) return rejectUnread(request, reply, body.error);
    const form = readMultipartForm(body.value, headerValue(request.headers, 'content-type'));
    if (!form.ok) return sendError(reply, form.error);

    const items = form.value
      .filter((part) => part.filename !== undefined)
      .map((part) => attachmentItem(part.data, part.filename, DEFAULT_ATTACHMENT_TYPE, part.contentType));
    const envelope: Envelope = { headers: { event_id: eventId }, items };
    if (items.length > 0) {
      const meta = requestMetaOf(request, auth.auth.client, receivedAt);
      const key = checkProjectAccess(deps, access, [envelope], meta);
      if (!key.ok) return sendError(reply, key.error);
      const oversized = checkEnvelopeSize(deps, key.value, envelope, limits);
      if (oversized !== undefined) return sendError(reply, oversized);
      const queued = enqueueEnvelope(deps, key.value, envelope, meta, body.value.length);
      if (!queued.ok) return sendError(reply, queued.error);
      withRateLimits(reply, queued.rateLimits);
    }
    return reply.code(201).send();
  }
}
