/**
 * Relay's OTLP endpoints (`relay-server/src/endpoints/integrations/otlp.rs`,
 * reference/relay-protocol.md §1.4): `POST /api/{project_id}/integration/otlp/v1/{signal}[/]`
 * takes an OTLP/HTTP export request from an OpenTelemetry exporter, authenticated with the DSN
 * key like any SDK request (`X-Sentry-Auth: Sentry sentry_key=…`, `Authorization`, or
 * `?sentry_key=`), converts its records into one container item of the signal's Sentry item type
 * (logs → a `log` container, traces → a span v2 container) and queues it, so OTLP data runs
 * through the same pipeline and outcomes as SDK data. Answers `202 Accepted` with an empty
 * export response (`{}`).
 *
 * Content types: `application/json` (OTLP/JSON) and `application/x-protobuf` (decoded with the
 * OTLP message definitions of src/protocol/otlp-proto.ts into the same document shape); anything
 * else is 415 as in Relay. The signal-specific parts (the path, the conversion into container
 * entries, the item type) come from an {@link OtlpSignalSpec}; ./otlp-logs.ts and
 * ./otlp-traces.ts are the two instances.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Envelope } from '../../protocol/envelope.js';
import type { JsonObject } from '../../protocol/json.js';
import { decodeOtlpProtobuf, type OtlpSignal } from '../../protocol/otlp-proto.js';
import { containerPayload } from '../../processing/items/eap/index.js';
import { sendError, withRateLimits } from './http.js';
import { resolveSizeLimits } from './limits.js';
import {
  authorizeKeyRequest,
  drainBody,
  checkEnvelopeSize,
  enqueueEnvelope,
  ingestClock,
  prepareIngestPlugin,
  readIngestBody,
  rejectUnread,
  requestMediaType,
  requestMetaOf,
  type IngestResult,
} from './route-kit.js';
import { checkProjectAccess } from './project-access.js';
import type { IngestDeps } from './types.js';

/** What distinguishes one OTLP signal's endpoint from another. */
export interface OtlpSignalSpec {
  /** The OTLP signal: the path segment after `/v1/` and the protobuf request type. */
  signal: OtlpSignal;
  /** The Sentry item type the records become (`log`, `span`). */
  itemType: string;
  /** The container content type of that item. */
  contentType: string;
  /**
   * Converts an OTLP document (JSON bytes, or a decoded protobuf document) into container
   * entries; `ok: false` when the JSON is not a document.
   */
  toEntries(
    document: Buffer | JsonObject,
  ): { ok: true; entries: JsonObject[] } | { ok: false; error: { detail: string } };
}

const JSON_TYPE = 'application/json';
const PROTOBUF_TYPE = 'application/x-protobuf';

/**
 * The Fastify plugin of one OTLP endpoint (register it as its own plugin:
 * `app.register(otlpRoutes(spec), deps)`; its body handling and hooks stay inside it). Per
 * request:
 *
 * 1. content type: `application/json` or `application/x-protobuf`; others → 415 `{"detail": …}`;
 * 2. project id (400), auth from headers or query (401 missing/multiple, 400 bad key), key lookup
 *    (403 unknown/disabled/foreign key, 503 lookup failure);
 * 3. the body, decompressed per `Content-Encoding`, at most `maxEnvelopeSize` (413); not an
 *    OTLP/JSON document or not a valid protobuf message → 400;
 * 4. the records as one container item (`item_count` = records) checked against the container
 *    limits (413) and queued (503 when the queue refuses); no records → nothing queued;
 * 5. `202` with body `{}` and `INGEST_RESPONSE_HEADERS` (see {@link prepareIngestPlugin}).
 */
export function otlpRoutes(spec: OtlpSignalSpec) {
  const path = `/api/:projectId/integration/otlp/v1/${spec.signal}`;
  return async function otlpSignalRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
    const limits = resolveSizeLimits(deps.limits);
    const now = ingestClock(deps);
    prepareIngestPlugin(app);

    for (const url of [path, `${path}/`]) app.post(url, (request, reply) => handle(request, reply));

    async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
      const receivedAt = now();
      const mediaType = requestMediaType(request);
      if (mediaType !== JSON_TYPE && mediaType !== PROTOBUF_TYPE) {
        drainBody(request);
        const detail = `unsupported content type ${JSON.stringify(mediaType)}; expected ${JSON_TYPE} or ${PROTOBUF_TYPE}`;
        return reply.code(415).type('application/json').send(JSON.stringify({ detail }));
      }

      const authorized = await authorizeKeyRequest(deps, request);
      if (!authorized.ok) return rejectUnread(request, reply, authorized.error);
      const { access, auth } = authorized.value;

      const body = await readRequestBody(request, limits.maxEnvelopeSize);
      if (!body.ok) return rejectUnread(request, reply, body.error);
      let document: Buffer | JsonObject = body.value;
      if (mediaType === PROTOBUF_TYPE) {
        const decoded = decodeOtlpProtobuf(spec.signal, body.value);
        if (!decoded.ok) return sendError(reply, { kind: 'invalid_body', cause: decoded.error.detail });
        document = decoded.document;
      }
      const converted = spec.toEntries(document);
      if (!converted.ok) {
        return sendError(reply, { kind: 'invalid_json', cause: converted.error.detail });
      }
      const entries = converted.entries;
      const payload = containerPayload(entries);
      const envelope: Envelope = {
        headers: {},
        items: [
          {
            headers: { type: spec.itemType, content_type: spec.contentType, item_count: entries.length },
            payload,
          },
        ],
      };
      const meta = requestMetaOf(request, auth.auth.client, receivedAt);
      // Relay checks the project of every OTLP request (its envelope always carries the payload).
      const key = checkProjectAccess(deps, access, entries.length > 0 ? [envelope] : [], meta);
      if (!key.ok) return sendError(reply, key.error);
      if (entries.length > 0) {
        const oversized = checkEnvelopeSize(deps, key.value, envelope, limits);
        if (oversized !== undefined) return sendError(reply, oversized);
        const queued = enqueueEnvelope(deps, key.value, envelope, meta, payload.length);
        if (!queued.ok) return sendError(reply, queued.error);
        withRateLimits(reply, queued.rateLimits);
      }
      return reply.code(202).type('application/json').send('{}');
    }

    /** The decoded body under `limit` bytes; 413 over it, 400 when it cannot be decoded or is empty. */
    async function readRequestBody(request: FastifyRequest, limit: number): Promise<IngestResult<Buffer>> {
      const read = await readIngestBody(request, deps, limit);
      if (read.ok && read.value.length === 0) return { ok: false, error: { kind: 'empty_body' } };
      return read;
    }
  };
}
