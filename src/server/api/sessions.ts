/**
 * Release health: Sentry's `GET /api/0/organizations/{org}/sessions/` ("Retrieve Release Health
 * Session Statistics"; `sentry: src/sentry/api/endpoints/organization_sessions.py`,
 * `src/sentry/snuba/sessions_v2.py`, `src/sentry/release_health/metrics_sessions_v2.py`).
 *
 * Parameters: `field` (repeatable, required: `sum(session)`, `count_unique(user)`,
 * `crash_rate(session|user)`, `crash_free_rate(session|user)`, `avg|p50|p75|p90|p95|p99|max
 * (session.duration)`), `groupBy` (repeatable: `project`, `release`, `environment`,
 * `session.status`), `interval` (default `1h`, a multiple of one minute dividing a day),
 * `statsPeriod` or `start`+`end` (default 90 days), `project` (ids, repeatable, `-1` = all),
 * `projectSlug` (repeatable), `environment` (repeatable), `query` (`release:`, `environment:`,
 * `session.status:` filters in Sentry's search syntax, ANDed, `!` negates, `[a,b]` lists),
 * `orderBy` (`[-]<field>`), `per_page`, `includeTotals`/`includeSeries` (`0` drops them).
 * Answers `{start, end, intervals, groups: [{by, totals, series}], query}`; bad parameters
 * are 400 with Sentry's messages.
 */
import type { FastifyInstance } from 'fastify';
import type { MetadataStore } from '../../storage/metadata/index.js';
import type { ClickHouseStore } from '../../storage/clickhouse/index.js';
import { querySessions, type SessionCondition } from '../../storage/clickhouse/sessions.js';
import {
  SESSION_FIELDS,
  SESSION_GROUP_BYS,
  SESSION_STATUS_GROUPS,
  type SessionField,
  type SessionGroupBy,
  type SessionStatusGroup,
  type SessionsGroup,
} from '../../storage/clickhouse/session-metrics.js';
import { isWildcard, literalValue, parseSearchQuery, type SearchFilter } from '../../query/index.js';
import { parseInterval, parseRange } from './stats-range.js';
import { requireScope, type TokenAuth } from './auth.js';
import { ApiError } from './errors.js';
import { organizationFor, projectsFor, type Organization, type Project } from './context.js';
import { multiParam } from './time-range.js';
import { listProjects } from '../../storage/metadata/index.js';

/** What the sessions routes need. */
export interface SessionRoutesDeps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  auth: TokenAuth;
  /** Clock, for tests; default `() => new Date()`. */
  now?: () => Date;
}

type Query = Record<string, unknown>;

function parseFields(query: Query): SessionField[] {
  const raw = multiParam(query.field);
  if (raw.length === 0) throw new ApiError(400, 'Request is missing a "field"');
  for (const f of raw) {
    if (!(SESSION_FIELDS as readonly string[]).includes(f)) throw new ApiError(400, `Invalid field: "${f}"`);
  }
  return [...new Set(raw)] as SessionField[];
}

function parseGroupBy(query: Query): SessionGroupBy[] {
  const raw = multiParam(query.groupBy);
  for (const g of raw) {
    if (!(SESSION_GROUP_BYS as readonly string[]).includes(g))
      throw new ApiError(400, `Invalid groupBy: "${g}"`);
  }
  return [...new Set(raw)] as SessionGroupBy[];
}

function parseOrderBy(query: Query): { field: SessionField; direction: 'asc' | 'desc' } | undefined {
  const raw = multiParam(query.orderBy);
  if (raw.length === 0) return undefined;
  if (raw.length > 1) throw new ApiError(400, 'Cannot order by multiple fields');
  const text = raw[0]!;
  const field = text.startsWith('-') ? text.slice(1) : text;
  if (!(SESSION_FIELDS as readonly string[]).includes(field)) {
    throw new ApiError(400, "'orderBy' must be one of the provided 'fields'");
  }
  return { field: field as SessionField, direction: text.startsWith('-') ? 'desc' : 'asc' };
}

/** Filters of `query`: release/environment conditions and the `session.status` filter. */
interface QueryFilters {
  conditions: SessionCondition[];
  /** Absent = no status filter; empty = a filter no status meets. */
  statusFilter?: SessionStatusGroup[];
}

