/**
 * Organization members (Sentry `OrganizationMemberIndexEndpoint`,
 * `OrganizationMemberDetailsEndpoint`):
 * - `GET /api/0/organizations/{org}/members/` (by id; `query` with `email:`, `role:`, `id:`,
 *   `user.id:`, `isInvited:` tokens or free text), `POST` (`{email, orgRole|role, teams|teamRoles}`:
 *   adds the user with that email at once, or invites the address — Vigil sends no emails, so
 *   the invitation becomes a membership when a user with that email is created);
 * - `GET|PUT|DELETE /api/0/organizations/{org}/members/{member_id}/` (`me` for the requester;
 *   PUT changes the organization role and teams with Sentry's rules on who may assign which
 *   role; DELETE removes a member — anyone may leave, `member:admin` removes members of a role no
 *   higher than one's own, `member:invite` removes invitations one sent; the only member with
 *   `org:write` cannot be removed).
 */
import type { FastifyInstance } from 'fastify';
import type { JsonObject } from '../../../protocol/json.js';
import {
  addOrganizationMember,
  countMembersWithRole,
  deleteOrganizationMember,
  getOrganizationMember,
  getUserByEmail,
  getUsers,
  listOrganizationMembers,
  listTeamMemberships,
  listTeams,
  setMemberRole,
  setMemberTeams,
  type MetadataStore,
  type OrganizationMember,
  type Team,
} from '../../../storage/metadata/index.js';
import { grant, type OrganizationAccess } from '../access.js';
import { PERMISSION_DENIED, type ApiPrincipal } from '../auth.js';
import { NOT_FOUND, organizationAccessFor } from '../context.js';
import { ApiError } from '../errors.js';
import { pageOf, pageRequest } from '../pagination.js';
import { authorize, MEMBER_PERMISSION, RELAXED_MEMBER_PERMISSION } from '../permissions.js';
import {
  DEFAULT_ORGANIZATION_ROLE,
  ORGANIZATION_ROLES,
  assignableRoles,
  canManageRole,
  organizationRole,
  teamRole,
  type OrganizationRole,
} from '../roles.js';
import { serializeMember } from '../serializers/index.js';
import { requestUrl, type AccountRoutesDeps } from './common.js';
import { bodyOf, charField, type FieldErrors } from './fields.js';

type Params = Record<string, string>;

const ERR_INSUFFICIENT_ROLE = 'You cannot remove a member who has more access than you.';
const ERR_INSUFFICIENT_SCOPE = 'You are missing the member:admin scope.';
const ERR_MEMBER_INVITE = 'You cannot modify invitations sent by someone else.';
const ERR_ONLY_OWNER_OR_MANAGER =
  'You cannot remove the only remaining owner or manager of the organization.';
