/**
 * What a token may do in an organization (Sentry `src/sentry/auth/access.py`): an organization
 * token acts in its own organization with its scopes; a user token acts in the organizations its
 * user is a member of (only the one it is restricted to, if any) with the scopes both the token
 * and the member's role have, plus the scopes of the member's team roles on the teams of the
 * project or team at hand. Organizations are open (Sentry's default `allow_joinleave`): every
 * member reaches every project and team of the organization.
 */
import {
  getMembership,
  listTeamMemberships,
  type MetadataStore,
  type Organization,
  type OrganizationMember,
} from '../../storage/metadata/index.js';
import { PERMISSION_DENIED, type ApiPrincipal } from './auth.js';
import { ApiError } from './errors.js';
import { effectiveTeamRole, organizationRole } from './roles.js';

/** A principal's standing in one organization. */
export interface OrganizationAccess {
  organization: Organization;
  /** The user's membership; absent for organization tokens. */
  member?: OrganizationMember;
  /** The organization-level scopes the request may use (token ∩ role). */
  scopes: ReadonlySet<string>;
}

/**
 * The principal's access to `organization`, or `undefined` when the organization is not the
 * token's (another organization than the token's, or one its user is not a member of).
 */
export async function organizationAccess(
  store: MetadataStore,
  principal: ApiPrincipal,
  organization: Organization,
): Promise<OrganizationAccess | undefined> {
  if (principal.organizationId !== null && principal.organizationId !== organization.id) return undefined;
  if (principal.userId === null) return { organization, scopes: new Set(principal.tokenScopes) };
  const member = await getMembership(store, organization.id, principal.userId);
  if (member === undefined) return undefined;
  const role = new Set(organizationRole(member.role)?.scopes ?? []);
  return { organization, member, scopes: new Set(principal.tokenScopes.filter((s) => role.has(s))) };
}

/**
 * The scopes the member's team roles give on the teams `teamIds` (a project's teams, or one
 * team), limited to the token's scopes; empty for organization tokens.
 */
export async function teamScopes(
  store: MetadataStore,
  principal: ApiPrincipal,
  access: OrganizationAccess,
  teamIds: readonly number[],
): Promise<Set<string>> {
  const out = new Set<string>();
  const member = access.member;
  if (member === undefined || teamIds.length === 0) return out;
  const wanted = new Set(teamIds);
  for (const membership of await listTeamMemberships(store, [member.id])) {
    if (!wanted.has(membership.team_id)) continue;
    for (const scope of effectiveTeamRole(member.role, membership.role).scopes) {
      if (principal.tokenScopes.includes(scope)) out.add(scope);
    }
  }
  return out;
}

/**
 * Narrows the principal to `scopes` (the org-level scopes plus any team scopes) and checks the
 * route's scopes against them: ApiError 403 when none is left (Sentry's `has_object_permission`).
 */
export function grant(principal: ApiPrincipal, ...scopeSets: ReadonlySet<string>[]): void {
  const granted = new Set<string>();
  for (const set of scopeSets) for (const scope of set) granted.add(scope);
  principal.scopes = [...granted].sort();
  const required = principal.requiredScopes;
  if (required !== undefined && !required.some((s) => granted.has(s))) {
    throw new ApiError(403, PERMISSION_DENIED);
  }
}
