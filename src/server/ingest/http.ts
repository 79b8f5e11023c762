/**
 * Response conventions of the ingest routes: the headers every response carries, CORS
 * (reference/relay-protocol.md §1.2, §1.5; `relay-server/src/middlewares/cors.rs`) and rendering
 * of {@link IngestError}s as `{"detail", "causes"?}` with an `X-Sentry-Error` mirror.
 */
import type { FastifyReply } from 'fastify';
import { toErrorResponse, type IngestError, type RateLimitHeaders } from './errors.js';

/** Request headers a browser may send cross-origin (`Access-Control-Allow-Headers`). */
export const CORS_ALLOW_HEADERS = [
  'x-sentry-auth',
  'x-requested-with',
  'x-forwarded-for',
  'origin',
  'referer',
  'accept',
  'content-type',
  'authentication',
  'authorization',
  'content-encoding',
  'transfer-encoding',
] as const;

/** Response headers scripts may read (`Access-Control-Expose-Headers`). */
export const CORS_EXPOSE_HEADERS = ['x-sentry-error', 'x-sentry-rate-limits', 'retry-after'] as const;

/** `Access-Control-Max-Age` of preflight answers, in seconds. */
export const CORS_MAX_AGE_SECONDS = 3600;

/**
 * Headers set on every response of the ingest routes. `Server: vigil` names this server
 * honestly instead of copying Relay's `Server: relay` (no SDK reads it); CORP `cross-origin`
 * lets pages embed the GET pixel. CORS mirrors tower-http's `CorsLayer` with `allow_origin(Any)`.
 */
export const INGEST_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  server: 'vigil',
  'cross-origin-resource-policy': 'cross-origin',
  'access-control-allow-origin': '*',
  'access-control-expose-headers': CORS_EXPOSE_HEADERS.join(', '),
  vary: 'origin, access-control-request-method, access-control-request-headers',
});

/** Headers added to a CORS preflight answer (status 200, empty body). */
export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'access-control-allow-methods': 'POST',
  'access-control-allow-headers': CORS_ALLOW_HEADERS.join(', '),
  'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
});

/** Sends `error` as JSON with its status and an `X-Sentry-Error` header mirroring `detail`. */
export function sendError(reply: FastifyReply, error: IngestError): FastifyReply {
  const { status, body } = toErrorResponse(error);
  if (error.kind === 'rate_limited') {
    reply.header('retry-after', error.rateLimits.retryAfter);
    reply.header('x-sentry-rate-limits', error.rateLimits.rateLimits);
  }
  return reply
    .code(status)
    .header('x-sentry-error', headerSafe(body.detail))
    .type('application/json')
    .send(JSON.stringify(body));
}

/** Header values must be visible ASCII: anything else (from user input) becomes `?`. */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?');
}

/**
 * Adds `X-Sentry-Rate-Limits` to a successful answer when rate limits removed some of its items
 * (Relay answers 200 then, and SDKs back off for those categories; §6.6). Returns `reply`.
 */
export function withRateLimits(reply: FastifyReply, rateLimits: RateLimitHeaders | undefined): FastifyReply {
  return rateLimits === undefined ? reply : reply.header('x-sentry-rate-limits', rateLimits.rateLimits);
}
