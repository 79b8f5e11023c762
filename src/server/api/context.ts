/**
 * Resolves the organization, project, team and issue a web-API path names, checking them
 * against the request's token: a token only sees its own organization (an organization token)
 * or its user's organizations (a user token), and an unknown or foreign resource is a 404
 * (Vigil answers 404 rather than Sentry's 403 for another organization's objects, so ids and
 * slugs cannot be probed). Once resolved, the principal's scopes are narrowed to what the
 * member may do there (`access.ts`) and the route's scopes are checked again (403).
 */
import {
  getGroup,
  getGroupRedirect,
  getOrganizationById,
  getOrganizationBySlug,
  getProjectById,
  getProjectBySlug,
  getTeamBySlug,
  listProjectTeams,
  listProjects,
  type MetadataStore,
  type Team,
} from '../../storage/metadata/index.js';
import { grant, organizationAccess, teamScopes, type OrganizationAccess } from './access.js';
import type { ApiPrincipal } from './auth.js';
import { ApiError } from './errors.js';

export type Organization = NonNullable<Awaited<ReturnType<typeof getOrganizationById>>>;
export type Project = NonNullable<Awaited<ReturnType<typeof getProjectById>>>;
export type Group = NonNullable<Awaited<ReturnType<typeof getGroup>>>;

/** Sentry's wording of the 404 (`ResourceDoesNotExist`). */
export const NOT_FOUND = 'The requested resource does not exist';

function notFound(): ApiError {
  return new ApiError(404, NOT_FOUND);
}

/** The principal's access to organization `slug`; ApiError 404 when it is not the token's. */
export async function organizationAccessFor(
  store: MetadataStore,
  principal: ApiPrincipal,
  slug: string,
): Promise<OrganizationAccess> {
  const org = await getOrganizationBySlug(store, slug);
  const access = org && (await organizationAccess(store, principal, org));
  if (!access) throw notFound();
  return access;
}

/** The organization `slug`, if the principal belongs to it; else ApiError 404 (403 without the route's scopes). */
export async function organizationFor(
  store: MetadataStore,
  principal: ApiPrincipal,
  slug: string,
): Promise<Organization> {
  const access = await organizationAccessFor(store, principal, slug);
  grant(principal, access.scopes);
  return access.organization;
}

/** Narrows the principal for `project` of an accessible organization (its teams' roles count). */
async function grantProject(
  store: MetadataStore,
  principal: ApiPrincipal,
  access: OrganizationAccess,
  project: Project,
): Promise<void> {
  const teams = (await listProjectTeams(store, [project.id])).get(project.id) ?? [];
  grant(
    principal,
    access.scopes,
    await teamScopes(
      store,
      principal,
      access,
      teams.map((t) => t.id),
    ),
  );
}

/** The project `projectSlug` of organization `orgSlug`; else ApiError 404. */
export async function projectFor(
  store: MetadataStore,
  principal: ApiPrincipal,
  orgSlug: string,
  projectSlug: string,
): Promise<{ organization: Organization; project: Project }> {
  const access = await organizationAccessFor(store, principal, orgSlug);
  const project = await getProjectBySlug(store, access.organization.id, projectSlug);
  if (!project) throw notFound();
  await grantProject(store, principal, access, project);
  return { organization: access.organization, project };
}

/** The team `teamSlug` of organization `orgSlug` (the member's role on it counts); else ApiError 404. */
export async function teamFor(
  store: MetadataStore,
  principal: ApiPrincipal,
  orgSlug: string,
  teamSlug: string,
): Promise<{ organization: Organization; team: Team; access: OrganizationAccess }> {
  const access = await organizationAccessFor(store, principal, orgSlug);
  const team = await getTeamBySlug(store, access.organization.id, teamSlug);
  if (!team) throw notFound();
  grant(principal, access.scopes, await teamScopes(store, principal, access, [team.id]));
  return { organization: access.organization, team, access };
}

/**
 * The two paths of every issue route (`{prefix}` then the route's own part): Sentry's
 * `/issues/{issue_id}/…` and its organization-scoped `/organizations/{org}/issues/{issue_id}/…`;
 * pass `params.org` to {@link issueFor}.
 */
export const ISSUE_PATH_PREFIXES = ['/api/0/issues/:id/', '/api/0/organizations/:org/issues/:id/'] as const;

/**
 * The issue with numeric id `rawId` in the principal's organization; an id merged into another
 * issue answers as that issue (Sentry's `GroupEndpoint.convert_args` serves the surviving group
 * of a `GroupRedirect` for every issue route, `src/sentry/issues/endpoints/bases/group.py`).
 * ApiError 404 when neither exists, or it is another organization's, or not that of `orgSlug`
 * (an organization-scoped path).
 */
export async function issueFor(
  store: MetadataStore,
  principal: ApiPrincipal,
  rawId: string,
  orgSlug?: string,
): Promise<{ organization: Organization; project: Project; group: Group }> {
  const id = Number(rawId);
  if (!Number.isSafeInteger(id) || id <= 0) throw notFound();
  const group = (await getGroup(store, id)) ?? (await mergedInto(store, id));
  if (!group) throw notFound();
  const project = await getProjectById(store, group.project_id);
  const organization = project && (await getOrganizationById(store, project.organization_id));
  const access = organization && (await organizationAccess(store, principal, organization));
  if (!project || !organization || !access) throw notFound();
  // An organization-scoped path only finds the organization's issues (by its slug or id).
  if (orgSlug !== undefined && orgSlug !== organization.slug && orgSlug !== String(organization.id)) {
    throw notFound();
  }
  await grantProject(store, principal, access, project);
  return { organization, project, group };
}

/** The issue a merged-away issue id now lives in, or undefined. */
async function mergedInto(store: MetadataStore, id: number): Promise<Group | undefined> {
  const target = await getGroupRedirect(store.db, id);
  return target === undefined ? undefined : getGroup(store, target);
}

/** The organization's projects, narrowed to the `project` ids a request names (all when none). */
export async function projectsFor(
  store: MetadataStore,
  organization: Organization,
  ids: string[],
): Promise<Project[]> {
  const all = await listProjects(store, organization.id);
  if (ids.length === 0 || ids.includes('-1')) return all;
  const wanted = new Set(ids.map(Number));
  return all.filter((p) => wanted.has(p.id));
}
