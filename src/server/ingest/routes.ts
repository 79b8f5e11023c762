/**
 * The ingest edge: Relay's SDK-facing envelope and store endpoints as a Fastify plugin
 * (reference/relay-protocol.md §1–§5; Relay's `relay-server/src/endpoints/{envelope,store,common}.rs`).
 * Cheap and synchronous by design (DESIGN.md, "The path of an event", step 1): authenticate,
 * read and decode the body under the route's byte cap, parse, check sizes, enqueue, answer.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Envelope, EnvelopeError } from '../../protocol/envelope.js';
import { parseEnvelope, parseEnvelopeHeaders } from '../../protocol/envelope.js';
import { parseDsn } from '../../protocol/dsn.js';
import { parsePublicKey, PROTOCOL_VERSION } from '../../protocol/auth.js';
import { readBody, type BodyError } from './body.js';
import type { IngestError } from './errors.js';
import { assignEnvelopeEventId } from './event-id.js';
import { PREFLIGHT_HEADERS, sendError, withRateLimits } from './http.js';
import { resolveSizeLimits, type SizeLimits } from './limits.js';
import type { RequestAuth } from './request-auth.js';
import { headerValue } from './request-meta.js';
import { checkProjectAccess, type ProjectAccess } from './project-access.js';
import {
  authenticateRequest,
  bodySource,
  checkBodyPreconditions,
  drainBody,
  checkEnvelopeSize,
  enqueueEnvelope,
  ingestClock,
  lookupProjectAccess,
  prepareIngestPlugin,
  rawQuery,
  rejectUnread,
  requestMetaOf,
} from './route-kit.js';
import {
  decodeStoreBody,
  eventEnvelopeFromJson,
  isLegacyPythonClient,
  repairPythonJson,
} from './store-body.js';
import type { IngestDeps, RequestMeta } from './types.js';

/** Transparent 1×1 GIF answered by `GET /api/:id/store/` (store.rs `PIXEL`). */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAAD/ACwAAAAAAQABAAACADs=', 'base64');

const ENVELOPE_CONTENT_TYPE = 'application/x-sentry-envelope';
/** Item types only Relay itself may create (§1.4): an SDK sending one gets 400. */
const INTERNAL_ITEM_TYPES = new Set(['integration']);
const INGEST_PATH = /^\/api\/([^/]*)\/(envelope|store)\/?$/;
const NUMERIC_PROJECT_PATH = /^\/api\/\d+(\/|$)/;

type Endpoint = 'envelope' | 'store';

/** Everything known about a request once it is authenticated and its key looked up. */
interface Context {
  projectId: number;
  /** The public key the request authenticated with. */
  publicKey: string;
  /** Whether the key may send to the project; checked once the envelope is built. */
  access: ProjectAccess;
  meta: RequestMeta;
  limits: SizeLimits;
}

/**
 * Registers the ingest routes on `app` (register it with `app.register(ingestRoutes, deps)`;
 * the plugin is encapsulated, so its body parser and hooks only apply to these routes):
 *
 * - `POST /api/:projectId/envelope/`: an envelope (any content type; body limit `maxEnvelopeSize`).
 * - `POST /api/:projectId/store/`: an event as JSON or base64(+zlib) JSON, or an envelope when
 *   `Content-Type: application/x-sentry-envelope` (body limit `maxEventSize`).
 * - `GET /api/:projectId/store/?sentry_data=…`: the same in the query; answers a 1×1 GIF.
 * - `OPTIONS` on both: CORS preflight (200 for POST, 400 for other requested methods).
 * - `/api/:projectId/*`: repeated slashes are folded and a missing trailing slash tolerated
 *   before dispatching to the routes above; any other `/api/<digits>/…` path → 404 JSON; other
 *   paths fall through to the app's not-found handler.
 *
 * Success is 200 `{"id":"<32 hex>"}` (no `id` for envelopes without an event) after
 * `deps.enqueue` accepted the envelope. Errors are JSON `{"detail","causes"?}` per
 * {@link IngestError}; every response carries `INGEST_RESPONSE_HEADERS` (see {@link prepareIngestPlugin}).
 */
