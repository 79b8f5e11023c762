/**
 * The steps every ingest endpoint plugin shares (envelope/store in routes.ts, cron.ts,
 * otlp.ts): raw-body plugin setup with the ingest response headers, the project id path
 * segment, auth from headers and query, the key lookup (its check is project-access.ts), body
 * reading under a byte cap, request meta and the hand-off to the queue. They follow Relay's shared extractors and
 * `relay-server/src/endpoints/common.rs` (reference/relay-protocol.md §1–§2, §5); each endpoint
 * keeps only what differs (its auth fallbacks, its payload, its answer).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Envelope } from '../../protocol/envelope.js';
import { parseJsonText } from '../../protocol/json.js';
import { parseContentEncoding, readBody, type ContentCoding } from './body.js';
import type { IngestError, RateLimitHeaders } from './errors.js';
import { INGEST_RESPONSE_HEADERS, sendError } from './http.js';
import { resolveRequestAuth, type RequestAuth } from './request-auth.js';
import { buildRequestMeta, headerValue } from './request-meta.js';
import { checkEnvelopeSizeLimits, type SizeLimits } from './limits.js';
import { keyScoping, projectAccess, type ProjectAccess } from './project-access.js';
import {
  RATE_LIMITED_HEADER,
  type AcceptedEnvelope,
  type IngestDeps,
  type ProjectKeyInfo,
  type RequestMeta,
} from './types.js';

/** Outcome of an ingest step: its value, or the {@link IngestError} to answer with. */
export type IngestResult<T> = { ok: true; value: T } | { ok: false; error: IngestError };

/**
 * The JSON value of a request body (UTF-8), or 400 `invalid_json` with the parser's message when
 * it is not JSON (or nests deeper than serde_json's recursion limit). Never throws.
 */
export function parseJsonBody(body: Buffer): IngestResult<unknown> {
  try {
    return { ok: true, value: parseJsonText(body.toString('utf8')) };
  } catch (error) {
    return {
      ok: false,
      error: { kind: 'invalid_json', cause: error instanceof Error ? error.message : 'invalid JSON' },
    };
  }
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
/** A `Content-Type` Fastify can parse: `type/subtype` tokens, optional parameters. */
const VALID_CONTENT_TYPE = new RegExp(`^\\s*${TOKEN}/${TOKEN}\\s*(;.*)?$`);

/**
 * Prepares an encapsulated ingest plugin: drops Fastify's body parsers for a catch-all that
 * hands the raw request stream to the handler (which decodes and caps it itself, whatever the
 * content type); removes a `Content-Type` Fastify could not parse (it would answer 415 in its own
 * shape; Relay ignores such a header); answers errors that escape a handler in Relay's
 * `{"detail"}` shape (a Fastify client error keeps its 4xx status and message, anything else is a
 * logged 500 `internal server error`); and adds {@link INGEST_RESPONSE_HEADERS} to every response
 * that did not set them. Call once at the top of the plugin; it affects only that plugin's routes.
 */
export function prepareIngestPlugin(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const contentType = request.raw.headers['content-type'];
    if (contentType !== undefined && !VALID_CONTENT_TYPE.test(contentType)) {
      delete request.raw.headers['content-type'];
    }
  });
  app.setErrorHandler((error, request, reply) => {
    request.log.error({ err: error }, 'ingest request failed');
    const statusCode = (error as { statusCode?: unknown } | undefined)?.statusCode;
    const status = typeof statusCode === 'number' && statusCode >= 400 ? statusCode : 500;
    const message = error instanceof Error ? error.message : 'bad request';
    return reply
      .code(status)
      .type('application/json')
      .send(JSON.stringify({ detail: status >= 500 ? 'internal server error' : message }));
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(INGEST_RESPONSE_HEADERS)) {
      if (!reply.hasHeader(name)) reply.header(name, value);
    }
    return payload;
  });
}

/** The clock of `deps`: `deps.now`, default `Date.now() / 1000` (Unix seconds, fractional). */
export function ingestClock(deps: Pick<IngestDeps, 'now'>): () => number {
  return deps.now ?? ((): number => Date.now() / 1000);
}

/**
 * The `{project_id}` path segment as a positive safe integer written in ASCII digits;
 * `undefined` for anything else (`''`, `-1`, `0`, `1e3`, overflow), which callers answer with
 * 400 `bad_project`.
 */
