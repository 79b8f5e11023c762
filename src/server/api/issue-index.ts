/**
 * The issue stream with Sentry's paths and shapes:
 * - `GET /api/0/organizations/{org}/issues/` (`organization_group_index.py`): `query` in the
 *   issue search syntax (default `is:unresolved`), `sort` date|new|freq|user|trends|recommended|
 *   priority|inbox (unknown → date; `inbox` = the date added to the inbox, only with
 *   `is:unresolved is:for_review`, else Sentry's 400), `statsPeriod` or `start`/`end` (default
 *   the last 90 days; for `inbox` they bound the inbox dates), `environment`, `project`,
 *   `limit` (default and maximum 100), `cursor`; `groupStatsPeriod` (`24h` default, `14d`,
 *   `auto`, `''` = none), `expand`, `collapse` (`stats`, `lifetime`, `filtered`, `base`);
 *   an event id or (with `shortIdLookup=1`) a short id as the query is a direct hit
 *   (`X-Sentry-Direct-Hit: 1`), `group` ids list those issues. Searches answer with `Link`,
 *   `X-Hits` (exact, capped at 1000) and `X-Max-Hits: 1000`.
 * - `GET /api/0/projects/{org}/{project}/issues/` (`project_group_index.py`): the same search
 *   in one project, `statsPeriod` naming the stats series (`24h`, `14d`, `''`), `hashes` listing
 *   the issues of grouping hashes, and lifetime counts (no `lifetime`/`filtered` blocks).
 * - `GET /api/0/organizations/{org}/issues-stats/` (`organization_group_index_stats.py`): the
 *   aggregates of up to 100 `groups` (default `collapse=base`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  findEventLocations,
  type ClickHouseStore,
  type EventFilter,
} from '../../storage/clickhouse/index.js';
import {
  getGroupByShortId,
  getGroups,
  type Group,
  type MetadataStore,
} from '../../storage/metadata/index.js';
import { groupIdsForHashes } from '../../storage/metadata/group-states.js';
import type { WindowAggregates } from '../../storage/clickhouse/group-search.js';
import type { JsonObject } from '../../protocol/json.js';
import { serializeIssue, type IssueWorkflow } from './serializers/index.js';
import { loadIssueWorkflows } from './issue-workflow.js';
import {
  ISSUE_SORTS,
  SEARCH_MAX_HITS,
  DEFAULT_SEARCH_DAYS,
  compileStreamSearch,
  searchIssues,
  type IssueSort,
} from '../services/issue-search.js';
import { issueStreamStats, type GroupStatsPeriod, type IssueStreamStats } from '../services/issue-stats.js';
import { requireScope, type TokenAuth } from './auth.js';
import { ApiError } from './errors.js';
import { toGroupRecord } from './group-record.js';
import { organizationFor, projectFor, projectsFor, type Organization, type Project } from './context.js';
import { linkHeader, parseCursor, parseLimit } from './pagination.js';
import { multiParam, parseTimeRange } from './time-range.js';

interface Deps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  publicUrl: string;
  auth: TokenAuth;
}

type Query = Record<string, unknown>;
type Params = Record<string, string>;

/** Sentry's `ERR_INVALID_STATS_PERIOD` of the organization endpoints. */
export const ERR_INVALID_STATS_PERIOD = "Invalid stats_period. Valid choices are '', '24h', '14d' and 'auto'";
/** The project endpoint's wording (no `auto`). */
const ERR_INVALID_PROJECT_STATS_PERIOD = "Invalid stats_period. Valid choices are '', '24h', and '14d'";
const ERR_HASHES_AND_OTHER_QUERY = "Cannot use 'hashes' with 'query'";
/** Most issues `issues-stats` serializes at once. */
const MAX_STATS_GROUPS = 100;
const DAY_MS = 86_400_000;

/** Expansions Vigil can answer truthfully: it has no ownership rules, plugins or integrations. */
const EXPANSIONS: Readonly<Record<string, JsonObject[string]>> = {
  owners: null,
  pluginActions: [],
  pluginIssues: [],
  integrationIssues: [],
  sentryAppIssues: [],
};

/**
 * `groupStatsPeriod` (or the project endpoint's `statsPeriod`): absent → `24h`, `''` → none.
 *
 * @throws ApiError 400 with Sentry's message for anything else.
 */
function statsPeriodParam(raw: unknown, allowAuto: boolean): GroupStatsPeriod | null {
  if (raw === undefined) return '24h';
  if (raw === '') return null;
  if (raw === '24h' || raw === '14d' || (allowAuto && raw === 'auto')) return raw;
  throw new ApiError(400, allowAuto ? ERR_INVALID_STATS_PERIOD : ERR_INVALID_PROJECT_STATS_PERIOD);
}