const ERR_UNINVITABLE = 'You cannot send an invitation to a user who is already a full member.';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The organization roles that have `org:write` (Sentry's `is_only_member_with_org_write`). */
const ORG_WRITE_ROLES = ORGANIZATION_ROLES.filter((r) => r.scopes.includes('org:write')).map((r) => r.id);

/** Team assignments of a request: `[{team, role}]`. */
type TeamAssignments = { team: Team; role: string | null }[];

/** Registers the member routes. */
export async function memberRoutes(app: FastifyInstance, deps: AccountRoutesDeps): Promise<void> {
  const { metadata, auth } = deps;

  /** The organization of the path, for a principal already checked against the route's scopes. */
  async function accessOf(principal: ApiPrincipal, orgSlug: string): Promise<OrganizationAccess> {
    const access = await organizationAccessFor(metadata, principal, orgSlug);
    grant(principal, access.scopes);
    return access;
  }

  /** The member `member_id` (`me`: the requester's membership); ApiError 404 when there is none. */
  async function memberOf(access: OrganizationAccess, raw: string): Promise<OrganizationMember> {
    if (raw === 'me') {
      if (!access.member) throw new ApiError(404, NOT_FOUND);
      return access.member;
    }
    const id = Number(raw);
    const member =
      Number.isSafeInteger(id) && id > 0
        ? await getOrganizationMember(metadata, access.organization.id, id)
        : undefined;
    if (!member) throw new ApiError(404, NOT_FOUND);
    return member;
  }

  /** Base member JSON for several members, loading their users and inviters in one query. */
  async function serializeMembers(members: readonly OrganizationMember[]): Promise<JsonObject[]> {
    const users = await getUsers(
      metadata,
      members.flatMap((m) => [m.user_id, m.inviter_id]).filter((id): id is number => id !== null),
    );
    return members.map((m) =>
      serializeMember(m, {
        user: m.user_id !== null ? (users.get(m.user_id) ?? null) : null,
        inviter: m.inviter_id !== null ? (users.get(m.inviter_id) ?? null) : null,
      }),
    );
  }

  /** `OrganizationMemberWithRolesSerializer` JSON of `member`, seen by the principal. */
  async function memberDetails(access: OrganizationAccess, member: OrganizationMember): Promise<JsonObject> {
    const users = await getUsers(
      metadata,
      [member.user_id, member.inviter_id].filter((id): id is number => id !== null),
    );
    const teams = new Map((await listTeams(metadata, access.organization.id)).map((t) => [t.id, t]));
    const teamRoles = (await listTeamMemberships(metadata, [member.id]))
      .map((m) => ({ teamSlug: teams.get(m.team_id)?.slug ?? '', role: m.role }))
      .filter((t) => t.teamSlug !== '')
      .sort((a, b) => a.teamSlug.localeCompare(b.teamSlug));
    const isOnlyOwner =
      member.role === 'owner' &&
      (await countMembersWithRole(metadata, access.organization.id, ['owner'])) === 1;
    return serializeMember(
      member,
      {
        user: member.user_id !== null ? (users.get(member.user_id) ?? null) : null,
        inviter: member.inviter_id !== null ? (users.get(member.inviter_id) ?? null) : null,
      },
      { teamRoles, isOnlyOwner, allowedRoles: allowedRoles(access) },
    );
  }

  app.get('/api/0/organizations/:org/members/', async (request, reply) => {
    const principal = await authorize(auth, request, MEMBER_PERMISSION);
    const access = await accessOf(principal, (request.params as Params).org ?? '');
    const page = pageRequest(request.query);
    const query = ((request.query as Record<string, string | undefined>).query ?? '').trim();
    let members: OrganizationMember[];
    if (query === '') {
      members = await listOrganizationMembers(metadata, access.organization.id, {
        offset: page.offset,
        limit: page.limit + 1,
      });
    } else {
      const all = await listOrganizationMembers(metadata, access.organization.id);
      const users = await getUsers(
        metadata,
        all.map((m) => m.user_id).filter((id): id is number => id !== null),
      );
      const matches = memberQuery(query);
      members = all
        .filter((m) => matches(m, m.user_id !== null ? users.get(m.user_id) : undefined))
        .slice(page.offset, page.offset + page.limit + 1);
    }
    return serializeMembers(pageOf(reply, requestUrl(deps.publicUrl, request), page, members));
  });

  app.post('/api/0/organizations/:org/members/', async (request, reply) => {
    const principal = await authorize(auth, request, MEMBER_PERMISSION);
    const access = await accessOf(principal, (request.params as Params).org ?? '');
    const body = bodyOf(request.body);
    const errors: FieldErrors = {};
    const email = charField(body, 'email', errors, { required: true, maxLength: 75 });
    if (email !== undefined && !EMAIL.test(email)) errors.email = ['Enter a valid email address.'];
    const role = roleField(body, errors, invitableRoles(access));
    const teams = await teamsField(metadata, access, body, errors);
    if (Object.keys(errors).length > 0 || email === undefined) return reply.code(400).send(errors);

    const user = await getUserByEmail(metadata, email);
    const added = await addOrganizationMember(
      metadata,
      access.organization.id,
      user
        ? { userId: user.id, role: role ?? DEFAULT_ORGANIZATION_ROLE, inviterId: principal.userId }
        : { email, role: role ?? DEFAULT_ORGANIZATION_ROLE, inviterId: principal.userId },
    );
    if (!added.ok) {
      const message = user
        ? `The user ${email} is already a member`
        : `The user ${email} has already been invited`;
      return reply.code(409).send({ email: [message] });
    }
    if (teams !== undefined) {
      await setMemberTeams(
        metadata,
        added.value.id,
        teams.map((t) => ({ teamId: t.team.id, role: t.role })),
      );
    }
    const [out] = await serializeMembers([added.value]);
    return reply.code(201).send(out);
  });

  app.get('/api/0/organizations/:org/members/:memberId/', async (request) => {
    const principal = await authorize(auth, request, RELAXED_MEMBER_PERMISSION);
    const p = request.params as Params;
    const access = await accessOf(principal, p.org ?? '');
    return memberDetails(access, await memberOf(access, p.memberId ?? ''));
  });

  app.put('/api/0/organizations/:org/members/:memberId/', async (request, reply) => {
    const principal = await authorize(auth, request, RELAXED_MEMBER_PERMISSION);
    const p = request.params as Params;
    const access = await accessOf(principal, p.org ?? '');
    const member = await memberOf(access, p.memberId ?? '');
    // Sentry answers an empty 400 when the request has no user.
    if (principal.userId === null) return reply.code(400).send();
    const body = bodyOf(request.body);
    const errors: FieldErrors = {};
    const role = roleField(body, errors, ORGANIZATION_ROLES);
    const teams = await teamsField(metadata, access, body, errors);
    if (Object.keys(errors).length > 0) return reply.code(400).send(errors);

    const reinviteOnly = Object.keys(body).every((k) => k === 'reinvite' || k === 'regenerate');
    if (!access.scopes.has('member:admin')) {
      // Members with member:invite may only resend invitations they sent.
      if (!(member.user_id === null && reinviteOnly)) throw new ApiError(403, PERMISSION_DENIED);
      if (member.inviter_id !== principal.userId) throw new ApiError(403, ERR_MEMBER_INVITE);
    }
    if (body.reinvite === true) {
      // Vigil sends no emails: an invitation stays pending until its user is created.
      if (member.user_id !== null) throw new ApiError(400, ERR_UNINVITABLE);
      return memberDetails(access, member);
    }

    let updated = member;
    if (role !== undefined && role !== member.role) {
      const allowed = new Set<string>(allowedRoles(access).map((r) => r.id));
      if (!allowed.has(role)) {
        return reply.code(403).send({ role: 'You do not have permission to assign the given role.' });
      }
      if (!allowed.has(member.role)) {
        return reply
          .code(403)
          .send({ role: 'You do not have permission to assign a role to the given user.' });
      }
      if (member.user_id === principal.userId) {
        throw new ApiError(400, 'You cannot make changes to your own role.');
      }
      if (organizationRole(role)?.isRetired) {
        throw new ApiError(400, `The role '${role}' is deprecated and may no longer be assigned.`);
      }
      updated = (await setMemberRole(metadata, member.id, role)) ?? member;
    }
    if (teams !== undefined) {
      await setMemberTeams(
        metadata,
        member.id,
        teams.map((t) => ({ teamId: t.team.id, role: t.role })),
      );
    }
    return memberDetails(access, updated);
  });

  app.delete('/api/0/organizations/:org/members/:memberId/', async (request, reply) => {
    const principal = await authorize(auth, request, RELAXED_MEMBER_PERMISSION);
    const p = request.params as Params;
    const access = await accessOf(principal, p.org ?? '');
    const member = await memberOf(access, p.memberId ?? '');
    const acting = access.member;
    if (principal.userId !== null) {
      if (!acting) throw new ApiError(400, ERR_INSUFFICIENT_ROLE);
      if (acting.id !== member.id) {
        if (!access.scopes.has('member:admin')) {
          if (!access.scopes.has('member:invite')) throw new ApiError(400, ERR_INSUFFICIENT_SCOPE);
          // Members may only delete invitations, and only those they sent.
          if (member.user_id !== null) throw new ApiError(400, ERR_INSUFFICIENT_SCOPE);
          if (member.inviter_id !== acting.user_id) throw new ApiError(400, ERR_MEMBER_INVITE);
        } else if (!canManageRole(acting.role, member.role)) {
          throw new ApiError(400, ERR_INSUFFICIENT_ROLE);
        }
      }
    } else if (!access.scopes.has('member:admin')) {
      throw new ApiError(400, ERR_INSUFFICIENT_SCOPE);
    }
    if (
      member.user_id !== null &&
      ORG_WRITE_ROLES.includes(member.role as OrganizationRole['id']) &&
      (await countMembersWithRole(metadata, access.organization.id, ORG_WRITE_ROLES)) <= 1
    ) {
      throw new ApiError(403, ERR_ONLY_OWNER_OR_MANAGER);
    }
    await deleteOrganizationMember(metadata, member.id);
    return reply.code(204).send();
  });
}

/**
 * The roles the requester may give others when changing a role (Sentry's
 * `get_allowed_org_roles`): its own rank and below, with `member:admin`; none otherwise.
 */
function allowedRoles(access: OrganizationAccess): OrganizationRole[] {
  if (!access.scopes.has('member:admin')) return [];
  return access.member ? assignableRoles(access.member.role) : [...ORGANIZATION_ROLES];
}

/**
 * The roles the requester may invite with: its own rank and below (no `member:admin` needed);
 * an organization token only `member` (Sentry's rule for integration tokens).
 */
function invitableRoles(access: OrganizationAccess): readonly OrganizationRole[] {
  if (!access.member) return ORGANIZATION_ROLES.filter((r) => r.id === 'member');
  return assignableRoles(access.member.role);
}

/**
 * `orgRole` (or the deprecated `role`): a role id the requester may assign and that is not
 * retired; `undefined` when neither is given.
 */
function roleField(
  body: JsonObject,
  errors: FieldErrors,
  allowed: readonly OrganizationRole[],
): string | undefined {
  const field = body.orgRole !== undefined ? 'orgRole' : 'role';
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || organizationRole(value) === undefined) {
    errors[field] = [`"${String(value)}" is not a valid choice.`];
    return undefined;
  }
  const role = allowed.find((r) => r.id === value);
  if (role === undefined) {
    errors[field] = ['You do not have permission to set that org-level role'];
    return undefined;
  }
  if (role.isRetired) {
    errors[field] = [`The role '${value}' is deprecated and may no longer be assigned.`];
    return undefined;
  }
  return value;
}

