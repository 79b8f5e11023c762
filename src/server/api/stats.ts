/**
 * `GET /api/0/organizations/{org}/stats_v2/`: outcomes over time in Sentry's shape
 * (`OrganizationStatsEndpointV2` and `src/sentry/snuba/outcomes.py`):
 * - `field`: `sum(quantity)` and/or `sum(times_seen)` (at least one);
 * - `groupBy`: any of `outcome`, `category`, `reason`, `project`, `key_id`;
 * - filters `outcome`, `category`, `reason`, `key_id` (repeatable), `project` (ids; `-1` = all);
 *   `category` must be filtered or grouped by; `error` means error, default and security events,
 *   shown as `error`; `attachment` cannot be combined with another category (bytes);
 * - `interval` (default `1h`) and `statsPeriod` or `start`/`end` as the sessions API takes them.
 *   Outcomes are kept per hour, so the interval must be a whole number of hours.
 * Answers `{start, end, intervals, groups: [{by, totals, series}]}`; bad parameters are 400 with
 * Sentry's messages.
 */
import type { FastifyInstance } from 'fastify';
import type { MetadataStore } from '../../storage/metadata/index.js';
import type { ClickHouseStore } from '../../storage/clickhouse/index.js';
import {
  queryOutcomes,
  type OutcomeBucket,
  type OutcomeDimension,
} from '../../storage/clickhouse/outcomes.js';
import { parseDataCategory, type DataCategory } from '../../protocol/data-category.js';
import { OUTCOME_IDS, type OutcomeType } from '../../protocol/outcome.js';
import { intervalStarts } from '../../storage/clickhouse/query-helpers.js';
import { isoSeconds } from '../../storage/clickhouse/session-metrics.js';
import { requireScope, type TokenAuth } from './auth.js';
import { ApiError } from './errors.js';
import { organizationFor, projectsFor } from './context.js';
import { parseInterval, parseRange } from './stats-range.js';
import { multiParam } from './time-range.js';

/** What the stats routes need. */
export interface StatsRoutesDeps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  auth: TokenAuth;
  /** Clock, for tests; default `() => new Date()`. */
  now?: () => Date;
}

const FIELDS = { 'sum(quantity)': 'quantity', 'sum(times_seen)': 'timesSeen' } as const;
type Field = keyof typeof FIELDS;
const GROUP_BYS: readonly OutcomeDimension[] = ['outcome', 'category', 'reason', 'project', 'key_id'];
/** Sentry's `DataCategory.error_categories()`: what the `error` category stands for. */
const ERROR_CATEGORIES: readonly DataCategory[] = ['default', 'error', 'security'];

function parseCategories(raw: string[]): DataCategory[] {
  const out = new Set<DataCategory>();
  for (const name of raw) {
    const category = parseDataCategory(name);
    if (category === 'unknown') throw new ApiError(400, `Invalid category: "${name}"`);
    if (category === 'error') for (const c of ERROR_CATEGORIES) out.add(c);
    else out.add(category);
  }
  if (out.has('attachment') && out.size > 1) {
    throw new ApiError(400, 'if filtering by attachment no other category may be present');
  }
  return [...out];
}

function parseOutcomes(raw: string[]): OutcomeType[] {
  return raw.map((name) => {
    if (!Object.hasOwn(OUTCOME_IDS, name)) throw new ApiError(400, `Invalid outcome: "${name}"`);
    return name as OutcomeType;
  });
}

function parseKeyIds(raw: string[]): number[] {
  return raw.map((id) => {
    if (!/^\d+$/.test(id)) throw new ApiError(400, `Invalid key: "${id}"`);
    return Number(id);
  });
}

/** Folds default and security into error (Sentry shows them as one category) and re-sums. */
function foldErrorCategories(buckets: OutcomeBucket[]): OutcomeBucket[] {
  const merged = new Map<string, OutcomeBucket>();
  for (const b of buckets) {
    const by = { ...b.by };
    if (typeof by.category === 'string' && ERROR_CATEGORIES.includes(by.category as DataCategory))
      by.category = 'error';
    const key = JSON.stringify([by, b.bucket]);
    const existing = merged.get(key);
    if (existing) {
      existing.quantity += b.quantity;
      existing.timesSeen += b.timesSeen;
    } else merged.set(key, { ...b, by });
  }
  return [...merged.values()];
}

/** Registers the stats_v2 route. */
export async function statsRoutes(app: FastifyInstance, deps: StatsRoutesDeps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;
  const now = deps.now ?? (() => new Date());

  app.get('/api/0/organizations/:org/stats_v2/', async (request) => {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'org:read', 'org:write', 'org:admin');
    const organization = await organizationFor(metadata, principal, (request.params as { org: string }).org);
    const query = request.query as Record<string, unknown>;

    const fields = [...new Set(multiParam(query.field))];
    if (fields.length === 0) throw new ApiError(400, 'At least one "field" is required.');
    for (const f of fields) if (!Object.hasOwn(FIELDS, f)) throw new ApiError(400, `Invalid field: "${f}"`);
    const groupBy = [...new Set(multiParam(query.groupBy))];
    for (const g of groupBy) {
      if (!(GROUP_BYS as readonly string[]).includes(g)) throw new ApiError(400, `Invalid groupBy: "${g}"`);
    }
    const categories = parseCategories(multiParam(query.category));
    if (categories.length === 0 && !groupBy.includes('category')) {
      throw new ApiError(400, 'Query must have category as groupby or filter');
    }
    const interval = parseInterval(query.interval);
    if (interval % 3600 !== 0) throw new ApiError(400, 'The interval has to be a multiple of one hour.');
    const range = parseRange(query, interval, now());
    const projects = await projectsFor(metadata, organization, multiParam(query.project));

    const buckets = foldErrorCategories(
      await queryOutcomes(clickhouse, {
        orgId: organization.id,
        projectIds: projects.map((p) => p.id),
        start: range.start,
        end: range.end,
        interval,
        groupBy: groupBy as OutcomeDimension[],
        outcomes: parseOutcomes(multiParam(query.outcome)),
        categories,
        reasons: multiParam(query.reason),
        keyIds: parseKeyIds(multiParam(query.key_id)),
      }),
    );

    const intervals = intervalStarts(range.start, range.end, interval);
    const groups = new Map<string, { by: OutcomeBucket['by']; perBucket: Map<number, OutcomeBucket> }>();
    for (const b of buckets) {
      const key = JSON.stringify(groupBy.map((g) => b.by[g as OutcomeDimension]));
      const group = groups.get(key) ?? { by: b.by, perBucket: new Map() };
      group.perBucket.set(b.bucket, b);
      groups.set(key, group);
    }
    if (groups.size === 0 && groupBy.length === 0) groups.set('[]', { by: {}, perBucket: new Map() });
    const sorted = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, g]) => g);
    return {
      start: isoSeconds(range.start),
      end: isoSeconds(range.end),
      intervals: intervals.map(isoSeconds),
      groups: sorted.map((g) => {
        const totals: Record<string, number> = {};
        const series: Record<string, number[]> = {};
        for (const f of fields as Field[]) {
          const column = FIELDS[f];
          series[f] = intervals.map((t) => g.perBucket.get(t)?.[column] ?? 0);
          totals[f] = series[f]!.reduce((a, b) => a + b, 0);
        }
        return { by: g.by, totals, series };
      }),
    };
  });
}