/** Sentry's `normalize_event_id`: a UUID in any of Python's spellings, as 32 hex; else undefined. */
export function normalizeEventId(text: string): string | undefined {
  const bare = text
    .trim()
    .replace(/^urn:uuid:/i, '')
    .replace(/^\{(.*)\}$/, '$1');
  if (/^[0-9a-f]{32}$/i.test(bare) || /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(bare)) {
    return bare.replace(/-/g, '').toLowerCase();
  }
  return undefined;
}

/** What the stream serializer needs besides the issues. */
interface StreamContext {
  organization: Organization;
  /** The requesting user (their workflow view: bookmarks, seen, subscriptions); null for an organization token. */
  userId: number | null;
  projects: readonly Project[];
  environments: string[];
  /** Window of the base counts; absent = all stored events (project endpoint). */
  start?: Date;
  end?: Date;
  conditions: EventFilter | null;
  /** The search's per-issue aggregates under `conditions` over the same window, if known. */
  searchAggregates?: Map<number, WindowAggregates>;
  statsPeriod: GroupStatsPeriod | null;
  collapse: Set<string>;
  expand: Set<string>;
  /** `lifetime` and `filtered` blocks (the organization endpoints' `StreamGroupSerializerSnuba`). */
  snuba: boolean;
  now: Date;
}

