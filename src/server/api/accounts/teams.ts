/**
 * Teams (Sentry `OrganizationTeamsEndpoint`, `TeamDetailsEndpoint`):
 * - `GET /api/0/organizations/{org}/teams/` (by slug, with their projects unless `detailed=0`;
 *   `query` matches name or slug), `POST` (`{slug?, name?}`: one is required; the creator joins
 *   the team; 409 for a taken slug);
 * - `GET|PUT|DELETE /api/0/teams/{org}/{team}/` (details with the organization unless
 *   `collapse=organization`; PUT changes `name`/`slug`; DELETE removes the team, its memberships
 *   and project links at once — Sentry schedules it).
 */
import type { FastifyInstance } from 'fastify';
import type { JsonObject } from '../../../protocol/json.js';
import {
  addTeamMember,
  countTeamMembers,
  createTeam,
  deleteTeam,
  listProjects,
  listTeamMemberships,
  listTeamProjectIds,
  listTeams,
  updateTeam,
  type MetadataStore,
  type Project,
  type Team,
  type TeamMembership,
} from '../../../storage/metadata/index.js';
import { grant, teamScopes, type OrganizationAccess } from '../access.js';
import type { ApiPrincipal } from '../auth.js';
import { organizationAccessFor, teamFor } from '../context.js';
import { ApiError } from '../errors.js';
import { pageOf, pageRequest } from '../pagination.js';
import { authorize, ORGANIZATION_TEAMS_PERMISSION, TEAM_PERMISSION } from '../permissions.js';
import { effectiveTeamRole } from '../roles.js';
import { serializeOrganization, serializeTeam } from '../serializers/index.js';
import { organizationRecord, requestUrl, serializeProjects, type AccountRoutesDeps } from './common.js';
import { bodyOf, charField, slugField, slugify, type FieldErrors } from './fields.js';

/** Sentry's `CONFLICTING_SLUG_ERROR` of team creation. */
const CONFLICTING_SLUG = 'A team with this slug already exists.';

type Params = Record<string, string>;

/**
 * Teams in Sentry's shape for the principal: whether its user is on each, the team role, the
 * scopes it has there, the member count and, with `withProjects`, the team's projects.
 */
export async function serializeTeamsOf(
  store: MetadataStore,
  principal: ApiPrincipal,
  access: OrganizationAccess,
  teams: readonly Team[],
  memberships: readonly TeamMembership[],
  options: { withProjects?: boolean; publicUrl?: string } = {},
): Promise<JsonObject[]> {
  const counts = await countTeamMembers(
    store,
    teams.map((t) => t.id),
  );
  const mine = new Map(memberships.map((m) => [m.team_id, m]));
  const projectsById = options.withProjects
    ? new Map((await listProjects(store, access.organization.id)).map((p) => [p.id, p]))
    : new Map<number, Project>();
  const out: JsonObject[] = [];
  for (const team of teams) {
    const membership = mine.get(team.id);
    const scopes = new Set([...access.scopes, ...(await teamScopes(store, principal, access, [team.id]))]);
    const extras: Parameters<typeof serializeTeam>[1] = {
      isMember: membership !== undefined,
      teamRole:
        membership !== undefined && access.member
          ? effectiveTeamRole(access.member.role, membership.role).id
          : null,
      access: [...scopes],
      memberCount: counts.get(team.id) ?? 0,
    };
    if (options.withProjects) {
      const projects = (await listTeamProjectIds(store, team.id))
        .map((id) => projectsById.get(id))
        .filter((p): p is Project => p !== undefined);
      extras.projects = await serializeProjects(
        store,
        projects,
        new Map([[access.organization.id, access.organization]]),
        {
          publicUrl: options.publicUrl ?? '',
        },
      );
    }
    out.push(serializeTeam(team, extras));
  }
  return out;
}

