/**
 * Relay's HTTP cron endpoint (`relay-server/src/endpoints/monitor.rs`, reference/relay-protocol.md
 * §1.4): `GET|POST /api/{project_id}/cron/{monitor_slug}/[{sentry_key}/]` turns a plain HTTP
 * call from a crontab (`curl …?status=ok`) into a `check_in` envelope item, so jobs can check in
 * without an SDK. Auth comes from the query (`sentry_key`), `Authorization: Basic`, the
 * `X-Sentry-Auth`/`Authorization: Sentry` headers or the key in the path — exactly one of them
 * (§2.1). The answer is always 202 with an empty body once the envelope is queued; rate limits
 * never surface as 429 on this endpoint.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  decodeCheckIn,
  NIL_CHECK_IN_ID,
  parseUuidHex,
  type CheckInPayload,
} from '../../protocol/check-in.js';
import { parsePublicKey, PROTOCOL_VERSION, type AuthPayload } from '../../protocol/auth.js';
import type { Envelope } from '../../protocol/envelope.js';
import { parseContentEncoding, readBody } from './body.js';
import type { IngestError } from './errors.js';
import { generateEventId } from './event-id.js';
import { INGEST_RESPONSE_HEADERS, sendError } from './http.js';
import { checkEnvelopeSizeLimits, resolveSizeLimits, type SizeLimits } from './limits.js';
import { resolveRequestAuth } from './request-auth.js';
import { buildRequestMeta, headerValue } from './request-meta.js';
import type { IngestDeps, ProjectKeyInfo } from './types.js';

/** Relay's `DEFAULT_CHECK_IN_CLIENT`: the client of check-ins whose request named none. */
export const DEFAULT_CHECK_IN_CLIENT = 'relay-http';

const ROUTES = [
  '/api/:projectId/cron/:monitorSlug',
  '/api/:projectId/cron/:monitorSlug/',
  '/api/:projectId/cron/:monitorSlug/:sentryKey',
  '/api/:projectId/cron/:monitorSlug/:sentryKey/',
];

interface CronParams {
  projectId?: string;
  monitorSlug?: string;
  sentryKey?: string;
}

type Result<T> = { ok: true; value: T } | { ok: false; error: IngestError };

/**
 * Registers the cron endpoint on `app` (as its own plugin: `app.register(cronRoutes, deps)`;
 * its body handling and hooks stay inside it). Per request:
 *
 * 1. project id (400 `bad_project`), auth from headers/query/path (401 missing or multiple
 *    sources, 400 bad key), key lookup (403 unknown/disabled/foreign key, 503 lookup failure);
 * 2. the check-in: from the JSON body when the request is a POST with
 *    `Content-Type: application/json` (Relay's `CheckIn` model, the path's slug replacing any
 *    `monitor_slug`), else from the query string — `status` (required), `check_in_id`
 *    (default: the nil UUID, "latest in-progress"), `environment`, `duration` (seconds); a
 *    body over `maxEventSize` is 413, an undecodable one 400;
 * 3. one `check_in` item (content type `application/json`) in a new envelope with a random
 *    `event_id`, request meta with client `relay-http` unless the auth named a
 *    `sentry_client`, checked against `maxCheckInSize` (413) and handed to `deps.enqueue`
 *    (503 when the queue refuses);
 * 4. `202 Accepted`, empty body, with {@link INGEST_RESPONSE_HEADERS}.
 *
 * Errors are JSON `{"detail","causes"?}` (`IngestError`). Relay answers type errors in the
 * JSON body with axum's 422; this endpoint answers every undecodable body or query with 400.
 */
