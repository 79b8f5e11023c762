/**
 * Project JSON in Sentry's web-API shape. One function serves the project list
 * (`GET /api/0/organizations/{org}/projects/`, Sentry's `ProjectSummarySerializer`) and the
 * project detail (`GET /api/0/projects/{org}/{project}/`, `DetailedProjectSerializer`):
 * it emits the union of the base, with-team and summary fields, and the detail-only fields
 * when `extras.detailed` is set. Follows `src/sentry/api/serializers/models/project.py`.
 * sentry-cli reads `id`, `slug`, `name` and `team` (reference/sentry-semantics.md §8).
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from '../../../protocol/json.js';
import type { ProjectRef } from './issue.js';
import { serializeOrganization, type OrganizationRecord } from './organization.js';
import { isoDate, isoDateOrNull } from './values.js';

/** A project row, in camelCase. */
export interface ProjectRecord extends ProjectRef {
  dateCreated: Date;
}

/** A team a project belongs to (`{id, slug, name}`). */
export interface TeamRef {
  id: number;
  slug: string;
  name: string;
}

/** What Vigil knows about a project beyond its row; every field is optional. */
export interface ProjectExtras {
  /** Default `[]`; the first is also sent as `team` (else `team: null`). */
  teams?: TeamRef[];
  /** When the first event arrived; default `null`. */
  firstEvent?: Date | null;
  /** Data the project has received, by kind; each defaults to false. */
  has?: Partial<
    Record<
      | 'transactions'
      | 'replays'
      | 'profiles'
      | 'sessions'
      | 'feedbacks'
      | 'flags'
      | 'monitors'
      | 'minifiedStackTrace'
      | 'releases',
      boolean
    >
  >;
  /** Environment names seen; default `[]`. */
  environments?: string[];
  /** Latest release version; default `null`. */
  latestRelease?: string | null;
  /** Enabled project feature names; default `[]` (`releases` is added when `has.releases`). */
  features?: string[];
  /**
   * The caller's scopes on this project; default: the owner scopes, since a Vigil API
   * token acts for the organization.
   */
  access?: string[];
  /** Add the detail-endpoint fields (`options`, `organization`, `allowedDomains`...). */
  detailed?: boolean;
  /**
   * With `detailed`: the project's data scrubbing fields (`dataScrubber`, `dataScrubberDefaults`,
   * `sensitiveFields`, `safeFields`, `scrubIPAddresses`, `relayPiiConfig`) and filter options
   * (`filters:blacklisted_ips`, `filters:releases`, `filters:error_messages`, merged into
   * `options`) as read off its config; default Sentry's defaults.
   */
  settings?: { fields: JsonObject; options: JsonObject };
  /** Options for the embedded organization when `detailed`. */
  organizationOptions?: { baseUrl?: string; features?: string[] };
}

const OWNER_SCOPES = [
  'alerts:read',
  'alerts:write',
  'event:admin',
  'event:read',
  'event:write',
  'member:read',
  'org:read',
  'project:admin',
  'project:read',
  'project:releases',
  'project:write',
  'team:read',
];

/** Python's `colorsys.hls_to_rgb` helper. */
function hlsChannel(m1: number, m2: number, hue: number): number {
  const h = ((hue % 1) + 1) % 1;
  if (h < 1 / 6) return m1 + (m2 - m1) * h * 6;
  if (h < 0.5) return m2;
  if (h < 2 / 3) return m1 + (m2 - m1) * (2 / 3 - h) * 6;
  return m1;
}

/**
 * Sentry's project color (`src/sentry/utils/colors.py`, `get_hashed_color`): the first 3
 * hex digits of md5(slug) pick a hue; lightness and saturation 0.5. Returns `#rrggbb`.
 */
