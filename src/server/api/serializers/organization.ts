/**
 * Organization JSON in Sentry's web-API shape (`GET /api/0/organizations/`,
 * `GET /api/0/organizations/{org}/`). Follows `OrganizationSerializer.serialize` in
 * `src/sentry/api/serializers/models/organization.py`. The seven fields sentry-cli's
 * `Organization` struct requires (`id, slug, name, dateCreated, isEarlyAdopter,
 * require2FA, requireEmailVerification`) are always present
 * (reference/sentry-semantics.md §8).
 */
import type { JsonObject } from '../../../protocol/json.js';
import type { OrganizationRole } from '../roles.js';
import type { OrganizationRef } from './issue.js';
import { serializeOrganizationRoles, serializeTeamRoles } from './member.js';
import { isoDate } from './values.js';

/** An organization row, in camelCase. */
export interface OrganizationRecord extends OrganizationRef {
  dateCreated: Date;
}

/** Inputs beyond the organization row. */
export interface SerializeOrganizationOptions {
  /** Public base URL (`links.organizationUrl`/`regionUrl`); default `''`. */
  baseUrl?: string;
  /** Enabled feature names (without the `organizations:` prefix); default `[]`. */
  features?: string[];
}

/**
 * `{id (string), slug, status: {id: 'active', name: 'active'}, name, dateCreated (ISO),
 * isEarlyAdopter: false, require2FA: false, requireEmailVerification: false,
 * avatar (letter avatar), allowMemberInvite, allowMemberProjectCreation,
 * allowSuperuserAccess, links, hasAuthProvider: false, features, extraOptions}`.
 * `name` falls back to the slug like Sentry's `obj.name or obj.slug`.
 */
export function serializeOrganization(
  org: OrganizationRecord,
  options: SerializeOrganizationOptions = {},
): JsonObject {
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  return {
    id: String(org.id),
    slug: org.slug,
    status: { id: 'active', name: 'active' },
    name: org.name || org.slug,
    dateCreated: isoDate(org.dateCreated),
    isEarlyAdopter: false,
    require2FA: false,
    requireEmailVerification: false,
    avatar: { avatarType: 'letter_avatar', avatarUuid: null, avatarUrl: null },
    allowMemberInvite: true,
    allowMemberProjectCreation: true,
    allowSuperuserAccess: true,
    links: { organizationUrl: baseUrl, regionUrl: baseUrl },
    hasAuthProvider: false,
    features: [...(options.features ?? [])].sort(),
    extraOptions: { traces: { spansExtractionDate: null, checkSpanExtractionDate: false } },
  };
}

/** What the detailed organization adds about the requester and the organization's content. */
export interface OrganizationDetailExtras {
  /** The requester's role; null for an organization token. */
  role: string | null;
  /** The requester's scopes in the organization. */
  access: readonly string[];
  /** The roles the requester may assign (for `orgRoleList[].allowed`). */
  allowedRoles: readonly OrganizationRole[];
  /** Serialized projects and teams (`DetailedOrganizationSerializerWithProjectsAndTeams`). */
  projects: JsonObject[];
  teams: JsonObject[];
}

/**
 * `GET /api/0/organizations/{org}/`: {@link serializeOrganization} plus Sentry's
 * `DetailedOrganizationSerializer` fields. Vigil keeps no organization-level options, so the
 * settings fields carry Sentry's defaults (open membership, shared issues, no organization-wide
 * scrubbing: projects' own settings apply).
 */
export function serializeOrganizationDetails(
  org: OrganizationRecord,
  options: SerializeOrganizationOptions,
  extras: OrganizationDetailExtras,
): JsonObject {
  const roles = serializeOrganizationRoles(extras.allowedRoles);
  return {
    ...serializeOrganization(org, options),
    experiments: {},
    quota: { maxRate: null, maxRateInterval: 60, accountLimit: 0, projectLimit: 100 },
    isDefault: false,
    defaultRole: 'member',
    availableRoles: roles.map((r) => ({ id: r.id, name: r.name })),
    orgRoleList: roles,
    teamRoleList: serializeTeamRoles(),
    openMembership: true,
    allowSharedIssues: true,
    enhancedPrivacy: false,
    dataScrubber: false,
    dataScrubberDefaults: false,
    sensitiveFields: [],
    safeFields: [],
    storeCrashReports: 0,
    attachmentsRole: 'member',
    debugFilesRole: 'admin',
    eventsMemberAdmin: true,
    alertsMemberWrite: true,
    scrubIPAddresses: false,
    scrapeJavaScript: true,
    allowJoinRequests: true,
    relayPiiConfig: null,
    trustedRelays: [],
    access: [...extras.access].sort(),
    role: extras.role,
    orgRole: extras.role,
    pendingAccessRequests: 0,
    onboardingTasks: [],
    codecovAccess: false,
    isDynamicallySampled: false,
    projects: extras.projects,
    teams: extras.teams,
  };
}
