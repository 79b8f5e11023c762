/**
 * Resolves the organization, project and issue a web-API path names, checking them
 * against the request's token: a token only sees its own organization, and an unknown
 * or foreign resource is a 404 (Sentry answers 404, not 403, so ids cannot be probed).
 */
import {
  getGroup,
  getOrganizationById,
  getOrganizationBySlug,
  getProjectById,
  getProjectBySlug,
  listProjects,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import type { ApiPrincipal } from './auth.js';
import { ApiError } from './errors.js';

export type Organization = NonNullable<Awaited<ReturnType<typeof getOrganizationById>>>;
export type Project = NonNullable<Awaited<ReturnType<typeof getProjectById>>>;
export type Group = NonNullable<Awaited<ReturnType<typeof getGroup>>>;

/** The organization `slug`, if the principal belongs to it; else ApiError 404. */
export async function organizationFor(
  store: MetadataStore,
  principal: ApiPrincipal,
  slug: string,
): Promise<Organization> {
  const org = await getOrganizationBySlug(store, slug);
  if (!org || org.id !== principal.organizationId)
    throw new ApiError(404, 'The requested resource does not exist');
  return org;
}

/** The project `projectSlug` of organization `orgSlug`; else ApiError 404. */
export async function projectFor(
  store: MetadataStore,
  principal: ApiPrincipal,
  orgSlug: string,
  projectSlug: string,
): Promise<{ organization: Organization; project: Project }> {
  const organization = await organizationFor(store, principal, orgSlug);
  const project = await getProjectBySlug(store, organization.id, projectSlug);
  if (!project) throw new ApiError(404, 'The requested resource does not exist');
  return { organization, project };
}

/** The issue with numeric id `rawId` in the principal's organization; else ApiError 404. */
export async function issueFor(
  store: MetadataStore,
  principal: ApiPrincipal,
  rawId: string,
): Promise<{ organization: Organization; project: Project; group: Group }> {
  const id = Number(rawId);
  const notFound = new ApiError(404, 'The requested resource does not exist');
  if (!Number.isSafeInteger(id) || id <= 0) throw notFound;
  const group = await getGroup(store, id);
  if (!group) throw notFound;
  const project = await getProjectById(store, group.project_id);
  const organization = project && (await getOrganizationById(store, project.organization_id));
  if (!project || !organization || organization.id !== principal.organizationId) throw notFound;
  return { organization, project, group };
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
