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
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Envelope } from '../../protocol/envelope.js';
import {
  LOG_CONTAINER_CONTENT_TYPE,
  logContainerPayload,
  otlpLogsToEntries,
} from '../../processing/items/logs/index.js';
import { parseContentEncoding, readBody } from './body.js';
import type { IngestError } from './errors.js';
import { INGEST_RESPONSE_HEADERS, sendError } from './http.js';
import { checkEnvelopeSizeLimits, resolveSizeLimits } from './limits.js';
import { resolveRequestAuth, type RequestAuth } from './request-auth.js';
import { buildRequestMeta, headerValue } from './request-meta.js';
import type { IngestDeps, ProjectKeyInfo } from './types.js';

const ROUTES = ['/api/:projectId/integration/otlp/v1/logs', '/api/:projectId/integration/otlp/v1/logs/'];

const JSON_TYPE = 'application/json';
const PROTOBUF_TYPE = 'application/x-protobuf';

type Result<T> = { ok: true; value: T } | { ok: false; error: IngestError };

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
 * 5. `202` with body `{}` and {@link INGEST_RESPONSE_HEADERS}.
 */
export async function otlpLogsRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  const limits = resolveSizeLimits(deps.limits);
  const now = deps.now ?? ((): number => Date.now() / 1000);

  // The handler reads (and caps) the body itself, whatever its content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(INGEST_RESPONSE_HEADERS)) {
      if (!reply.hasHeader(name)) reply.header(name, value);
    }
    return payload;
  });

  for (const url of ROUTES) app.post(url, (request, reply) => handle(request, reply));

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const receivedAt = now();
    const mediaType = (headerValue(request.headers, 'content-type') ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    if (mediaType !== JSON_TYPE) {
      drain(request);
      const detail =
        mediaType === PROTOBUF_TYPE
          ? 'OTLP protobuf is not supported by this server; send OTLP/JSON (Content-Type: application/json)'
          : `unsupported content type ${JSON.stringify(mediaType)}; expected application/json`;
      return reply.code(415).type('application/json').send(JSON.stringify({ detail }));
    }

    const authorized = await authorize(request);
    if (!authorized.ok) return fail(request, reply, authorized.error);
    const { key, auth } = authorized.value;

    const body = await readRequestBody(request, limits.maxEnvelopeSize);
    if (!body.ok) return fail(request, reply, body.error);
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
      const meta = buildRequestMeta({
        headers: request.headers,
        peerAddress: request.raw.socket?.remoteAddress,
        sentryClient: auth.auth.client,
        receivedAt,
      });
      const queued = deps.enqueue({
        envelope,
        projectId: key.projectId,
        organizationId: key.organizationId,
        keyId: key.keyId,
        publicKey: key.publicKey,
        meta,
        sizeBytes: payload.length,
      });
      if (!queued) return sendError(reply, { kind: 'queue_failed' });
    }
    return reply.code(202).type('application/json').send('{}');
  }

  /** Project id, the request's one auth source, and the key's project. */
  async function authorize(
    request: FastifyRequest,
  ): Promise<Result<{ key: ProjectKeyInfo; auth: RequestAuth }>> {
    const projectText = (request.params as { projectId?: string }).projectId ?? '';
    const projectId = /^\d+$/.test(projectText) ? Number(projectText) : NaN;
    if (!Number.isSafeInteger(projectId) || projectId <= 0) {
      return { ok: false, error: { kind: 'bad_project', value: projectText } };
    }
    const resolved = resolveRequestAuth({
      xSentryAuth: headerValue(request.headers, 'x-sentry-auth'),
      authorization: headerValue(request.headers, 'authorization'),
      rawQuery: rawQuery(request.url),
    });
    if (!resolved.ok) return resolved;
    if (resolved.auth === undefined) return { ok: false, error: { kind: 'missing_auth' } };
    let key: ProjectKeyInfo | undefined;
    try {
      key = await deps.lookupKey(resolved.auth.auth.publicKey);
    } catch (error) {
      request.log.error({ err: error }, 'project key lookup failed');
      return { ok: false, error: { kind: 'project_lookup_failed' } };
    }
    if (!key || !key.isActive || key.projectId !== projectId) {
      return { ok: false, error: { kind: 'event_rejected', reason: 'ProjectId' } };
    }
    return { ok: true, value: { key, auth: resolved.auth } };
  }

  /** The decoded body under `limit` bytes; 413 over it, 400 when it cannot be decoded. */
  async function readRequestBody(request: FastifyRequest, limit: number): Promise<Result<Buffer>> {
    const encoding = parseContentEncoding(headerValue(request.headers, 'content-encoding'));
    if (!encoding.ok)
      return { ok: false, error: { kind: 'unsupported_encoding', encoding: encoding.encoding } };
    if (deps.hasCapacity && !deps.hasCapacity()) return { ok: false, error: { kind: 'queue_failed' } };
    const declared = Number(headerValue(request.headers, 'content-length'));
    if (Number.isFinite(declared) && declared > limit)
      return { ok: false, error: { kind: 'payload_too_large' } };
    const source = request.body instanceof Readable ? request.body : request.raw;
    if (source.readableEnded) return { ok: false, error: { kind: 'empty_body' } };
    const read = await readBody(source, { codings: encoding.codings, limit });
    if (!read.ok) {
      if (read.error.kind === 'overflow') return { ok: false, error: { kind: 'payload_too_large' } };
      const cause =
        read.error.kind === 'corrupt' ? `failed to decode ${read.error.coding} payload` : read.error.message;
      return { ok: false, error: { kind: 'body_read_failed', causes: [cause] } };
    }
    if (read.body.length === 0) return { ok: false, error: { kind: 'empty_body' } };
    return { ok: true, value: read.body };
  }
}

/** Answers with `error`, letting any unread body drain so the connection can be reused. */
function fail(request: FastifyRequest, reply: FastifyReply, error: IngestError): FastifyReply {
  drain(request);
  return sendError(reply, error);
}

function drain(request: FastifyRequest): void {
  const source = request.body instanceof Readable ? request.body : request.raw;
  if (!source.readableEnded) {
    source.on('error', () => undefined);
    source.resume();
  }
}

function rawQuery(url: string): string {
  const mark = url.indexOf('?');
  return mark === -1 ? '' : url.slice(mark + 1);
}
