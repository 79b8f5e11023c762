/**
 * The API index and organizations (Sentry `IndexEndpoint`, `OrganizationIndexEndpoint`,
 * `OrganizationDetailsEndpoint`, `OrganizationProjectsEndpoint`, `ProjectIndexEndpoint`):
 * - `GET /api/0/`: `{version: "0", auth: {scopes} | null, user | null}` — what `sentry-cli info`
 *   reads; open to anonymous callers (401 only for an unknown token);
 * - `GET /api/0/organizations/` (the token's organizations; `owner=1` for those its user owns,
 *   unpaginated as in Sentry), `POST` (a new organization owned by the token's user; 409 for a
 *   taken slug);
 * - `GET|PUT /api/0/organizations/{org}/` (details with the requester's role, access, projects
 *   and teams; PUT changes `name` and `slug`, other settings are not kept by Vigil and ignored);
 * - `GET /api/0/organizations/{org}/projects/` (all projects, by slug) and `GET /api/0/projects/`
 *   (the projects on the user's teams, newest first; an organization token's organization's).
 * Lists are paginated with Sentry's cursors and `Link` header; `query` matches name or slug.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JsonObject } from '../../../protocol/json.js';
import {
  addOrganizationMember,
  addTeamMember,
  countMembersWithRole,
  createOrganization,
  createTeam,
  getOrganizationById,
  getOrganizationsById,
  getUser,
  listProjectsPage,
  listTeamMemberships,
  listTeams,
  listUserMemberships,
  updateOrganization,
  type MetadataStore,
  type Organization,
} from '../../../storage/metadata/index.js';
import { grant } from '../access.js';
import type { ApiPrincipal } from '../auth.js';
import { organizationAccessFor } from '../context.js';
import { ApiError } from '../errors.js';
import { pageOf, pageRequest } from '../pagination.js';
import { authorize, ORGANIZATION_PERMISSION, PROJECT_PERMISSION } from '../permissions.js';
import { assignableRoles } from '../roles.js';
import {
  serializeOrganization,
  serializeOrganizationDetails,
  serializeUserAccount,
} from '../serializers/index.js';
import { organizationRecord, requestUrl, serializeProjects, type AccountRoutesDeps } from './common.js';
import { bodyOf, booleanField, charField, slugify, SLUG_ERROR, type FieldErrors } from './fields.js';
import { serializeTeamsOf } from './teams.js';

/** Sentry's organization slug rule (`ORG_SLUG_PATTERN`): letters, digits and inner hyphens, not only digits. */
const ORGANIZATION_SLUG = /^(?![0-9]+$)[a-z0-9][a-z0-9-]*(?<!-)$/;

