/**
 * Relay's OTLP logs endpoint (`relay-server/src/endpoints/integrations/otlp.rs`,
 * reference/relay-protocol.md §1.4): `POST /api/{project_id}/integration/otlp/v1/logs[/]` takes an
 * OTLP/HTTP `ExportLogsServiceRequest` from an OpenTelemetry exporter, authenticated with the
 * DSN key like any SDK request (`X-Sentry-Auth: Sentry sentry_key=…`, `Authorization`, or
 * `?sentry_key=`), converts its log records into one `log` container item
 * (src/processing/items/logs/otlp.ts) and queues it, so OTLP logs run through the same pipeline
 * and outcomes as SDK logs. Answers `202 Accepted` with an empty `ExportLogsServiceResponse`
 * (`{}`).
 *
 * Content types: `application/json` (OTLP/JSON). `application/x-protobuf` is recognised but
 * answered 415: no protobuf decoder is installed in this build. Anything else is 415 as in Relay.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Envelope } from '../../protocol/envelope.js';
import {
  LOG_CONTAINER_CONTENT_TYPE,
  logContainerPayload,
  otlpLogsToEntries,
} from '../../processing/items/logs/index.js';
import { sendError } from './http.js';
import { checkEnvelopeSizeLimits, resolveSizeLimits } from './limits.js';
import {
  authorizeKeyRequest,
  drainBody,
  enqueueEnvelope,
  ingestClock,
  prepareIngestPlugin,
  readIngestBody,
  rejectUnread,
  requestMediaType,
  requestMetaOf,
  type IngestResult,
} from './route-kit.js';
import type { IngestDeps } from './types.js';

const ROUTES = ['/api/:projectId/integration/otlp/v1/logs', '/api/:projectId/integration/otlp/v1/logs/'];

const JSON_TYPE = 'application/json';
const PROTOBUF_TYPE = 'application/x-protobuf';

/**
 * Registers the OTLP logs endpoint on `app` (as its own plugin:
 * `app.register(otlpLogsRoutes, deps)`; its body handling and hooks stay inside it). Per request:
 *
 * 1. content type: `application/json` only; `application/x-protobuf` and others → 415
 *    `{"detail": …}`;
 * 2. project id (400), auth from headers or query (401 missing/multiple, 400 bad key), key lookup
 *    (403 unknown/disabled/foreign key, 503 lookup failure);
 * 3. the body, decompressed per `Content-Encoding`, at most `maxEnvelopeSize` (413); not
 *    OTLP/JSON → 400;
 * 4. the records as one `log` container item (`item_count` = records) checked against the
 *    container limits (413) and queued (503 when the queue refuses); no records → nothing queued;
 * 5. `202` with body `{}` and `INGEST_RESPONSE_HEADERS` (see {@link prepareIngestPlugin}).
 */
export async function otlpLogsRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  const limits = resolveSizeLimits(deps.limits);
  const now = ingestClock(deps);
  prepareIngestPlugin(app);

  for (const url of ROUTES) app.post(url, (request, reply) => handle(request, reply));

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const receivedAt = now();
    const mediaType = requestMediaType(request);
    if (mediaType !== JSON_TYPE) {
      drainBody(request);
      const detail =
        mediaType === PROTOBUF_TYPE
          ? 'OTLP protobuf is not supported by this server; send OTLP/JSON (Content-Type: application/json)'
          : `unsupported content type ${JSON.stringify(mediaType)}; expected application/json`;
      return reply.code(415).type('application/json').send(JSON.stringify({ detail }));
    }

    const authorized = await authorizeKeyRequest(deps, request);
    if (!authorized.ok) return rejectUnread(request, reply, authorized.error);
    const { key, auth } = authorized.value;

    const body = await readRequestBody(request, limits.maxEnvelopeSize);
    if (!body.ok) return rejectUnread(request, reply, body.error);
    const converted = otlpLogsToEntries(body.value);
    if (!converted.ok) {
      return sendError(reply, { kind: 'invalid_json', cause: converted.error.detail });
    }
    const entries = converted.entries;
    if (entries.length > 0) {
      const payload = logContainerPayload(entries);
      const envelope: Envelope = {
        headers: {},
        items: [
          {
            headers: { type: 'log', content_type: LOG_CONTAINER_CONTENT_TYPE, item_count: entries.length },
            payload,
          },
        ],
      };
      const overflow = checkEnvelopeSizeLimits(envelope, limits);
      if (overflow !== undefined) return sendError(reply, { kind: 'overflow', itemType: overflow });
      const meta = requestMetaOf(request, auth.auth.client, receivedAt);
      if (!enqueueEnvelope(deps, key, envelope, meta, payload.length))
        return sendError(reply, { kind: 'queue_failed' });
    }
    return reply.code(202).type('application/json').send('{}');
  }

  /** The decoded body under `limit` bytes; 413 over it, 400 when it cannot be decoded or is empty. */
  async function readRequestBody(request: FastifyRequest, limit: number): Promise<IngestResult<Buffer>> {
    const read = await readIngestBody(request, deps, limit);
    if (read.ok && read.value.length === 0) return { ok: false, error: { kind: 'empty_body' } };
    return read;
  }
}