export function projectColor(slug: string): string {
  const hue = parseInt(createHash('md5').update(slug, 'utf8').digest('hex').slice(0, 3), 16) / 4096;
  const l = 0.5;
  const s = 0.5;
  const m2 = l <= 0.5 ? l * (1 + s) : l + s - l * s;
  const m1 = 2 * l - m2;
  const rgb = [hlsChannel(m1, m2, hue + 1 / 3), hlsChannel(m1, m2, hue), hlsChannel(m1, m2, hue - 1 / 3)];
  return `#${rgb
    .map((c) =>
      Math.trunc(c * 255)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

function team(t: TeamRef): JsonObject {
  return { id: String(t.id), slug: t.slug, name: t.name };
}

/**
 * Serializes a project: `id` as a string, `dateCreated`/`firstEvent` ISO, `team` (first
 * team or null), `teams`, `access`, the `has*` flags, `features`, `environments`,
 * `latestRelease` (`{version}` or null), `color` and `status: 'active'`. With
 * `extras.detailed`, adds the project-settings fields of the detail endpoint with
 * Sentry's defaults and the serialized `organization`.
 */
export function serializeProject(
  project: ProjectRecord,
  org: OrganizationRecord,
  extras: ProjectExtras = {},
): JsonObject {
  const has = extras.has ?? {};
  const teams = (extras.teams ?? []).map(team);
  const features = new Set(extras.features ?? []);
  if (has.releases) features.add('releases');
  const result: JsonObject = {
    id: String(project.id),
    slug: project.slug,
    name: project.name,
    platform: project.platform,
    dateCreated: isoDate(project.dateCreated),
    isBookmarked: false,
    isMember: true,
    features: [...features].sort(),
    firstEvent: isoDateOrNull(extras.firstEvent),
    firstTransactionEvent: Boolean(has.transactions),
    access: extras.access ?? OWNER_SCOPES,
    hasAccess: true,
    hasMinifiedStackTrace: Boolean(has.minifiedStackTrace),
    hasMonitors: Boolean(has.monitors),
    hasProfiles: Boolean(has.profiles),
    hasReplays: Boolean(has.replays),
    hasFeedbacks: Boolean(has.feedbacks),
    hasFlags: Boolean(has.flags),
    hasNewFeedbacks: Boolean(has.feedbacks),
    hasSessions: Boolean(has.sessions),
    hasInsightsHttp: false,
    hasInsightsDb: false,
    hasInsightsAssets: false,
    hasInsightsAppStart: false,
    hasInsightsScreenLoad: false,
    hasInsightsVitals: false,
    hasInsightsCaches: false,
    hasInsightsQueues: false,
    hasInsightsLlmMonitoring: false,
    isInternal: false,
    isPublic: false,
    avatar: { avatarType: 'letter_avatar', avatarUuid: null },
    color: projectColor(project.slug),
    status: 'active',
    team: teams[0] ?? null,
    teams,
    environments: extras.environments ?? [],
    eventProcessing: { symbolicationDegraded: false },
    platforms: project.platform ? [project.platform] : [],
    latestRelease: extras.latestRelease ? { version: extras.latestRelease } : null,
    hasUserReports: false,
    latestDeploys: null,
  };
  if (extras.detailed) Object.assign(result, detailFields(org, extras));
  return result;
}

/** `DetailedProjectSerializer`'s extra fields with Sentry's defaults for unset options. */
function detailFields(org: OrganizationRecord, extras: ProjectExtras): JsonObject {
  return {
    ...detailDefaults(org, extras),
    ...extras.settings?.fields,
    options: { ...defaultOptions(), ...extras.settings?.options },
  };
}

function defaultOptions(): JsonObject {
  return {
    'sentry:csp_ignored_sources_defaults': true,
    'sentry:csp_ignored_sources': '',
    'filters:blacklisted_ips': '',
    'filters:react-hydration-errors': true,
    'filters:chunk-load-error': true,
    'filters:releases': '',
    'filters:error_messages': '',
    'feedback:branding': true,
  };
}

function detailDefaults(org: OrganizationRecord, extras: ProjectExtras): JsonObject {
  return {
    digestsMinDelay: 300,
    digestsMaxDelay: 1800,
    subjectPrefix: '',
    allowedDomains: ['*'],
    resolveAge: 0,
    dataScrubber: true,
    dataScrubberDefaults: true,
    safeFields: [],
    storeCrashReports: null,
    sensitiveFields: [],
    subjectTemplate: '$shortID - $title',
    securityToken: '',
    securityTokenHeader: null,
    verifySSL: false,
    scrubIPAddresses: false,
    scrapeJavaScript: true,
    highlightTags: [],
    highlightContext: {},
    highlightPreset: { tags: [], context: {} },
    groupingConfig: 'newstyle:2023-01-11',
    groupingEnhancements: '',
    groupingEnhancementsBase: null,
    secondaryGroupingExpiry: 0,
    secondaryGroupingConfig: null,
    fingerprintingRules: '',
    organization: serializeOrganization(org, extras.organizationOptions),
    plugins: [],
    processingIssues: 0,
    defaultEnvironment: null,
    relayPiiConfig: null,
    builtinSymbolSources: [],
    dynamicSamplingBiases: [],
    symbolSources: '[]',
    isDynamicallySampled: false,
  };
}