/** Registers the index and organization routes. */
export async function organizationRoutes(app: FastifyInstance, deps: AccountRoutesDeps): Promise<void> {
  const { metadata, auth } = deps;

  app.get('/api/0/', async (request) => {
    const principal = await auth.authenticateOptional(request);
    const user = principal?.userId != null ? await getUser(metadata, principal.userId) : undefined;
    return {
      version: '0',
      auth: principal ? { scopes: [...principal.tokenScopes] } : null,
      user: user ? serializeUserAccount(user, { self: true }) : null,
    };
  });

  app.get('/api/0/organizations/', async (request, reply) => {
    const principal = await authorize(auth, request, ORGANIZATION_PERMISSION);
    const query = request.query as Record<string, string | undefined>;
    const organizations = await organizationsOf(metadata, principal);
    if (principal.userId !== null && (query.owner === '1' || query.owner === 'true')) {
      return ownedOrganizations(metadata, principal.userId, organizations);
    }
    const text = (query.query ?? '').trim().toLowerCase();
    const matching = organizations
      .filter((o) => text === '' || o.slug.includes(text) || o.name.toLowerCase().includes(text))
      // Sentry's order: newest first.
      .sort((a, b) =>
        a.date_created < b.date_created ? 1 : a.date_created > b.date_created ? -1 : b.id - a.id,
      );
    const page = pageRequest(request.query);
    const rows = pageOf(
      reply,
      requestUrl(deps.publicUrl, request),
      page,
      matching.slice(page.offset, page.offset + page.limit + 1),
    );
    return rows.map((o) => serializeOrganization(organizationRecord(o), { baseUrl: deps.publicUrl }));
  });

  app.post('/api/0/organizations/', async (request, reply) => {
    const principal = await authorize(auth, request, ORGANIZATION_PERMISSION);
    if (principal.userId === null) throw new ApiError(401, 'This endpoint requires user info');
    const body = bodyOf(request.body);
    const errors: FieldErrors = {};
    const name = charField(body, 'name', errors, { required: true, maxLength: 64 });
    // Organization slugs have no underscores (Sentry's `ORG_SLUG_PATTERN`).
    const slug =
      organizationSlugField(body, errors) ??
      (name !== undefined ? slugify(name).replace(/_+/g, '-') : undefined);
    const defaultTeam = booleanField(body, 'defaultTeam', errors);
    if (Object.keys(errors).length > 0 || name === undefined || slug === undefined) {
      return reply.code(400).send(errors);
    }
    const created = await createOrganization(metadata, slug, name);
    if (!created.ok) {
      if (created.error.kind === 'slug_taken') {
        throw new ApiError(409, 'An organization with this slug already exists.');
      }
      return reply.code(400).send({ slug: [SLUG_ERROR] });
    }
    const org = created.value;
    const member = await addOrganizationMember(metadata, org.id, { userId: principal.userId, role: 'owner' });
    if (defaultTeam && member.ok) {
      const team = await createTeam(metadata, org.id, org.slug, org.name);
      if (team.ok) await addTeamMember(metadata, team.value.id, member.value.id);
    }
    return reply.code(201).send(serializeOrganization(organizationRecord(org), { baseUrl: deps.publicUrl }));
  });

  app.get('/api/0/organizations/:org/', async (request) => {
    const principal = await authorize(auth, request, ORGANIZATION_PERMISSION);
    return organizationDetails(principal, (request.params as { org: string }).org);
  });

  app.put('/api/0/organizations/:org/', async (request, reply) => {
    const principal = await authorize(auth, request, ORGANIZATION_PERMISSION);
    const access = await organizationAccessFor(metadata, principal, (request.params as { org: string }).org);
    grant(principal, access.scopes);
    const body = bodyOf(request.body);
    const errors: FieldErrors = {};
    const name = charField(body, 'name', errors, { maxLength: 64 });
    const slug = organizationSlugField(body, errors);
    if (Object.keys(errors).length > 0) return reply.code(400).send(errors);
    const updated = await updateOrganization(metadata, access.organization.id, {
      ...(name !== undefined ? { name } : {}),
      ...(slug !== undefined ? { slug } : {}),
    });
    if (!updated.ok) {
      if (updated.error.kind === 'not_found')
        throw new ApiError(404, 'The requested resource does not exist');
      return reply
        .code(400)
        .send({ slug: [updated.error.kind === 'slug_taken' ? updated.error.detail : SLUG_ERROR] });
    }
    return organizationDetails(principal, updated.value.slug);
  });

  app.get('/api/0/organizations/:org/projects/', async (request, reply) => {
    const principal = await authorize(auth, request, ORGANIZATION_PERMISSION);
    const access = await organizationAccessFor(metadata, principal, (request.params as { org: string }).org);
    grant(principal, access.scopes);
    return projectPage(request, reply, [access.organization], { order: 'slug' });
  });

  app.get('/api/0/projects/', async (request, reply) => {
    const principal = await authorize(auth, request, PROJECT_PERMISSION);
    const organizations = await organizationsOf(metadata, principal);
    return projectPage(request, reply, organizations, {
      order: 'newest',
      withOrganization: true,
      ...(principal.userId !== null ? { teamMemberUserId: principal.userId } : {}),
    });
  });

  /** One page of the projects of `organizations`, serialized. */
  async function projectPage(
    request: FastifyRequest,
    reply: FastifyReply,
    organizations: readonly Organization[],
    options: { order: 'slug' | 'newest'; withOrganization?: boolean; teamMemberUserId?: number },
  ): Promise<JsonObject[]> {
    const page = pageRequest(request.query);
    const query = (request.query as Record<string, string | undefined>).query?.trim();
    const fetched = await listProjectsPage(
      metadata,
      {
        organizationIds: organizations.map((o) => o.id),
        ...(options.teamMemberUserId !== undefined ? { teamMemberUserId: options.teamMemberUserId } : {}),
        ...(query ? { query } : {}),
      },
      { offset: page.offset, limit: page.limit + 1 },
      options.order,
    );
    const rows = pageOf(reply, requestUrl(deps.publicUrl, request), page, fetched);
    return serializeProjects(metadata, rows, new Map(organizations.map((o) => [o.id, o])), {
      publicUrl: deps.publicUrl,
      withOrganization: options.withOrganization ?? false,
    });
  }

  /** `DetailedOrganizationSerializerWithProjectsAndTeams` for the principal. */
  async function organizationDetails(principal: ApiPrincipal, slug: string): Promise<JsonObject> {
    const access = await organizationAccessFor(metadata, principal, slug);
    grant(principal, access.scopes);
    const org = access.organization;
    const projects = await listProjectsPage(
      metadata,
      { organizationIds: [org.id] },
      { offset: 0, limit: 10_000 },
    );
    const member = access.member;
    const memberships = member ? await listTeamMemberships(metadata, [member.id]) : [];
    return serializeOrganizationDetails(
      organizationRecord(org),
      { baseUrl: deps.publicUrl },
      {
        role: member?.role ?? null,
        access: principal.scopes,
        allowedRoles: member && access.scopes.has('member:admin') ? assignableRoles(member.role) : [],
        projects: await serializeProjects(metadata, projects, new Map([[org.id, org]]), {
          publicUrl: deps.publicUrl,
        }),
        teams: await serializeTeamsOf(
          metadata,
          principal,
          access,
          await listTeams(metadata, org.id),
          memberships,
        ),
      },
    );
  }
}