/**
 * `teamRoles` (`[{teamSlug, role}]`) or the deprecated `teams` (slugs): teams of the
 * organization with valid team roles; `undefined` when neither is given.
 */
async function teamsField(
  store: MetadataStore,
  access: OrganizationAccess,
  body: JsonObject,
  errors: FieldErrors,
): Promise<TeamAssignments | undefined> {
  const teams = new Map((await listTeams(store, access.organization.id)).map((t) => [t.slug, t]));
  if (body.teamRoles !== undefined && body.teamRoles !== null) {
    if (!Array.isArray(body.teamRoles)) {
      errors.teamRoles = ['Expected a list of items but got type "dict".'];
      return undefined;
    }
    const out: TeamAssignments = [];
    for (const item of body.teamRoles) {
      const entry = (item ?? {}) as Record<string, unknown>;
      const role = entry.role ?? null;
      if (role !== null && (typeof role !== 'string' || teamRole(role) === undefined)) {
        errors.teamRoles = ['Invalid team-role'];
        return undefined;
      }
      const team = typeof entry.teamSlug === 'string' ? teams.get(entry.teamSlug) : undefined;
      if (team === undefined) {
        errors.teams = ['Invalid teams'];
        return undefined;
      }
      out.push({ team, role: role as string | null });
    }
    return out;
  }
  if (body.teams !== undefined) {
    const slugs = Array.isArray(body.teams) ? body.teams : [];
    const out = slugs.map((slug) => (typeof slug === 'string' ? teams.get(slug) : undefined));
    if (!Array.isArray(body.teams) || out.some((t) => t === undefined)) {
      errors.teams = ['Invalid teams'];
      return undefined;
    }
    return out.map((team) => ({ team: team as Team, role: null }));
  }
  return undefined;
}

