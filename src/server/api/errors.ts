/**
 * API errors in Sentry's shape: JSON `{"detail": "..."}` with the status Sentry's web
 * API uses (400 bad query, 401 missing/invalid token, 403 scope or organization
 * mismatch, 404 unknown resource).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JsonObject } from '../../protocol/json.js';

/**
 * An error a route handler raises to end the request with `status` and `detail`; `extra` adds
 * fields to the body (e.g. `errors`, a list of every problem found).
 */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 500 | 503,
    readonly detail: string,
    readonly extra: JsonObject = {},
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

/** Sends `{"detail": ..., ...extra}` with the error's status. */
export function sendApiError(reply: FastifyReply, err: ApiError): FastifyReply {
  return reply.code(err.status).send({ ...err.extra, detail: err.detail });
}

/**
 * The web API's Fastify error handler: ApiError → its status and detail; Fastify's own
 * 4xx errors (bad JSON body, ...) → that status with the message; anything else is a bug,
 * logged and answered 500 `{"detail": "Internal Error"}` without internals.
 */
export function apiErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof ApiError) return sendApiError(reply, err);
  const status = (err as { statusCode?: number }).statusCode;
  if (status && status >= 400 && status < 500) {
    return reply.code(status).send({ detail: (err as Error).message });
  }
  request.log.error({ err }, 'API request failed');
  return reply.code(500).send({ detail: 'Internal Error' });
}