/** Registers the issue-stream routes. */
export async function issueIndexRoutes(app: FastifyInstance, deps: Deps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;

  /** The issues in Sentry's stream shape, with their aggregates (one query per kind). */
  async function streamJson(groups: readonly Group[], context: StreamContext): Promise<JsonObject[]> {
    if (groups.length === 0) return [];
    const byProject = new Map(context.projects.map((p) => [p.id, p]));
    const collapse = context.snuba
      ? context.collapse
      : new Set([...context.collapse, 'lifetime', 'filtered']);
    const stats = await issueStreamStats(clickhouse, {
      projectIds: [...new Set(groups.map((g) => g.project_id))],
      groupIds: groups.map((g) => g.id),
      environments: context.environments,
      start: context.start,
      end: context.end,
      conditions: context.conditions,
      searchAggregates: context.searchAggregates,
      statsPeriod: context.statsPeriod,
      now: context.now,
      collapse,
    });
    // A collapsed `base` drops the workflow fields, so they are not loaded then.
    const workflows = context.collapse.has('base')
      ? new Map<number, IssueWorkflow>()
      : await loadIssueWorkflows(metadata, groups, {
          userId: context.userId,
          userCounts: lifetimeUserCounts(groups, stats, context),
        });
    const out: JsonObject[] = [];
    for (const group of groups) {
      const project = byProject.get(group.project_id);
      if (project === undefined) continue;
      out.push(issueJson(group, project, stats, context, workflows.get(group.id)));
    }
    return out;
  }

  /**
   * Each issue's all-time distinct users, where the page has them: the `lifetime` block, or the
   * base counts when they are not bounded by a window (project endpoint).
   */
  function lifetimeUserCounts(
    groups: readonly Group[],
    stats: IssueStreamStats,
    context: StreamContext,
  ): Map<number, number> {
    const out = new Map<number, number>();
    for (const group of groups) {
      const count =
        stats.lifetime?.get(group.id)?.userCount ??
        (context.start === undefined ? stats.base.get(group.id)?.userCount : undefined);
      if (count !== undefined) out.set(group.id, count);
    }
    return out;
  }

  function issueJson(
    group: Group,
    project: Project,
    stats: IssueStreamStats,
    context: StreamContext,
    workflow: IssueWorkflow | undefined,
  ): JsonObject {
    const none = { count: 0, userCount: 0, firstSeen: null, lastSeen: null };
    const base = stats.base.get(group.id) ?? { ...none, isUnhandled: false };
    const series = stats.stats?.series.get(group.id);
    const period = stats.stats?.period;
    const json = serializeIssue(toGroupRecord(group), base, project, {
      baseUrl: deps.publicUrl,
      organization: context.organization,
      workflow,
      stats: period !== undefined ? { [period]: series ?? [] } : undefined,
      lifetime: stats.lifetime === undefined ? undefined : (stats.lifetime.get(group.id) ?? none),
      filtered:
        stats.filtered === undefined
          ? undefined
          : stats.filtered === null
            ? null
            : (stats.filtered.get(group.id) ?? none),
    });
    const filtered = json.filtered;
    if (
      period !== undefined &&
      filtered !== null &&
      typeof filtered === 'object' &&
      !Array.isArray(filtered)
    ) {
      filtered.stats = { [period]: stats.filteredStats?.get(group.id) ?? [] };
    }
    for (const [key, value] of Object.entries(EXPANSIONS)) if (context.expand.has(key)) json[key] = value;
    if (!context.collapse.has('base')) return json;
    const collapsed: JsonObject = { id: json.id ?? null };
    for (const key of [
      'count',
      'userCount',
      'firstSeen',
      'lastSeen',
      'isUnhandled',
      'stats',
      'lifetime',
      'filtered',
    ]) {
      const value = json[key];
      if (value !== undefined) collapsed[key] = value;
    }
    for (const key of Object.keys(EXPANSIONS))
      if (context.expand.has(key)) collapsed[key] = json[key] ?? null;
    return collapsed;
  }

  /** The request's window: `statsPeriod` or `start`/`end`, else the last 90 days. */
  function requestWindow(query: Query, now: Date): { start: Date; end: Date } {
    const range = parseTimeRange(query, now);
    const start = range.start ?? new Date(now.getTime() - DEFAULT_SEARCH_DAYS * DAY_MS);
    const end = range.end ?? now;
    if (start.getTime() >= end.getTime()) throw new ApiError(400, 'start must be before end');
    return { start, end };
  }

  /** A direct hit: the issues holding event `eventId` (with `matchingEventId` when one). */
  async function eventDirectHit(
    reply: FastifyReply,
    eventId: string,
    projects: readonly Project[],
    context: StreamContext,
  ): Promise<JsonObject[] | undefined> {
    const locations = await findEventLocations(
      clickhouse,
      projects.map((p) => p.id),
      eventId,
    );
    if (locations.length === 0) return undefined;
    const groups = await getGroups(
      metadata,
      locations.map((l) => l.group_id),
    );
    const page = await streamJson(groups, context);
    if (page.length === 1 && page[0] !== undefined) {
      page[0].matchingEventId = eventId;
      if (!context.snuba && locations[0]?.environment)
        page[0].matchingEventEnvironment = locations[0].environment;
      reply.header('X-Sentry-Direct-Hit', '1');
    }
    return page;
  }

  /** One page of the search, with Sentry's cursor and hit headers. */
  async function searchPage(
    request: FastifyRequest,
    reply: FastifyReply,
    projects: readonly Project[],
    context: StreamContext,
    window: { start?: Date; end?: Date },
  ): Promise<JsonObject[]> {
    const query = request.query as Query;
    const sort = ISSUE_SORTS.includes(query.sort as IssueSort) ? (query.sort as IssueSort) : 'date';
    const limit = parseLimit(query.limit, 100);
    const { offset } = parseCursor(query.cursor);
    const result = await searchIssues(
      { metadata, clickhouse },
      {
        viewer: { userId: context.userId, organizationId: context.organization.id },
        projectIds: projects.map((p) => p.id),
        query: typeof query.query === 'string' ? query.query : undefined,
        sort,
        offset,
        limit,
        now: context.now,
        start: window.start,
        end: window.end,
        environments: context.environments,
      },
    );
    if (!result.ok) throw new ApiError(400, result.detail);
    // The search's window is the request's only when the request bounds it (organization list).
    const searchAggregates =
      window.start !== undefined && window.end !== undefined ? result.aggregates : undefined;
    const page = await streamJson(result.groups, {
      ...context,
      conditions: result.conditions,
      searchAggregates,
    });
    reply.header('Link', linkHeader(new URL(request.url, deps.publicUrl), offset, limit, result.hasMore));
    reply.header('X-Hits', String(Math.min(result.hits, SEARCH_MAX_HITS)));
    reply.header('X-Max-Hits', String(SEARCH_MAX_HITS));
    return page;
  }

  app.get('/api/0/organizations/:org/issues/', async (request, reply) => {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const query = request.query as Query;
    const organization = await organizationFor(metadata, principal, (request.params as Params).org!);
    const now = new Date();
    const window = requestWindow(query, now);
    const statsPeriod = statsPeriodParam(query.groupStatsPeriod, true);
    const projects = await projectsFor(metadata, organization, multiParam(query.project));
    if (projects.length === 0) return [];
    const context: StreamContext = {
      organization,
      userId: principal.userId,
      projects,
      environments: multiParam(query.environment),
      ...window,
      conditions: null,
      statsPeriod,
      collapse: new Set(multiParam(query.collapse)),
      expand: new Set(multiParam(query.expand)),
      snuba: true,
      now,
    };
    const text = typeof query.query === 'string' ? query.query.trim() : '';
    if (text !== '') {
      const eventId = normalizeEventId(text);
      if (eventId !== undefined) {
        // Sentry also looks in the member's other projects for a direct hit.
        const all = await projectsFor(metadata, organization, []);
        const hit = await eventDirectHit(reply, eventId, all, { ...context, projects: all });
        if (hit !== undefined) return hit;
      }
      if (query.shortIdLookup === '1') {
        const group = await getGroupByShortId(metadata, organization.id, text);
        const all = group && (await projectsFor(metadata, organization, []));
        if (group !== undefined && all !== undefined && all.some((p) => p.id === group.project_id)) {
          reply.header('X-Sentry-Direct-Hit', '1');
          return streamJson([group], { ...context, projects: all });
        }
      }
    }
    const ids = multiParam(query.group).map(Number);
    if (ids.length > 0) {
      if (ids.some((id) => !Number.isSafeInteger(id))) throw new ApiError(400, 'Group ids must be integers');
      const projectIds = new Set(projects.map((p) => p.id));
      const groups = (await getGroups(metadata, ids)).filter((g) => projectIds.has(g.project_id));
      return streamJson(groups, context);
    }
    return searchPage(request, reply, projects, context, window);
  });

  app.get('/api/0/projects/:org/:project/issues/', async (request, reply) => {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const p = request.params as Params;
    const query = request.query as Query;
    const { organization, project } = await projectFor(metadata, principal, p.org!, p.project!);
    const statsPeriod = statsPeriodParam(query.statsPeriod, false);
    const context: StreamContext = {
      organization,
      userId: principal.userId,
      projects: [project],
      environments: multiParam(query.environment).slice(0, 1),
      conditions: null,
      statsPeriod,
      collapse: new Set(),
      expand: new Set(),
      snuba: false,
      now: new Date(),
    };
    const text = typeof query.query === 'string' ? query.query.trim() : '';
    const hashes = multiParam(query.hashes);
    if (hashes.length > 0) {
      if (text !== '') throw new ApiError(400, ERR_HASHES_AND_OTHER_QUERY);
      return streamJson(
        await getGroups(metadata, await groupIdsForHashes(metadata, project.id, hashes)),
        context,
      );
    }
    if (text !== '') {
      const eventId = normalizeEventId(text);
      if (eventId !== undefined) {
        const hit = await eventDirectHit(reply, eventId, [project], context);
        if (hit !== undefined) return hit;
      } else if (query.shortIdLookup === '1') {
        const group = await getGroupByShortId(metadata, organization.id, text);
        if (group !== undefined && group.project_id === project.id) {
          reply.header('X-Sentry-Direct-Hit', '1');
          return streamJson([group], context);
        }
      }
    }
    // The project endpoint searches Sentry's default window; its counts are lifetime ones.
    return searchPage(request, reply, [project], context, {});
  });

  app.get('/api/0/organizations/:org/issues-stats/', async (request) => {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const query = request.query as Query;
    const organization = await organizationFor(metadata, principal, (request.params as Params).org!);
    const now = new Date();
    const window = requestWindow(query, now);
    const projects = await projectsFor(metadata, organization, multiParam(query.project));
    if (projects.length === 0) {
      throw new ApiError(
        400,
        'Either the user has not access to any projects or you need to include `projects` with your request. (i.e. projects=1,2,3)',
      );
    }
    const raw = multiParam(query.groups);
    const ids = raw.map(Number);
    if (ids.some((id) => !Number.isSafeInteger(id))) throw new ApiError(400, 'Group ids must be integers');
    if (ids.length === 0) {
      throw new ApiError(400, 'You should include `groups` with your request. (i.e. groups=1,2,3)');
    }
    const projectIds = new Set(projects.map((p) => p.id));
    const groups = (await getGroups(metadata, ids)).filter((g) => projectIds.has(g.project_id));
    if (groups.length === 0) throw new ApiError(400, 'No matching groups found');
    if (groups.length > MAX_STATS_GROUPS) throw new ApiError(400, 'Too many groups requested.');
    const statsPeriod = statsPeriodParam(query.groupStatsPeriod, true);
    const compiled = await compileStreamSearch(
      { metadata, clickhouse },
      {
        organizationId: organization.id,
        projectIds: projects.map((p) => p.id),
        environments: multiParam(query.environment),
        query: typeof query.query === 'string' ? query.query.trim() : 'is:unresolved',
        now,
      },
    );
    if (!compiled.ok) throw new ApiError(400, 'Invalid request parameters.');
    const collapse = query.collapse === undefined ? ['base'] : multiParam(query.collapse);
    return streamJson(groups, {
      organization,
      userId: principal.userId,
      projects,
      environments: multiParam(query.environment),
      ...window,
      conditions: compiled.eventWhere,
      statsPeriod,
      collapse: new Set(collapse),
      expand: new Set(multiParam(query.expand)),
      snuba: true,
      now,
    });
  });
}
