/**
 * Sentry's permission classes as scope maps: for each HTTP method, the token scopes a route
 * accepts (any one suffices). Routes call {@link authorize} with the map of the class Sentry's
 * endpoint uses (`src/sentry/api/bases/*.py`, `src/sentry/core/endpoints/*`); a method missing
 * from the map is refused with 403, as in Sentry.
 */
import type { FastifyRequest } from 'fastify';
import { requireScope, type ApiPrincipal, type TokenAuth } from './auth.js';

/** HTTP method → accepted scopes. */
export type ScopeMap = Readonly<
  Partial<Record<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', readonly string[]>>
>;

/** `OrganizationPermission` (and `OrganizationAndStaffPermission`). */
export const ORGANIZATION_PERMISSION: ScopeMap = {
  GET: ['org:read', 'org:write', 'org:admin'],
  POST: ['org:write', 'org:admin'],
  PUT: ['org:write', 'org:admin'],
  DELETE: ['org:admin'],
};

/** `OrganizationTeamsPermission`: organization scopes, or `team:write` to create teams. */
export const ORGANIZATION_TEAMS_PERMISSION: ScopeMap = {
  GET: ['org:read', 'org:write', 'org:admin'],
  POST: ['org:write', 'org:admin', 'team:write'],
  PUT: ['org:write', 'org:admin', 'team:write'],
  DELETE: ['org:admin', 'team:write'],
};

/** `MemberPermission` (`MemberAndStaffPermission`): the member list and invitations. */
export const MEMBER_PERMISSION: ScopeMap = {
  GET: ['member:read', 'member:write', 'member:admin'],
  POST: ['member:write', 'member:admin', 'member:invite'],
  PUT: ['member:write', 'member:admin'],
  DELETE: ['member:admin'],
};

/** `RelaxedMemberPermission`: one member; anyone may try to remove (themselves, an invitation they sent). */
export const RELAXED_MEMBER_PERMISSION: ScopeMap = {
  GET: ['member:read', 'member:write', 'member:admin'],
  POST: ['member:write', 'member:admin'],
  PUT: ['member:invite', 'member:write', 'member:admin'],
  DELETE: ['member:read', 'member:write', 'member:admin'],
};

/** `TeamPermission`. */
export const TEAM_PERMISSION: ScopeMap = {
  GET: ['team:read', 'team:write', 'team:admin'],
  POST: ['team:write', 'team:admin'],
  PUT: ['team:write', 'team:admin'],
  DELETE: ['team:admin'],
};

/** `TeamProjectPermission`: a team's projects (creating a project needs project scopes). */
export const TEAM_PROJECT_PERMISSION: ScopeMap = {
  GET: ['project:read', 'project:write', 'project:admin'],
  POST: ['project:write', 'project:admin'],
  PUT: ['project:write', 'project:admin'],
  DELETE: ['project:admin'],
};

/** `ProjectPermission` (also `RelaxedProjectPermission`'s DELETE and the DSN key endpoints). */
export const PROJECT_PERMISSION: ScopeMap = {
  GET: ['project:read', 'project:write', 'project:admin'],
  POST: ['project:write', 'project:admin'],
  PUT: ['project:write', 'project:admin'],
  DELETE: ['project:admin'],
};

/** `OrganizationIntegrationsPermission`: one repository (`/repos/{id}/`). */
export const ORGANIZATION_INTEGRATIONS_PERMISSION: ScopeMap = {
  GET: ['org:read', 'org:write', 'org:admin', 'org:integrations'],
  POST: ['org:write', 'org:admin', 'org:integrations'],
  PUT: ['org:write', 'org:admin', 'org:integrations'],
  DELETE: ['org:admin', 'org:integrations'],
};

/** `OrganizationIntegrationsLoosePermission`: the repository list, which CI tokens (`org:ci`) read. */
export const ORGANIZATION_INTEGRATIONS_LOOSE_PERMISSION: ScopeMap = {
  GET: ['org:read', 'org:write', 'org:admin', 'org:integrations', 'org:ci'],
  POST: ['org:read', 'org:write', 'org:admin', 'org:integrations'],
  PUT: ['org:read', 'org:write', 'org:admin', 'org:integrations'],
  DELETE: ['org:admin', 'org:integrations'],
};

/**
 * Authenticates the request (401) and checks the token against the route's permission class
 * (403); returns the principal, to be narrowed by resolving the path's organization.
 */
export async function authorize(
  auth: TokenAuth,
  request: FastifyRequest,
  map: ScopeMap,
): Promise<ApiPrincipal> {
  const principal = await auth.authenticate(request);
  requireScope(principal, ...(map[request.method as keyof ScopeMap] ?? []));
  return principal;
}
