/**
 * Access to the release-scoped endpoints (releases, deploys, chunk upload, artifact bundles):
 * Sentry's `OrganizationReleasePermission` / `ProjectReleasePermission` scope maps
 * (`src/sentry/api/bases/organization.py`, `.../project.py`), the organization, project and
 * release a release path names, and the request URL the pagination links are built from.
 */
import type { FastifyRequest } from 'fastify';
import {
  getRelease,
  listReleaseProjects,
  type MetadataStore,
  type Release,
} from '../../storage/metadata/index.js';
import { requireScope, type ApiPrincipal, type TokenAuth } from './auth.js';
import { NOT_FOUND, organizationFor, projectFor, type Organization, type Project } from './context.js';
import { ApiError } from './errors.js';

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

type Params = Record<string, string>;

/**
 * The organization and project a `/projects/{org}/{project}/releases/...` request names
 * (401/403/404 as Sentry answers).
 */
export async function releaseProject(
  metadata: MetadataStore,
  auth: TokenAuth,
  request: FastifyRequest,
  method: ReleaseMethod,
): Promise<{ organization: Organization; project: Project }> {
  const principal = await releasePrincipal(auth, request, method);
  const params = request.params as Params;
  return projectFor(metadata, principal, params.org ?? '', params.project ?? '');
}

/**
 * The organization and release an `/organizations/{org}/releases/{version}/...` request names
 * (401/403/404 as Sentry answers).
 */
export async function namedRelease(
  metadata: MetadataStore,
  auth: TokenAuth,
  request: FastifyRequest,
  method: ReleaseMethod,
): Promise<{ organization: Organization; release: Release }> {
  const principal = await releasePrincipal(auth, request, method);
  const params = request.params as Params;
  const organization = await organizationFor(metadata, principal, params.org ?? '');
  return { organization, release: await releaseFor(metadata, organization, params.version ?? '') };
}

/**
 * The release `version` of the organization — of `project` too when given (Sentry's project
 * release endpoints only see releases linked to the project) — else ApiError 404.
 */
export async function releaseFor(
  metadata: MetadataStore,
  organization: Organization,
  version: string,
  project?: Project,
): Promise<Release> {
  const release = await getRelease(metadata, organization.id, version);
  if (release === undefined) throw new ApiError(404, NOT_FOUND);
  if (project !== undefined) {
    const linked = (await listReleaseProjects(metadata, [release.id])).get(release.id) ?? [];
    if (!linked.some((p) => p.id === project.id)) throw new ApiError(404, NOT_FOUND);
  }
  return release;
}