export async function ingestRoutes(app: FastifyInstance, deps: IngestDeps): Promise<void> {
  const limits = resolveSizeLimits(deps.limits);
  const now = ingestClock(deps);
  // Bodies are read by the handlers themselves (decoding + byte caps), whatever the content type.
  prepareIngestPlugin(app);

  const handle = (endpoint: Endpoint, projectText: string, request: FastifyRequest, reply: FastifyReply) => {
    if (request.method === 'OPTIONS') return preflight(request, reply);
    if (endpoint === 'store' && request.method === 'GET') return handleStoreGet(projectText, request, reply);
    if (request.method !== 'POST') {
      return sendError(reply.header('allow', endpoint === 'store' ? 'GET, POST, OPTIONS' : 'POST, OPTIONS'), {
        kind: 'method_not_allowed',
        method: request.method,
      });
    }
    return endpoint === 'envelope'
      ? handleEnvelopePost(projectText, request, reply)
      : handleStorePost(projectText, request, reply);
  };
  const param = (request: FastifyRequest): string =>
    (request.params as { projectId?: string }).projectId ?? '';

  app.route({
    method: ['POST', 'OPTIONS'],
    url: '/api/:projectId/envelope/',
    handler: (request, reply) => handle('envelope', param(request), request, reply),
  });
  app.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/api/:projectId/store/',
    // No automatic HEAD route: a HEAD with `sentry_data` must not ingest an event.
    exposeHeadRoute: false,
    handler: (request, reply) => handle('store', param(request), request, reply),
  });
  app.all('/api/:projectId/*', (request, reply) => {
    const path = (request.url.split('?')[0] ?? '').replace(/\/{2,}/g, '/');
    const match = INGEST_PATH.exec(path);
    if (match) return handle(match[2] as Endpoint, match[1] ?? '', request, reply);
    if (NUMERIC_PROJECT_PATH.test(path)) return sendError(reply, { kind: 'not_found' });
    return reply.callNotFound();
  });

  /** The key lookup, then the request meta: everything later steps need ({@link Context}). */
  async function authorizeKey(
    auth: RequestAuth,
    projectId: number,
    request: FastifyRequest,
    receivedAt: number,
  ): Promise<{ ok: true; context: Context } | { ok: false; error: IngestError }> {
    const publicKey = auth.auth.publicKey;
    const access = await lookupProjectAccess(deps, request, publicKey, projectId);
    if (!access.ok) return access;
    const meta = requestMetaOf(request, auth.auth.client, receivedAt);
    return { ok: true, context: { projectId, publicKey, access: access.value, meta, limits } };
  }

  /** Reads the body under `limit`; errors map to 413 / 400 as Relay's body extraction does. */
  async function body(
    request: FastifyRequest,
    limit: number,
  ): Promise<{ ok: true; body: Buffer } | { ok: false; error: IngestError }> {
    const codings = checkBodyPreconditions(request, deps, limit);
    if (!codings.ok) {
      drainBody(request);
      return codings;
    }
    const source = bodySource(request);
    if (source.readableEnded) return { ok: true, body: Buffer.alloc(0) };
    const result = await readBody(source, { codings: codings.value, limit });
    return result.ok ? result : { ok: false, error: bodyError(result.error) };
  }

  async function handleEnvelopePost(projectText: string, request: FastifyRequest, reply: FastifyReply) {
    const receivedAt = now();
    const authenticated = authenticateRequest(request, projectText);
    if (!authenticated.ok) return rejectUnread(request, reply, authenticated.error);
    const { projectId, auth } = authenticated.value;

    let context: Context | undefined;
    if (auth) {
      const authorized = await authorizeKey(auth, projectId, request, receivedAt);
      if (!authorized.ok) return rejectUnread(request, reply, authorized.error);
      context = authorized.context;
    }

    const read = await body(request, limits.maxEnvelopeSize);
    if (!read.ok) return sendError(reply, read.error);

    if (!context) {
      // No request auth: the envelope header's `dsn` authenticates (§2.1, source 5).
      const dsnAuth = authFromEnvelopeDsn(read.body);
      if (!dsnAuth.ok) return sendError(reply, dsnAuth.error);
      const authorized = await authorizeKey(dsnAuth.auth, projectId, request, receivedAt);
      if (!authorized.ok) return sendError(reply, authorized.error);
      context = authorized.context;
    }
    if (read.body.length === 0) return sendError(reply, { kind: 'empty_body' });

    const parsed = parseRequestEnvelope(read.body, context);
    if (!parsed.ok) return sendError(reply, parsed.error);
    return accept(reply, parsed.envelope, context, read.body.length, 'json');
  }

  async function handleStorePost(projectText: string, request: FastifyRequest, reply: FastifyReply) {
    const receivedAt = now();
    const context = await storeContext(projectText, request, receivedAt);
    if (!context.ok) return rejectUnread(request, reply, context.error);

    const read = await body(request, limits.maxEventSize);
    if (!read.ok) return sendError(reply, read.error);
    if (read.body.length === 0) return sendError(reply, { kind: 'empty_body' });

    const mediaType = (headerValue(request.headers, 'content-type') ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase();
    if (mediaType === ENVELOPE_CONTENT_TYPE) {
      const parsed = parseRequestEnvelope(read.body, context.context);
      if (!parsed.ok) return sendError(reply, parsed.error);
      return accept(reply, parsed.envelope, context.context, read.body.length, 'json');
    }
    return acceptStoreEvent(reply, read.body, context.context, 'json');
  }

  async function handleStoreGet(projectText: string, request: FastifyRequest, reply: FastifyReply) {
    const receivedAt = now();
    const context = await storeContext(projectText, request, receivedAt);
    if (!context.ok) return sendError(reply, context.error);
    const data = new URLSearchParams(rawQuery(request.url)).get('sentry_data');
    if (data === null || data === '') return sendError(reply, { kind: 'empty_body' });
    const bytes = Buffer.from(data, 'utf8');
    if (bytes.length > limits.maxEventSize) return sendError(reply, { kind: 'payload_too_large' });
    return acceptStoreEvent(reply, bytes, context.context, 'pixel');
  }

  /** Store requests must authenticate by header or query (no envelope `dsn` fallback). */
  async function storeContext(
    projectText: string,
    request: FastifyRequest,
    receivedAt: number,
  ): Promise<{ ok: true; context: Context } | { ok: false; error: IngestError }> {
    const authenticated = authenticateRequest(request, projectText);
    if (!authenticated.ok) return authenticated;
    const { projectId, auth } = authenticated.value;
    if (!auth) return { ok: false, error: { kind: 'missing_auth' } };
    return authorizeKey(auth, projectId, request, receivedAt);
  }

  function acceptStoreEvent(reply: FastifyReply, raw: Buffer, context: Context, answer: 'json' | 'pixel') {
    const decoded = decodeStoreBody(raw, limits.maxEventSize);
    if (!decoded.ok) return sendError(reply, decoded.error);
    if (decoded.body.length === 0) return sendError(reply, { kind: 'empty_body' });
    const json = isLegacyPythonClient(context.meta.client) ? repairPythonJson(decoded.body) : decoded.body;
    const built = eventEnvelopeFromJson(json);
    if (!built.ok) return sendError(reply, built.error);
    return accept(reply, built.envelope, context, json.length, answer);
  }

  /** The checks every parsed envelope goes through, then the queue and the answer. */
  function accept(
    reply: FastifyReply,
    envelope: Envelope,
    context: Context,
    sizeBytes: number,
    answer: 'json' | 'pixel',
  ) {
    if (envelope.items.some((item) => INTERNAL_ITEM_TYPES.has(item.headers.type))) {
      return sendError(reply, { kind: 'internal_envelope' });
    }
    if (envelope.items.length === 0) return sendError(reply, { kind: 'empty_envelope' });
    const key = checkProjectAccess(deps, context.access, [envelope], context.meta);
    if (!key.ok) return sendError(reply, key.error);
    const oversized = checkEnvelopeSize(deps, key.value, envelope, context.limits);
    if (oversized !== undefined) return sendError(reply, oversized);
    const eventId = assignEnvelopeEventId(envelope);
    if (!eventId.ok) {
      return sendError(reply, {
        kind: 'invalid_envelope',
        causes: ['invalid envelope header', 'invalid event_id'],
      });
    }

    const queued = enqueueEnvelope(deps, key.value, envelope, context.meta, sizeBytes);
    if (!queued.ok) return sendError(reply, queued.error);
    withRateLimits(reply, queued.rateLimits);

    if (answer === 'pixel') return reply.code(200).type('image/gif').send(PIXEL_GIF);
    const response = eventId.eventId === undefined ? {} : { id: eventId.eventId };
    return reply.code(200).type('application/json').send(JSON.stringify(response));
  }
}