/**
 * A member filter for Sentry's member `query`: `key:value` tokens (`email`, `role`, `id`,
 * `user.id`, `isInvited`; values may be comma-separated) and free text matched against email and
 * name. Unknown keys match nothing, as in Sentry.
 */
function memberQuery(
  query: string,
): (
  member: OrganizationMember,
  user: { email: string; name: string; username: string } | undefined,
) => boolean {
  const tokens = new Map<string, string[]>();
  const free: string[] = [];
  for (const part of query.split(/\s+/).filter(Boolean)) {
    const colon = part.indexOf(':');
    if (colon > 0) {
      const key = part.slice(0, colon);
      tokens.set(key, [...(tokens.get(key) ?? []), ...part.slice(colon + 1).split(',')]);
    } else free.push(part);
  }
  const text = free.join(' ').toLowerCase();
  return (member, user) => {
    const email = (user?.email ?? member.email ?? '').toLowerCase();
    for (const [key, values] of tokens) {
      const ok =
        key === 'email'
          ? values.some((v) => v.toLowerCase() === email)
          : key === 'role'
            ? values.includes(member.role)
            : key === 'id'
              ? values.includes(String(member.id))
              : key === 'user.id'
                ? member.user_id !== null && values.includes(String(member.user_id))
                : key === 'isInvited'
                  ? (member.user_id === null) === values.includes('true')
                  : false;
      if (!ok) return false;
    }
    if (text === '') return true;
    return (
      email.includes(text) ||
      (user?.name ?? '').toLowerCase().includes(text) ||
      (user?.username ?? '').toLowerCase().includes(text)
    );
  };
}
