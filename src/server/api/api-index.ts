/**
 * `GET /api/0/`: who the request's token is (Sentry's `IndexEndpoint`,
 * `src/sentry/api/endpoints/index.py`), which `sentry-cli info` prints
 * (reference/sentry-semantics.md §8.2). It needs no token: without one `auth` is null, a bad
 * one is 401. Vigil's tokens act for an organization, not a user, so `user` is always null.
 */
import type { FastifyInstance } from 'fastify';
import type { TokenAuth } from './auth.js';

/** Registers `GET /api/0/`. */
export async function apiIndexRoutes(app: FastifyInstance, deps: { auth: TokenAuth }): Promise<void> {
  app.get('/api/0/', async (request) => {
    const principal =
      request.headers.authorization === undefined ? undefined : await deps.auth.authenticate(request);
    return { version: '0', auth: principal === undefined ? null : { scopes: principal.scopes }, user: null };
  });
}