/** Answers a CORS preflight: 200 for POST (or no requested method), 400 for anything else. */
export function preflight(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const requested = headerValue(request.headers, 'access-control-request-method');
  if (requested !== undefined && requested.trim().toUpperCase() !== 'POST') {
    return sendError(reply, { kind: 'cors_method_not_allowed', method: requested });
  }
  return reply.code(200).headers(PREFLIGHT_HEADERS).send();
}

function bodyError(error: BodyError): IngestError {
  switch (error.kind) {
    case 'overflow':
      return { kind: 'payload_too_large' };
    case 'corrupt':
      return {
        kind: 'body_read_failed',
        causes: [`failed to decode ${error.coding} payload`, error.message],
      };
    case 'io':
      return { kind: 'body_read_failed', causes: ['failed to read request payload', error.message] };
  }
}

/**
 * Authenticates by the envelope header's `dsn` (Relay: `BadEnvelopeAuth`, 401, when the header
 * is not JSON or has no usable DSN).
 */
function authFromEnvelopeDsn(
  body: Buffer,
): { ok: true; auth: RequestAuth } | { ok: false; error: IngestError } {
  const headers = parseEnvelopeHeaders(body);
  if (!headers.ok) return { ok: false, error: { kind: 'bad_envelope_auth', cause: headers.error.message } };
  const dsn = headers.headers.dsn;
  if (dsn === undefined)
    return { ok: false, error: { kind: 'bad_envelope_auth', cause: 'missing field `dsn`' } };
  const parsed = parseDsn(dsn);
  if (!parsed.ok) return { ok: false, error: { kind: 'bad_envelope_auth', cause: parsed.error.message } };
  const key = parsePublicKey(parsed.dsn.publicKey, false);
  if (!key.ok) return { ok: false, error: { kind: 'bad_envelope_auth', cause: 'invalid project key' } };
  return {
    ok: true,
    auth: { source: 'envelope', auth: { publicKey: key.publicKey, version: PROTOCOL_VERSION } },
  };
}