/**
 * The organizations the principal acts in: an organization token's own; a user token's user's
 * memberships, narrowed to the organization the token is restricted to.
 */
export async function organizationsOf(
  store: MetadataStore,
  principal: ApiPrincipal,
): Promise<Organization[]> {
  if (principal.userId === null) {
    const org =
      principal.organizationId !== null
        ? await getOrganizationById(store, principal.organizationId)
        : undefined;
    return org ? [org] : [];
  }
  const memberships = await listUserMemberships(store, principal.userId);
  const ids = memberships
    .map((m) => m.organization_id)
    .filter((id) => principal.organizationId === null || id === principal.organizationId);
  return getOrganizationsById(store, ids);
}

/**
 * `?owner=1`: `[{organization, singleOwner}]` for the organizations the user owns, by name
 * (Sentry's account-closing view; not paginated).
 */
async function ownedOrganizations(
  store: MetadataStore,
  userId: number,
  organizations: readonly Organization[],
): Promise<JsonObject[]> {
  const owned = new Set(
    (await listUserMemberships(store, userId))
      .filter((m) => m.role === 'owner')
      .map((m) => m.organization_id),
  );
  const out: JsonObject[] = [];
  for (const org of [...organizations].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!owned.has(org.id)) continue;
    out.push({
      organization: serializeOrganization(organizationRecord(org)),
      singleOwner: (await countMembersWithRole(store, org.id, ['owner'])) === 1,
    });
  }
  return out;
}

/** The `slug` of an organization body: Sentry's organization slug rule, at most 50 characters. */
function organizationSlugField(body: JsonObject, errors: FieldErrors): string | undefined {
  const slug = charField(body, 'slug', errors, { maxLength: 50, allowNull: true });
  if (slug === undefined) return undefined;
  if (!ORGANIZATION_SLUG.test(slug)) {
    errors.slug = [
      'Enter a valid slug consisting of lowercase letters, numbers or hyphens. It cannot be entirely numeric.',
    ];
    return undefined;
  }
  return slug;
}
