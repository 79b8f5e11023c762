/**
 * What the accounts endpoints share: their collaborators, record conversions for the
 * serializers, the request URL for `Link` headers, and the project list serialization
 * (projects with their teams).
 */
import type { FastifyRequest } from 'fastify';
import type { JsonObject } from '../../../protocol/json.js';
import {
  listProjectTeams,
  type MetadataStore,
  type Organization,
  type Project,
  type Team,
} from '../../../storage/metadata/index.js';
import { PERMISSION_DENIED, type ApiPrincipal, type TokenAuth } from '../auth.js';
import { ApiError } from '../errors.js';
import { serializeOrganization, serializeProject, type OrganizationRecord } from '../serializers/index.js';

/** Collaborators of the accounts routes. */
export interface AccountRoutesDeps {
  metadata: MetadataStore;
  auth: TokenAuth;
  /** Base URL of the server (links, DSNs), e.g. `http://127.0.0.1:8000`. */
  publicUrl: string;
  /**
   * Called after a project's DSN keys changed or the project was deleted (the key cache's
   * `invalidateProject`), so the edge stops accepting a disabled or deleted key at once.
   */
  onProjectConfigChange?: (projectId: number) => void;
}

/** An organization row as the serializers take it. */
export function organizationRecord(org: Organization): OrganizationRecord {
  return { id: org.id, slug: org.slug, name: org.name, dateCreated: new Date(org.date_created) };
}

/** The absolute URL of the request (for `Link` headers). */
export function requestUrl(publicUrl: string, request: FastifyRequest): URL {
  return new URL(request.url, publicUrl);
}

/** The principal's user id; ApiError 403 for an organization token (the endpoint needs a user). */
export function userOf(principal: ApiPrincipal): number {
  if (principal.userId === null) throw new ApiError(403, PERMISSION_DENIED);
  return principal.userId;
}

/** A team as a project's `team`/`teams` entry. */
function teamRef(team: Team): { id: number; slug: string; name: string } {
  return { id: team.id, slug: team.slug, name: team.name };
}

/**
 * Projects in Sentry's summary shape (`ProjectSummarySerializer`), each with its teams; with
 * `withOrganization`, also the serialized `organization` (`ProjectWithOrganizationSerializer`).
 */
export async function serializeProjects(
  store: MetadataStore,
  projects: readonly Project[],
  organizations: ReadonlyMap<number, Organization>,
  options: { publicUrl: string; withOrganization?: boolean },
): Promise<JsonObject[]> {
  const teams = await listProjectTeams(
    store,
    projects.map((p) => p.id),
  );
  return projects.map((project) => {
    const org = organizations.get(project.organization_id);
    if (org === undefined)
      throw new Error(`organization ${project.organization_id} of project ${project.id} not loaded`);
    const out = serializeProject(
      {
        id: project.id,
        slug: project.slug,
        name: project.name,
        platform: project.platform,
        dateCreated: new Date(project.date_created),
      },
      organizationRecord(org),
      { teams: (teams.get(project.id) ?? []).map(teamRef) },
    );
    if (options.withOrganization) {
      out.organization = serializeOrganization(organizationRecord(org), { baseUrl: options.publicUrl });
    }
    return out;
  });
}
