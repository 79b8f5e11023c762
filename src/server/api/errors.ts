/**
 * API errors in Sentry's shape: JSON `{"detail": "..."}` with the status Sentry's web
 * API uses (400 bad query, 401 missing/invalid token, 403 scope or organization
 * mismatch, 404 unknown resource).
 */
import type { FastifyReply } from 'fastify';

/** An error a route handler raises to end the request with `status` and `detail`. */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 500 | 503,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

/** Sends `{"detail": ...}` with the error's status. */
export function sendApiError(reply: FastifyReply, err: ApiError): FastifyReply {
  return reply.code(err.status).send({ detail: err.detail });
}
