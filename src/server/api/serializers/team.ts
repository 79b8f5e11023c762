/**
 * Team JSON in Sentry's web-API shape (`TeamSerializer` in
 * `src/sentry/api/serializers/models/team.py`): the team lists, team details and the team of a
 * new project.
 */
import type { JsonObject } from '../../../protocol/json.js';
import type { Team } from '../../../storage/metadata/index.js';

/** What the caller knows about the requester and the team beyond its row. */
export interface TeamExtras {
  /** Whether the requester is on the team; default false. */
  isMember?: boolean;
  /** The requester's team role (`contributor`, `admin`), null when not on the team. */
  teamRole?: string | null;
  /** The requester's scopes on the team; default `[]`. */
  access?: readonly string[];
  /** Members on the team; default 0. */
  memberCount?: number;
  /** Serialized projects (the detailed list adds them); absent = left out. */
  projects?: JsonObject[];
  /** Serialized organization (team details add it); absent = left out. */
  organization?: JsonObject;
}

/**
 * `{id, slug, name, dateCreated, isMember, teamRole, flags: {"idp:provisioned": false}, access,
 * hasAccess: true (organizations are open), isPending: false, memberCount, avatar}`, plus
 * `externalTeams: []` and `projects` when given projects, and `organization` when given one.
 */
export function serializeTeam(team: Team, extras: TeamExtras = {}): JsonObject {
  const out: JsonObject = {
    id: String(team.id),
    slug: team.slug,
    name: team.name,
    dateCreated: team.date_created,
    isMember: extras.isMember ?? false,
    teamRole: extras.teamRole ?? null,
    flags: { 'idp:provisioned': false },
    access: [...(extras.access ?? [])].sort(),
    hasAccess: true,
    isPending: false,
    memberCount: extras.memberCount ?? 0,
    avatar: { avatarType: 'letter_avatar', avatarUuid: null },
  };
  if (extras.projects !== undefined) {
    out.externalTeams = [];
    out.projects = extras.projects;
  }
  if (extras.organization !== undefined) out.organization = extras.organization;
  return out;
}
