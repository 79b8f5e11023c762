/**
 * Organization member JSON in Sentry's web-API shape (`OrganizationMemberSerializer`,
 * `OrganizationMemberWithRolesSerializer` in
 * `src/sentry/api/serializers/models/organization_member/`) and the role lists
 * (`OrganizationRoleSerializer`, `TeamRoleSerializer` in `.../models/role.py`).
 */
import type { JsonObject } from '../../../protocol/json.js';
import type { OrganizationMember, User } from '../../../storage/metadata/index.js';
import { ORGANIZATION_ROLES, TEAM_ROLES, organizationRole, type OrganizationRole } from '../roles.js';
import { serializeUserAccount } from './user.js';

/**
 * The organization roles with `allowed`/`isAllowed` set for the ones in `allowed` (the roles the
 * requester may assign): `{id, name, desc, scopes, allowed, isAllowed, isRetired, is_global,
 * isGlobal, minimumTeamRole}`.
 */
export function serializeOrganizationRoles(allowed: readonly OrganizationRole[]): JsonObject[] {
  const ids = new Set(allowed.map((r) => r.id));
  return ORGANIZATION_ROLES.map((r) => ({
    id: r.id,
    name: r.name,
    desc: r.desc,
    scopes: [...r.scopes],
    allowed: ids.has(r.id),
    isAllowed: ids.has(r.id),
    isRetired: r.isRetired,
    is_global: r.isGlobal,
    isGlobal: r.isGlobal,
    minimumTeamRole: r.minimumTeamRole,
  }));
}

/** The team roles: `{id, name, desc, scopes, allowed, isAllowed, isRetired, isMinimumRoleFor}`. */
export function serializeTeamRoles(): JsonObject[] {
  return TEAM_ROLES.map((r) => ({
    id: r.id,
    name: r.name,
    desc: r.desc,
    scopes: [...r.scopes],
    allowed: true,
    isAllowed: true,
    isRetired: false,
    isMinimumRoleFor: r.id === 'admin' ? 'admin' : null,
  }));
}

/** What the base member JSON needs beyond the row. */
export interface MemberContext {
  /** The member's user; null for a pending invitation. */
  user: User | null;
  /** The user who invited the member, when known. */
  inviter?: User | null;
}

/** The detail-only fields. */
export interface MemberDetails {
  /** `[{teamSlug, role}]` of the member's teams (role null = contributor). */
  teamRoles: readonly { teamSlug: string; role: string | null }[];
  /** Whether the member is the organization's only owner. */
  isOnlyOwner: boolean;
  /** The roles the requester may assign. */
  allowedRoles: readonly OrganizationRole[];
}

/**
 * `{id, email, name, user, role, roleName, orgRole, orgRolesFromTeams: [], pending, expired:
 * false, flags, dateCreated, inviteStatus: 'approved', inviterName}`; with `details` also
 * `teams`, `teamRoles`, `invite_link: null`, `isOnlyOwner`, `roles`, `orgRoleList`,
 * `teamRoleList` (Sentry's `OrganizationMemberWithRolesSerializer`).
 */
export function serializeMember(
  member: OrganizationMember,
  ctx: MemberContext,
  details?: MemberDetails,
): JsonObject {
  const email = ctx.user?.email ?? member.email ?? '';
  const inviter = ctx.inviter;
  const out: JsonObject = {
    id: String(member.id),
    email,
    name: ctx.user ? ctx.user.name || ctx.user.username : email,
    user: ctx.user ? serializeUserAccount(ctx.user) : null,
    role: member.role,
    roleName: organizationRole(member.role)?.name ?? member.role,
    orgRole: member.role,
    orgRolesFromTeams: [],
    pending: member.user_id === null,
    expired: false,
    flags: {
      'idp:provisioned': false,
      'idp:role-restricted': false,
      'sso:linked': false,
      'sso:invalid': false,
      'member-limit:restricted': false,
      'partnership:restricted': false,
    },
    dateCreated: member.date_created,
    inviteStatus: 'approved',
    inviterName: inviter ? inviter.name || inviter.email : null,
  };
  if (details !== undefined) {
    const roles = serializeOrganizationRoles(details.allowedRoles);
    Object.assign(out, {
      teams: details.teamRoles.map((t) => t.teamSlug),
      teamRoles: details.teamRoles.map((t) => ({ teamSlug: t.teamSlug, role: t.role })),
      invite_link: null,
      isOnlyOwner: details.isOnlyOwner,
      roles,
      orgRoleList: roles,
      teamRoleList: serializeTeamRoles(),
    });
  }
  return out;
}