/** Registers the team routes. */
export async function teamRoutes(app: FastifyInstance, deps: AccountRoutesDeps): Promise<void> {
  const { metadata, auth } = deps;

  /** The requester's team memberships in the organization (none for organization tokens). */
  async function myMemberships(access: OrganizationAccess): Promise<TeamMembership[]> {
    return access.member ? listTeamMemberships(metadata, [access.member.id]) : [];
  }

  app.get('/api/0/organizations/:org/teams/', async (request, reply) => {
    const principal = await authorize(auth, request, ORGANIZATION_TEAMS_PERMISSION);
    const access = await organizationAccessFor(metadata, principal, (request.params as Params).org ?? '');
    grant(principal, access.scopes);
    const query = request.query as Record<string, string | undefined>;
    const text = (query.query ?? '').trim().toLowerCase();
    const page = pageRequest(request.query);
    const teams =
      text === ''
        ? await listTeams(metadata, access.organization.id, { offset: page.offset, limit: page.limit + 1 })
        : (await listTeams(metadata, access.organization.id))
            .filter((t) => t.slug.includes(text) || t.name.toLowerCase().includes(text))
            .slice(page.offset, page.offset + page.limit + 1);
    const rows = pageOf(reply, requestUrl(deps.publicUrl, request), page, teams);
    return serializeTeamsOf(metadata, principal, access, rows, await myMemberships(access), {
      withProjects: query.detailed !== '0',
      publicUrl: deps.publicUrl,
    });
  });

  app.post('/api/0/organizations/:org/teams/', async (request, reply) => {
    const principal = await authorize(auth, request, ORGANIZATION_TEAMS_PERMISSION);
    const access = await organizationAccessFor(metadata, principal, (request.params as Params).org ?? '');
    grant(principal, access.scopes);
    const body = bodyOf(request.body);
    const errors: FieldErrors = {};
    const slug = slugField(body, 'slug', errors);
    const name = charField(body, 'name', errors, { maxLength: 64, allowBlank: true, allowNull: true });
    if (Object.keys(errors).length > 0) return reply.code(400).send(errors);
    if (!slug && !name) return reply.code(400).send({ non_field_errors: ['Name or slug is required'] });
    const created = await createTeam(
      metadata,
      access.organization.id,
      slug ?? slugify(name ?? ''),
      name || slug,
    );
    if (!created.ok) {
      return reply.code(409).send({ non_field_errors: [CONFLICTING_SLUG], detail: CONFLICTING_SLUG });
    }
    if (access.member) await addTeamMember(metadata, created.value.id, access.member.id);
    const [team] = await serializeTeamsOf(
      metadata,
      principal,
      access,
      [created.value],
      await myMemberships(access),
    );
    return reply.code(201).send(team);
  });

  app.get('/api/0/teams/:org/:team/', async (request) => {
    const principal = await authorize(auth, request, TEAM_PERMISSION);
    const p = request.params as Params;
    const { team, access } = await teamFor(metadata, principal, p.org ?? '', p.team ?? '');
    const [out] = await serializeTeamsOf(metadata, principal, access, [team], await myMemberships(access));
    const collapse = ([] as string[]).concat(
      (request.query as Record<string, string | string[]>).collapse ?? [],
    );
    if (out && !collapse.includes('organization')) {
      out.organization = serializeOrganization(organizationRecord(access.organization), {
        baseUrl: deps.publicUrl,
      });
    }
    return out;
  });

  app.put('/api/0/teams/:org/:team/', async (request, reply) => {
    const principal = await authorize(auth, request, TEAM_PERMISSION);
    const p = request.params as Params;
    const { team, access } = await teamFor(metadata, principal, p.org ?? '', p.team ?? '');
    const body = bodyOf(request.body);
    const errors: FieldErrors = {};
    const slug = slugField(body, 'slug', errors);
    const name = charField(body, 'name', errors, { maxLength: 64 });
    if (Object.keys(errors).length > 0) return reply.code(400).send(errors);
    const updated = await updateTeam(metadata, team.id, {
      ...(slug !== undefined ? { slug } : {}),
      ...(name !== undefined ? { name } : {}),
    });
    if (!updated.ok) {
      if (updated.error.kind === 'not_found')
        throw new ApiError(404, 'The requested resource does not exist');
      return reply.code(400).send({ slug: [updated.error.detail] });
    }
    const [out] = await serializeTeamsOf(
      metadata,
      principal,
      access,
      [updated.value],
      await myMemberships(access),
    );
    return out;
  });

  app.delete('/api/0/teams/:org/:team/', async (request, reply) => {
    const principal = await authorize(auth, request, TEAM_PERMISSION);
    const p = request.params as Params;
    const { team } = await teamFor(metadata, principal, p.org ?? '', p.team ?? '');
    await deleteTeam(metadata, team.id);
    return reply.code(204).send();
  });
}