export function parseProjectId(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const id = Number(text);
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/**
 * The request's media type (`type/subtype[+suffix]`) lowercased and without parameters, as the
 * `Mime` extractor of Relay's endpoints compares it; `''` when there is no `Content-Type`.
 */
export function requestMediaType(request: FastifyRequest): string {
  return (headerValue(request.headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The raw (undecoded) query string of a request URL, without `?`; `''` when there is none. */
export function rawQuery(url: string): string {
  const mark = url.indexOf('?');
  return mark === -1 ? '' : url.slice(mark + 1);
}

/**
 * First steps of every ingest request: the project id (`projectText`, 400 `bad_project`), then
 * the one auth source among `X-Sentry-Auth`, `Authorization` and the query
 * ({@link resolveRequestAuth}: 401/400 on bad or multiple sources). `auth` is `undefined` when
 * no source was present; the caller decides between 401 `missing_auth` and its own fallback
 * (envelope `dsn`, cron path key).
 */
export function authenticateRequest(
  request: FastifyRequest,
  projectText: string,
): IngestResult<{ projectId: number; auth: RequestAuth | undefined }> {
  const projectId = parseProjectId(projectText);
  if (projectId === undefined) return { ok: false, error: { kind: 'bad_project', value: projectText } };
  const resolved = resolveRequestAuth({
    xSentryAuth: headerValue(request.headers, 'x-sentry-auth'),
    authorization: headerValue(request.headers, 'authorization'),
    rawQuery: rawQuery(request.url),
  });
  if (!resolved.ok) return resolved;
  return { ok: true, value: { projectId, auth: resolved.auth } };
}

/**
 * Looks `publicKey` up with `deps.lookupKey` and decides whether it may send to `projectId`
 * ({@link projectAccess}). A lookup that throws is logged on the request and answers 503
 * `project_lookup_failed`; a refused key is answered only once the request's envelope is built
 * ({@link checkProjectAccess}: 403 `event_rejected` with `invalid` / `project_id` outcomes), as
 * Relay checks the project after reading the request.
 */
export async function lookupProjectAccess(
  deps: Pick<IngestDeps, 'lookupKey'>,
  request: FastifyRequest,
  publicKey: string,
  projectId: number,
): Promise<IngestResult<ProjectAccess>> {
  let key: ProjectKeyInfo | undefined;
  try {
    key = await deps.lookupKey(publicKey);
  } catch (error) {
    request.log.error({ err: error }, 'project key lookup failed');
    return { ok: false, error: { kind: 'project_lookup_failed' } };
  }
  return { ok: true, value: projectAccess(key, projectId) };
}

/**
 * The authentication of endpoints that take the key only from the request (headers or query,
 * no envelope `dsn`): the project id path parameter, the one auth source ({@link
 * authenticateRequest}; none is 401 `missing_auth`), and the key's access to the project ({@link
 * lookupProjectAccess}; check it with {@link checkProjectAccess} once the envelope is built).
 * Used by the OTLP, browser report, attachment and minidump endpoints. `projectText` defaults to
 * the `projectId` path parameter.
 */
export async function authorizeKeyRequest(
  deps: Pick<IngestDeps, 'lookupKey'>,
  request: FastifyRequest,
  projectText: string = (request.params as { projectId?: string }).projectId ?? '',
): Promise<IngestResult<{ access: ProjectAccess; auth: RequestAuth }>> {
  const authenticated = authenticateRequest(request, projectText);
  if (!authenticated.ok) return authenticated;
  const { projectId, auth } = authenticated.value;
  if (auth === undefined) return { ok: false, error: { kind: 'missing_auth' } };
  const access = await lookupProjectAccess(deps, request, auth.auth.publicKey, projectId);
  if (!access.ok) return access;
  return { ok: true, value: { access: access.value, auth } };
}

/**
 * Checks made before any body byte is read, in Relay's order: an unknown `Content-Encoding`
 * (400 `unsupported_encoding`), a full queue (`deps.hasCapacity`, 503 `queue_failed`), a
 * `Content-Length` over `limit` bytes (413). Returns the codings to undo.
 */
export function checkBodyPreconditions(
  request: FastifyRequest,
  deps: Pick<IngestDeps, 'hasCapacity'>,
  limit: number,
): IngestResult<ContentCoding[]> {
  const encoding = parseContentEncoding(headerValue(request.headers, 'content-encoding'));
  if (!encoding.ok)
    return { ok: false, error: { kind: 'unsupported_encoding', encoding: encoding.encoding } };
  if (deps.hasCapacity && !deps.hasCapacity()) return { ok: false, error: { kind: 'queue_failed' } };
  const declared = Number(headerValue(request.headers, 'content-length'));
  if (Number.isFinite(declared) && declared > limit)
    return { ok: false, error: { kind: 'payload_too_large' } };
  return { ok: true, value: encoding.codings };
}

/** The request body stream: the catch-all parser's payload, else the raw request. */
export function bodySource(request: FastifyRequest): Readable {
  return request.body instanceof Readable ? request.body : request.raw;
}

/**
 * Reads the request body decoded per `Content-Encoding`, at most `limit` decoded bytes, after
 * {@link checkBodyPreconditions}. An already consumed body reads as empty (zero bytes); over
 * `limit` is 413 `payload_too_large`; an undecodable or broken body is 400 `body_read_failed`
 * with one cause. Used by the cron and OTLP endpoints (routes.ts words read errors differently).
 */
export async function readIngestBody(
  request: FastifyRequest,
  deps: Pick<IngestDeps, 'hasCapacity'>,
  limit: number,
): Promise<IngestResult<Buffer>> {
  const codings = checkBodyPreconditions(request, deps, limit);
  if (!codings.ok) return codings;
  const source = bodySource(request);
  if (source.readableEnded) return { ok: true, value: Buffer.alloc(0) };
  const read = await readBody(source, { codings: codings.value, limit });
  if (read.ok) return { ok: true, value: read.body };
  if (read.error.kind === 'overflow') return { ok: false, error: { kind: 'payload_too_large' } };
  const cause =
    read.error.kind === 'corrupt' ? `failed to decode ${read.error.coding} payload` : read.error.message;
  return { ok: false, error: { kind: 'body_read_failed', causes: [cause] } };
}

/** Discards an unread request body so the connection can be reused; no-op once it ended. */
export function drainBody(request: FastifyRequest): void {
  const source = bodySource(request);
  if (!source.readableEnded) {
    source.on('error', () => undefined);
    source.resume();
  }
}

/** Answers `error` (see `sendError`) for a request rejected before its body was read, draining it. */
export function rejectUnread(request: FastifyRequest, reply: FastifyReply, error: IngestError): FastifyReply {
  drainBody(request);
  return sendError(reply, error);
}

/**
 * The request's {@link RequestMeta} (see `buildRequestMeta`): headers, socket peer address,
 * `sentryClient` from the auth payload (if any) and `receivedAt` in Unix seconds.
 */
export function requestMetaOf(
  request: FastifyRequest,
  sentryClient: string | undefined,
  receivedAt: number,
): RequestMeta {
  return buildRequestMeta({
    headers: request.headers,
    peerAddress: request.raw.socket?.remoteAddress,
    sentryClient,
    receivedAt,
  });
}

/** What {@link enqueueEnvelope} did: queued (possibly with rate limits to report), or an error to answer. */
export type EnqueueResult = { ok: true; rateLimits?: RateLimitHeaders } | { ok: false; error: IngestError };

/**
 * Hands `envelope` to `deps.enqueue` on behalf of the checked `key` (project, organization, key
 * id and public key come from it); `sizeBytes` is the decompressed payload size for queue
 * accounting. First the edge's rate limits (`deps.checkRateLimits`) remove limited items: when
 * none is left the answer is 429 `rate_limited`, unless `neverReject` (minidump and cron
 * endpoints, which Relay never answers 429) makes it a success with nothing queued. A refused
 * push is 503 `queue_failed`. Item headers only Vigil may set are stripped first.
 */
export function enqueueEnvelope(
  deps: Pick<IngestDeps, 'enqueue' | 'checkRateLimits'>,
  key: ProjectKeyInfo,
  envelope: Envelope,
  meta: RequestMeta,
  sizeBytes: number,
  options: { neverReject?: boolean } = {},
): EnqueueResult {
  for (const item of envelope.items) delete item.headers[RATE_LIMITED_HEADER];
  const accepted: AcceptedEnvelope = {
    envelope,
    projectId: key.projectId,
    organizationId: key.organizationId,
    keyId: key.keyId,
    publicKey: key.publicKey,
    meta,
    sizeBytes,
    config: key.config,
  };
  const hadItems = envelope.items.length > 0;
  const rateLimits = deps.checkRateLimits?.(accepted);
  if (hadItems && accepted.envelope.items.length === 0) {
    if (rateLimits !== undefined && !options.neverReject)
      return { ok: false, error: { kind: 'rate_limited', rateLimits } };
    return { ok: true, ...(rateLimits && { rateLimits }) };
  }
  if (!deps.enqueue(accepted)) return { ok: false, error: { kind: 'queue_failed' } };
  return { ok: true, ...(rateLimits && { rateLimits }) };
}

/**
 * Relay's envelope size check (`checkEnvelopeSizeLimits`): the 413 `overflow` error naming the
 * first offending item type, after recording `invalid` / `too_large:<type>` outcomes for every
 * item (`deps.rejectEnvelope`); `undefined` when the envelope fits.
 */
export function checkEnvelopeSize(
  deps: Pick<IngestDeps, 'rejectEnvelope'>,
  key: ProjectKeyInfo,
  envelope: Envelope,
  limits: SizeLimits,
): IngestError | undefined {
  const offender = checkEnvelopeSizeLimits(envelope, limits);
  if (offender === undefined) return undefined;
  deps.rejectEnvelope?.(keyScoping(key), envelope, `too_large:${offender}`);
  return { kind: 'overflow', itemType: offender };
}
