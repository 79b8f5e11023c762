/**
 * Relay's HTTP cron endpoint (`relay-server/src/endpoints/monitor.rs`, reference/relay-protocol.md
 * §1.4): `GET|POST /api/{project_id}/cron/{monitor_slug}/[{sentry_key}/]` turns a plain HTTP
 * call from a crontab (`curl …?status=ok`) into a `check_in` envelope item, so jobs can check in
 * without an SDK. Auth comes from the query (`sentry_key`), `Authorization: Basic`, the
 * `X-Sentry-Auth`/`Authorization: Sentry` headers or the key in the path — exactly one of them
 * (§2.1). The answer is always 202 with an empty body once the envelope is queued; rate limits
 * never surface as 429 on this endpoint.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  decodeCheckIn,
  NIL_CHECK_IN_ID,
  parseUuidHex,
  type CheckInPayload,
} from '../../protocol/check-in.js';
import { parsePublicKey, PROTOCOL_VERSION, type AuthPayload } from '../../protocol/auth.js';
import type { Envelope } from '../../protocol/envelope.js';
import { generateEventId } from './event-id.js';
import { sendError } from './http.js';
import { resolveSizeLimits, type SizeLimits } from './limits.js';
import { headerValue } from './request-meta.js';
import {
  authenticateRequest,
  drainBody,
  checkEnvelopeSize,
  enqueueEnvelope,
  lookupProjectAccess,
  ingestClock,
  parseJsonBody,
  prepareIngestPlugin,
  rawQuery,
  readIngestBody,
  rejectUnread,
  requestMetaOf,
  type IngestResult,
} from './route-kit.js';
import { checkProjectAccess, type ProjectAccess } from './project-access.js';
import type { IngestDeps } from './types.js';

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
 * 4. `202 Accepted`, empty body, with `INGEST_RESPONSE_HEADERS` (see {@link prepareIngestPlugin}).
 *
 * Errors are JSON `{"detail","causes"?}` (`IngestError`). Relay answers type errors in the
 * JSON body with axum's 422; this endpoint answers every undecodable body or query with 400.
 */
export async function cronRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  const limits = resolveSizeLimits(deps.limits);
  const now = ingestClock(deps);
  prepareIngestPlugin(app);

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
    if (!authorized.ok) return rejectUnread(request, reply, authorized.error);
    const { access, client } = authorized.value;

    const checkIn = await readCheckIn(request, params.monitorSlug ?? '', limits);
    if (!checkIn.ok) return rejectUnread(request, reply, checkIn.error);

    const payload = Buffer.from(JSON.stringify(checkIn.value));
    const envelope: Envelope = {
      headers: { event_id: generateEventId() },
      items: [{ headers: { type: 'check_in', content_type: 'application/json' }, payload }],
    };
    const meta = requestMetaOf(request, client, receivedAt);
    // Relay names the client only after `sentry_client`, never the User-Agent.
    meta.client = client ?? DEFAULT_CHECK_IN_CLIENT;
    const key = checkProjectAccess(deps, access, [envelope], meta);
    if (!key.ok) return sendError(reply, key.error);
    const oversized = checkEnvelopeSize(deps, key.value, envelope, limits);
    if (oversized !== undefined) return sendError(reply, oversized);

    // Relay never answers 429 to a check-in: a limited one is dropped with its outcome.
    const queued = enqueueEnvelope(deps, key.value, envelope, meta, payload.length, {
      neverReject: true,
    });
    if (!queued.ok) return sendError(reply, queued.error);
    return reply.code(202).send();
  }

  /** Project id, the one auth source (headers, query or path), and the key's access to the project. */
  async function authorize(
    request: FastifyRequest,
    params: CronParams,
  ): Promise<IngestResult<{ access: ProjectAccess; client?: string }>> {
    const authenticated = authenticateRequest(request, params.projectId ?? '');
    if (!authenticated.ok) return authenticated;
    const { projectId } = authenticated.value;
    let auth: AuthPayload | undefined = authenticated.value.auth?.auth;
    if (params.sentryKey !== undefined) {
      // The path key is Relay's last source; any other one besides it is `MultipleAuth`.
      if (auth !== undefined) return { ok: false, error: { kind: 'multiple_auth' } };
      const key = parsePublicKey(params.sentryKey);
      if (!key.ok) return { ok: false, error: { kind: 'bad_public_key', cause: 'invalid project key' } };
      auth = { publicKey: key.publicKey, version: PROTOCOL_VERSION };
    }
    if (auth === undefined) return { ok: false, error: { kind: 'missing_auth' } };

    const looked = await lookupProjectAccess(deps, request, auth.publicKey, projectId);
    if (!looked.ok) return looked;
    const access = looked.value;
    return { ok: true, value: auth.client === undefined ? { access } : { access, client: auth.client } };
  }

  /** The check-in from the JSON body (POST, `application/json`) or from the query string. */
  async function readCheckIn(
    request: FastifyRequest,
    slug: string,
    sizeLimits: SizeLimits,
  ): Promise<IngestResult<CheckInPayload>> {
    const contentType = headerValue(request.headers, 'content-type') ?? '';
    if (request.method !== 'POST' || !contentType.toLowerCase().startsWith('application/json')) {
      drainBody(request);
      return checkInFromQuery(rawQuery(request.url), slug);
    }
    const read = await readIngestBody(request, deps, sizeLimits.maxEventSize);
    if (!read.ok) return read;
    const json = parseJsonBody(read.value);
    if (!json.ok) return json;
    const value = json.value;
    const decoded = decodeCheckIn(value);
    if (!decoded.ok) return { ok: false, error: { kind: 'invalid_json', cause: decoded.error } };
    return { ok: true, value: { ...decoded.checkIn, monitor_slug: slug } };
  }
}

/**
 * Relay's `MonitorQuery` read from the query string: `status` is required (an unknown value
 * becomes `unknown`), `check_in_id` must be a UUID, `duration` a number of seconds.
 */
export function checkInFromQuery(query: string, slug: string): IngestResult<CheckInPayload> {
  const params = new URLSearchParams(query);
  const invalid = (cause: string): IngestResult<CheckInPayload> => ({
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
