/**
 * Organization JSON in Sentry's web-API shape (`GET /api/0/organizations/`,
 * `GET /api/0/organizations/{org}/`). Follows `OrganizationSerializer.serialize` in
 * `src/sentry/api/serializers/models/organization.py`. The seven fields sentry-cli's
 * `Organization` struct requires (`id, slug, name, dateCreated, isEarlyAdopter,
 * require2FA, requireEmailVerification`) are always present
 * (reference/sentry-semantics.md §8).
 */
import type { JsonObject } from '../../../protocol/json.js';
import type { OrganizationRef } from './issue.js';
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
