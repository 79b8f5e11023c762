/**
 * Access to the release-scoped endpoints (releases, deploys, chunk upload, artifact bundles):
 * Sentry's `OrganizationReleasePermission` / `ProjectReleasePermission` scope maps
 * (`src/sentry/api/bases/organization.py`, `.../project.py`) and the request URL the pagination
 * links are built from.
 */
import type { FastifyRequest } from 'fastify';
import { requireScope, type ApiPrincipal, type TokenAuth } from './auth.js';

/** The scopes that allow each method on release endpoints (any one suffices). */
export const RELEASE_SCOPES = {
  GET: ['project:read', 'project:write', 'project:admin', 'project:releases', 'org:ci'],
  POST: ['project:write', 'project:admin', 'project:releases', 'org:ci'],
  PUT: ['project:write', 'project:admin', 'project:releases', 'org:ci'],
  DELETE: ['project:admin', 'project:releases'],
} as const satisfies Record<string, readonly string[]>;

/** A method of {@link RELEASE_SCOPES}. */
export type ReleaseMethod = keyof typeof RELEASE_SCOPES;

/**
 * The request's principal, allowed to use `method` on release endpoints. Throws ApiError 401
 * without a valid token and 403 without one of the method's scopes.
 */
export async function releasePrincipal(
  auth: TokenAuth,
  request: FastifyRequest,
  method: ReleaseMethod,
): Promise<ApiPrincipal> {
  const principal = await auth.authenticate(request);
  requireScope(principal, ...RELEASE_SCOPES[method]);
  return principal;
}

/** The absolute URL of `request` (for `Link` headers), based on `publicUrl` when configured. */
export function requestUrl(request: FastifyRequest, publicUrl: string | undefined): URL {
  return new URL(request.url, publicUrl ?? `http://${request.headers.host ?? 'localhost'}`);
}

/** The first value of a query parameter (Django's `request.GET.get`), or `undefined`. */
export function queryParam(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[name];
  const first = Array.isArray(value) ? (value[0] as unknown) : value;
  return typeof first === 'string' ? first : undefined;
}