export async function cronRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
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

  for (const url of ROUTES) {
    app.route({
      method: ['GET', 'POST'],
      url,
      // A HEAD request must not create a check-in.
      exposeHeadRoute: false,
      handler: (request, reply) => handle(request, reply),
    });
  }

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const receivedAt = now();
    const params = request.params as CronParams;
    const authorized = await authorize(request, params);
    if (!authorized.ok) return fail(request, reply, authorized.error);
    const { key, client } = authorized.value;

    const checkIn = await readCheckIn(request, params.monitorSlug ?? '', limits);
    if (!checkIn.ok) return fail(request, reply, checkIn.error);

    const payload = Buffer.from(JSON.stringify(checkIn.value));
    const envelope: Envelope = {
      headers: { event_id: generateEventId() },
      items: [{ headers: { type: 'check_in', content_type: 'application/json' }, payload }],
    };
    const overflow = checkEnvelopeSizeLimits(envelope, limits);
    if (overflow !== undefined) return sendError(reply, { kind: 'overflow', itemType: overflow });

    const meta = buildRequestMeta({
      headers: request.headers,
      peerAddress: request.raw.socket?.remoteAddress,
      sentryClient: client,
      receivedAt,
    });
    // Relay names the client only after `sentry_client`, never the User-Agent.
    meta.client = client ?? DEFAULT_CHECK_IN_CLIENT;
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
    return reply.code(202).send();
  }

  /** Project id, the one auth source (headers, query or path), and the key's project. */
  async function authorize(
    request: FastifyRequest,
    params: CronParams,
  ): Promise<Result<{ key: ProjectKeyInfo; client?: string }>> {
    const projectText = params.projectId ?? '';
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
    let auth: AuthPayload | undefined = resolved.auth?.auth;
    if (params.sentryKey !== undefined) {
      // The path key is Relay's last source; any other one besides it is `MultipleAuth`.
      if (auth !== undefined) return { ok: false, error: { kind: 'multiple_auth' } };
      const key = parsePublicKey(params.sentryKey);
      if (!key.ok) return { ok: false, error: { kind: 'bad_public_key', cause: 'invalid project key' } };
      auth = { publicKey: key.publicKey, version: PROTOCOL_VERSION };
    }
    if (auth === undefined) return { ok: false, error: { kind: 'missing_auth' } };

    let key: ProjectKeyInfo | undefined;
    try {
      key = await deps.lookupKey(auth.publicKey);
    } catch (error) {
      request.log.error({ err: error }, 'project key lookup failed');
      return { ok: false, error: { kind: 'project_lookup_failed' } };
    }
    if (!key || !key.isActive || key.projectId !== projectId) {
      return { ok: false, error: { kind: 'event_rejected', reason: 'ProjectId' } };
    }
    return { ok: true, value: auth.client === undefined ? { key } : { key, client: auth.client } };
  }

  /** The check-in from the JSON body (POST, `application/json`) or from the query string. */
  async function readCheckIn(
    request: FastifyRequest,
    slug: string,
    sizeLimits: SizeLimits,
  ): Promise<Result<CheckInPayload>> {
    const contentType = headerValue(request.headers, 'content-type') ?? '';
    if (request.method !== 'POST' || !contentType.toLowerCase().startsWith('application/json')) {
      drain(request);
      return checkInFromQuery(rawQuery(request.url), slug);
    }
    const encoding = parseContentEncoding(headerValue(request.headers, 'content-encoding'));
    if (!encoding.ok)
      return { ok: false, error: { kind: 'unsupported_encoding', encoding: encoding.encoding } };
    if (deps.hasCapacity && !deps.hasCapacity()) return { ok: false, error: { kind: 'queue_failed' } };
    const declared = Number(headerValue(request.headers, 'content-length'));
    if (Number.isFinite(declared) && declared > sizeLimits.maxEventSize) {
      return { ok: false, error: { kind: 'payload_too_large' } };
    }
    const source = request.body instanceof Readable ? request.body : request.raw;
    const read = source.readableEnded
      ? { ok: true as const, body: Buffer.alloc(0) }
      : await readBody(source, { codings: encoding.codings, limit: sizeLimits.maxEventSize });
    if (!read.ok) {
      if (read.error.kind === 'overflow') return { ok: false, error: { kind: 'payload_too_large' } };
      const cause =
        read.error.kind === 'corrupt' ? `failed to decode ${read.error.coding} payload` : read.error.message;
      return { ok: false, error: { kind: 'body_read_failed', causes: [cause] } };
    }
    let value: unknown;
    try {
      value = JSON.parse(read.body.toString('utf8'));
    } catch (error) {
      return {
        ok: false,
        error: { kind: 'invalid_json', cause: error instanceof Error ? error.message : 'bad JSON' },
      };
    }
    const decoded = decodeCheckIn(value);
    if (!decoded.ok) return { ok: false, error: { kind: 'invalid_json', cause: decoded.error } };
    return { ok: true, value: { ...decoded.checkIn, monitor_slug: slug } };
  }
}

/**
 * Relay's `MonitorQuery` read from the query string: `status` is required (an unknown value
 * becomes `unknown`), `check_in_id` must be a UUID, `duration` a number of seconds.
 */
export function checkInFromQuery(query: string, slug: string): Result<CheckInPayload> {
  const params = new URLSearchParams(query);
  const invalid = (cause: string): Result<CheckInPayload> => ({
    ok: false,
    error: { kind: 'invalid_body', cause: `failed to deserialize query string: ${cause}` },
  });
  const fields: Record<string, unknown> = { monitor_slug: slug };
  const status = params.get('status');
  if (status === null) return invalid('missing field `status`');
  fields.status = status;
  const checkInId = params.get('check_in_id');
  if (checkInId !== null) {
    if (parseUuidHex(checkInId) === undefined) return invalid('check_in_id: expected a UUID');
    fields.check_in_id = checkInId;
  } else {
    fields.check_in_id = NIL_CHECK_IN_ID;
  }
  const environment = params.get('environment');
  if (environment !== null) fields.environment = environment;
  const duration = params.get('duration');
  if (duration !== null) {
    const seconds = duration.trim() === '' ? NaN : Number(duration);
    if (!Number.isFinite(seconds)) return invalid('duration: expected a number');
    fields.duration = seconds;
  }
  const decoded = decodeCheckIn(fields);
  return decoded.ok ? { ok: true, value: decoded.checkIn } : invalid(decoded.error);
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
