/**
 * Sentry's organization and team roles (`SENTRY_ROLES`, `SENTRY_TEAM_ROLES` in
 * `src/sentry/conf/server.py`; `src/sentry/roles/manager.py`): each role's scopes, its rank
 * (`priority`, the order of the list), and the rules built on them — which roles a member may
 * assign, which team role an organization role implies. Self-hosted Sentry has no `billing` role.
 */

/** An organization-level role. */
export interface OrganizationRole {
  id: 'member' | 'admin' | 'manager' | 'owner';
  name: string;
  desc: string;
  scopes: readonly string[];
  /** Rank: a role may manage roles of lower or equal priority. */
  priority: number;
  /** Global roles act on every team (Sentry's `is_global`). */
  isGlobal: boolean;
  /** Retired roles can no longer be assigned once team roles are on (Sentry's `admin`). */
  isRetired: boolean;
  /** The team role every team membership of this role gets at least. */
  minimumTeamRole: TeamRole['id'];
}

/** A team-level role. */
export interface TeamRole {
  id: 'contributor' | 'admin';
  name: string;
  desc: string;
  scopes: readonly string[];
  priority: number;
}

const MEMBER_SCOPES = [
  'event:read',
  'event:write',
  'event:admin',
  'project:releases',
  'project:read',
  'org:read',
  'member:invite',
  'member:read',
  'team:read',
  'alerts:read',
  'alerts:write',
] as const;

const TEAM_ADMIN_SCOPES = [
  'event:read',
  'event:write',
  'event:admin',
  'org:read',
  'member:read',
  'project:read',
  'project:write',
  'project:admin',
  'project:releases',
  'team:read',
  'team:write',
  'team:admin',
  'org:integrations',
  'alerts:read',
  'alerts:write',
] as const;

/** Sentry's organization roles, lowest first. */
export const ORGANIZATION_ROLES: readonly OrganizationRole[] = [
  {
    id: 'member',
    name: 'Member',
    desc: 'Members can view and act on events, as well as view most other data within the organization. By default, they can invite members to the organization unless the organization has disabled this feature.',
    scopes: MEMBER_SCOPES,
    priority: 0,
    isGlobal: false,
    isRetired: false,
    minimumTeamRole: 'contributor',
  },
  {
    id: 'admin',
    name: 'Admin',
    desc: "Admin privileges on any teams of which they're a member. They can create new teams and projects, as well as remove teams and projects on which they already hold membership (or all teams, if open membership is enabled). Additionally, they can manage memberships of teams that they are members of. By default, they can invite members to the organization unless the organization has disabled this feature.",
    scopes: [...TEAM_ADMIN_SCOPES, 'member:invite'],
    priority: 1,
    isGlobal: false,
    isRetired: true,
    minimumTeamRole: 'admin',
  },
  {
    id: 'manager',
    name: 'Manager',
    desc: 'Gains admin access on all teams as well as the ability to add and remove members.',
    scopes: [
      'event:read',
      'event:write',
      'event:admin',
      'member:invite',
      'member:read',
      'member:write',
      'member:admin',
      'project:read',
      'project:write',
      'project:admin',
      'project:releases',
      'team:read',
      'team:write',
      'team:admin',
      'org:read',
      'org:write',
      'org:integrations',
      'alerts:read',
      'alerts:write',
    ],
    priority: 2,
    isGlobal: true,
    isRetired: false,
    minimumTeamRole: 'admin',
  },
  {
    id: 'owner',
    name: 'Owner',
    desc: 'Unrestricted access to the organization, its data, and its settings. Can add, modify, and delete projects and members, as well as make billing and plan changes.',
    scopes: [
      'org:read',
      'org:write',
      'org:admin',
      'org:integrations',
      'member:invite',
      'member:read',
      'member:write',
      'member:admin',
      'team:read',
      'team:write',
      'team:admin',
      'project:read',
      'project:write',
      'project:admin',
      'project:releases',
      'event:read',
      'event:write',
      'event:admin',
      'alerts:read',
      'alerts:write',
    ],
    priority: 3,
    isGlobal: true,
    isRetired: false,
    minimumTeamRole: 'admin',
  },
];

/** Sentry's team roles, lowest first. */
export const TEAM_ROLES: readonly TeamRole[] = [
  {
    id: 'contributor',
    name: 'Contributor',
    desc: "Contributors can view and act on events, as well as view most other data within the team's projects.",
    scopes: [
      'event:read',
      'event:write',
      'project:releases',
      'project:read',
      'org:read',
      'member:read',
      'team:read',
      'alerts:read',
    ],
    priority: 0,
  },
  {
    id: 'admin',
    name: 'Team Admin',
    desc: "Admin privileges on the team. They can create and remove projects, and can manage the team's memberships.",
    scopes: TEAM_ADMIN_SCOPES,
    priority: 1,
  },
];

/** The role a new member gets when none is asked for (`SENTRY_DEFAULT_ROLE`). */
export const DEFAULT_ORGANIZATION_ROLE = 'member';

/** The organization role `id`, or `undefined`. */
export function organizationRole(id: string): OrganizationRole | undefined {
  return ORGANIZATION_ROLES.find((r) => r.id === id);
}

/** The team role `id`, or `undefined`. */
export function teamRole(id: string): TeamRole | undefined {
  return TEAM_ROLES.find((r) => r.id === id);
}

/**
 * The team role a member effectively holds on a team: the stored one (default `contributor`),
 * raised to the minimum team role of the member's organization role.
 */
export function effectiveTeamRole(orgRoleId: string, stored: string | null): TeamRole {
  const own = teamRole(stored ?? 'contributor') ?? TEAM_ROLES[0]!;
  const minimum = teamRole(organizationRole(orgRoleId)?.minimumTeamRole ?? 'contributor') ?? TEAM_ROLES[0]!;
  return own.priority >= minimum.priority ? own : minimum;
}

/**
 * The organization roles a member of role `roleId` may give others (Sentry's
 * `get_allowed_org_roles_to_invite`: its own rank and below).
 */
export function assignableRoles(roleId: string): OrganizationRole[] {
  const own = organizationRole(roleId);
  return own === undefined ? [] : ORGANIZATION_ROLES.filter((r) => r.priority <= own.priority);
}

/** Whether a member of role `acting` may manage one of role `target` (Sentry's `roles.can_manage`). */
export function canManageRole(acting: string, target: string): boolean {
  const a = organizationRole(acting);
  const t = organizationRole(target);
  return a !== undefined && t !== undefined && a.priority >= t.priority;
}