/**
 * Parses a request's envelope and checks its header `dsn` against the request
 * (Relay's `EnvelopeHeaders::complete`: project id, then public key → 400 header mismatch).
 */
function parseRequestEnvelope(
  bytes: Buffer,
  context: Context,
): { ok: true; envelope: Envelope } | { ok: false; error: IngestError } {
  const parsed = parseEnvelope(bytes);
  if (!parsed.ok)
    return { ok: false, error: { kind: 'invalid_envelope', causes: envelopeCauses(parsed.error) } };
  const dsn = parsed.envelope.headers.dsn;
  if (dsn !== undefined) {
    const header = parseDsn(dsn);
    if (header.ok) {
      if (header.dsn.projectId !== context.projectId) {
        return mismatch('project id');
      }
      if (header.dsn.publicKey !== context.publicKey) return mismatch('public key');
    }
  }
  return { ok: true, envelope: parsed.envelope };
}

function mismatch(what: string): { ok: false; error: IngestError } {
  return {
    ok: false,
    error: { kind: 'invalid_envelope', causes: [`${what} header mismatch between envelope and request`] },
  };
}

/** Relay renders `InvalidEnvelope(source)` causes as the error chain: label, then detail. */
function envelopeCauses(error: EnvelopeError): string[] {
  const split = error.message.indexOf(': ');
  return split === -1 ? [error.message] : [error.message.slice(0, split), error.message.slice(split + 2)];
}