function filterValues(filter: SearchFilter): string[] {
  const values =
    filter.value.kind === 'text'
      ? [filter.value.value]
      : filter.value.kind === 'textList'
        ? filter.value.values
        : undefined;
  if (values === undefined) throw new ApiError(400, `Invalid value for ${filter.key}`);
  if (values.some(isWildcard)) throw new ApiError(400, 'Invalid condition: wildcard search is not supported');
  return values.map(literalValue);
}

/** Parses `query` (Sentry's search syntax) into filters the sessions reader understands. */
function parseQueryFilters(raw: unknown): QueryFilters {
  const result: QueryFilters = { conditions: [] };
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text === '') return result;
  const parsed = parseSearchQuery(text);
  if (!parsed.ok) throw new ApiError(400, parsed.error.message);
  for (const term of parsed.value) {
    if (term.type === 'operator' && term.operator === 'AND') continue;
    if (term.type !== 'filter') {
      throw new ApiError(
        400,
        'Invalid query: only release, environment and session.status filters joined by AND',
      );
    }
    const negated = term.operator === '!=' || term.operator === 'NOT IN';
    if (!negated && term.operator !== '=' && term.operator !== 'IN') {
      throw new ApiError(400, `Invalid operator for ${term.key}`);
    }
    const values = filterValues(term);
    if (term.key === 'release' || term.key === 'environment') {
      result.conditions.push({ column: term.key, negated, values });
    } else if (term.key === 'session.status') {
      // Unknown statuses match nothing; conditions intersect (`_extract_status_filter_from_conditions`).
      const named = SESSION_STATUS_GROUPS.filter((s) => values.includes(s));
      const allowed = negated ? SESSION_STATUS_GROUPS.filter((s) => !named.includes(s)) : named;
      result.statusFilter = (result.statusFilter ?? [...SESSION_STATUS_GROUPS]).filter((s) =>
        allowed.includes(s),
      );
    } else {
      throw new ApiError(400, `Invalid search filter: ${term.key}`);
    }
  }
  return result;
}

/** The projects a request names by `project` id and `projectSlug`; 400 when none is left. */
async function requestedProjects(
  metadata: MetadataStore,
  organization: Organization,
  query: Query,
): Promise<Project[]> {
  const slugs = multiParam(query.projectSlug);
  let projects = await projectsFor(metadata, organization, multiParam(query.project));
  if (slugs.length > 0) {
    const all = await listProjects(metadata, organization.id);
    const bySlug = all.filter((p) => slugs.includes(p.slug));
    if (bySlug.length !== new Set(slugs).size) throw new ApiError(400, 'Invalid project slug');
    projects = multiParam(query.project).length > 0 ? projects.filter((p) => bySlug.includes(p)) : bySlug;
  }
  if (projects.length === 0) throw new ApiError(400, 'No projects available');
  return projects;
}

const isOff = (value: unknown): boolean => value === '0' || value === 'false';

/** Registers `GET /api/0/organizations/{org}/sessions/`. */
export async function sessionRoutes(app: FastifyInstance, deps: SessionRoutesDeps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;
  const now = deps.now ?? (() => new Date());

  app.get('/api/0/organizations/:org/sessions/', async (request) => {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const organization = await organizationFor(metadata, principal, (request.params as { org: string }).org);
    const query = request.query as Query;
    const fields = parseFields(query);
    const groupBy = parseGroupBy(query);
    const interval = parseInterval(query.interval);
    const range = parseRange(query, interval, now());
    const orderBy = parseOrderBy(query);
    const filters = parseQueryFilters(query.query);
    const projects = await requestedProjects(metadata, organization, query);
    const perPage = Number(query.per_page);

    const result = await querySessions(clickhouse, {
      projectIds: projects.map((p) => p.id),
      start: new Date(range.start * 1000),
      end: new Date(range.end * 1000),
      interval,
      environment: multiParam(query.environment),
      conditions: filters.conditions,
      statusFilter: filters.statusFilter,
      groupBy,
      fields,
      orderBy,
      limit: Number.isInteger(perPage) && perPage > 0 ? perPage : undefined,
    });
    if (!result.ok) throw new ApiError(400, result.error.detail);
    const { value } = result;
    let groups: Array<Partial<SessionsGroup>> = value.groups;
    if (isOff(query.includeSeries)) groups = groups.map(({ series: _series, ...rest }) => rest);
    if (isOff(query.includeTotals)) groups = groups.map(({ totals: _totals, ...rest }) => rest);
    return {
      start: value.start,
      end: value.end,
      intervals: value.intervals,
      groups,
      query: typeof query.query === 'string' ? query.query : '',
    };
  });
}
