/**
 * Sentry's events endpoint, `GET /api/0/organizations/{org}/events/` (`OrganizationEventsEndpoint`,
 * `src/sentry/api/endpoints/organization_events.py` and `src/sentry/api/bases/organization_events.py`):
 * a table of events of one dataset — `discover` (default: errors and transactions), `errors`,
 * `transactions`, `spans`, `logs` (`ourlogs`), `tracemetrics` — with plain fields and functions
 * (implicitly grouped by the plain fields), Sentry's search syntax with aggregate filters, sort,
 * time range, projects and environments, compiled by src/query/datasets/.
 *
 * Parameters: `dataset`, `field` (repeatable, required), `query`, `sort` (or `orderby`,
 * repeatable, `-` for descending), `statsPeriod` or `start`+`end` (default 14 days), `project`
 * (ids, repeatable, `-1` = all), `projectSlug`, `environment` (repeatable), `per_page` (default
 * 100, at most 100 — 9999 for logs and trace metrics), `cursor` (`0:<offset>:0`, with a `Link`
 * header; `noPagination` for none), `metricName` (trace metrics: only these metrics).
 *
 * Before compiling, it looks up what the query needs from the metadata store: the issue ids of
 * `issue:` short ids, the release versions of the request's projects for `release.version`,
 * `release.package` and `release.build`, and the projects' transaction thresholds when a field
 * or the query mentions `apdex`, `misery` or `project_threshold_config`
 * (src/query/datasets/lookups.ts, thresholds.ts). `equation|…` fields are Sentry's equations.
 *
 * Answers `{data: [{<field>: value}], meta: {fields, units, isMetricsData,
 * isMetricsExtractedData, tips, datasetReason, dataset}}` (`dataScanned` too for the EAP
 * datasets); keys are the fields as requested. Errors are 400 `{"detail": …}` with Sentry's
 * messages (unknown dataset, function or argument, query syntax, sort).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ClickHouseStore } from '../../storage/clickhouse/index.js';
import { getGroupIdsByShortIds, getGroups, type MetadataStore } from '../../storage/metadata/index.js';
import { listProjectReleaseVersions } from '../../storage/metadata/release-versions.js';
import { loadTransactionThresholds } from '../services/transaction-thresholds.js';
import { formatShortId } from '../../storage/metadata/short-id.js';
import {
  compileDatasetQuery,
  datasetLookupNeeds,
  DATASETS,
  datasetFor,
  type CompiledDatasetQuery,
  type Dataset,
  type DatasetLookups,
  type FieldType,
  NO_THRESHOLDS,
} from '../../query/datasets/index.js';
import { escapeWildcardText } from '../../query/values.js';
import { requireScope, type TokenAuth } from './auth.js';
import { organizationFor, projectsFor, type Project } from './context.js';
import { ApiError } from './errors.js';
import { linkHeader, parseCursor } from './pagination.js';
import { multiParam, parseTimeRange } from './time-range.js';

/** What the events route needs. */
export interface EventRoutesDeps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  auth: TokenAuth;
  /** Base URL for `Link` headers; default from the request's `Host`. */
  publicUrl?: string;
  /** Clock, for tests; default `() => new Date()`. */
  now?: () => Date;
}

type Query = Record<string, unknown>;

const DEFAULT_PER_PAGE = 100;
const DEFAULT_PERIOD_MS = 14 * 86_400_000;
/** Datasets answered from EAP-style trace items (their meta says how much data was scanned). */
const EAP_DATASETS: ReadonlySet<string> = new Set(['spans', 'logs', 'tracemetrics']);
/** Text of fields or queries that may read the projects' transaction thresholds (loaded only then). */
const THRESHOLD_READERS = /apdex|misery|project_threshold_config/;
/** Datasets with Sentry's larger page (`max_per_page = 9999` for logs and trace metrics). */
const LARGE_PAGE_DATASETS: ReadonlySet<string> = new Set(['logs', 'tracemetrics']);

/**
 * Sentry's `get_per_page`: an integer, at most `max`; errors as Sentry words them.
 */
function parsePerPage(raw: unknown, max: number): number {
  if (raw === undefined || raw === '') return DEFAULT_PER_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new ApiError(400, 'Invalid per_page parameter.');
  if (n > max) throw new ApiError(400, `Invalid per_page value. Cannot exceed ${max}.`);
  if (n < 1) throw new ApiError(400, 'Invalid per_page value.');
  return n;
}

/** `metricName=a&metricName=b` as a query term (`metric.name:[a, b]`), quoted literally. */
function metricNameTerm(names: string[]): string {
  const quoted = names.map((n) => `"${escapeWildcardText(n).replace(/"/g, '\\"')}"`);
  return `metric.name:[${quoted.join(', ')}]`;
}

/** Registers `GET /api/0/organizations/{org}/events/`. */
export async function eventRoutes(app: FastifyInstance, deps: EventRoutesDeps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;
  const now = deps.now ?? (() => new Date());

  function requestUrl(request: FastifyRequest): URL {
    return new URL(request.url, deps.publicUrl ?? `http://${request.headers.host ?? 'localhost'}`);
  }

  async function run(compiled: CompiledDatasetQuery): Promise<Array<Record<string, unknown>>> {
    try {
      const result = await clickhouse.client.query({
        query: compiled.sql,
        query_params: compiled.params,
        format: 'JSONEachRow',
      });
      return await result.json<Record<string, unknown>>();
    } catch (err) {
      // Sentry's answer to a function applied to a field of the wrong type (QueryIllegalTypeOfArgument).
      if (/ILLEGAL_TYPE_OF_ARGUMENT|NO_COMMON_TYPE|TYPE_MISMATCH/.test(String(err))) {
        throw new ApiError(400, 'Invalid query. Argument to function is wrong type.');
      }
      throw err;
    }
  }

  /** Short ids of the issues an `issue` column read, by issue id. */
  async function issueShortIds(
    compiled: CompiledDatasetQuery,
    rows: ReadonlyArray<Record<string, unknown>>,
    projects: ReadonlyMap<number, Project>,
  ): Promise<Map<number, string>> {
    const aliases = compiled.columns.filter((c) => c.field === 'issue').map((c) => c.alias);
    const ids = rows.flatMap((r) => aliases.map((a) => Number(r[a]))).filter((id) => id > 0);
    const out = new Map<number, string>();
    if (ids.length === 0) return out;
    for (const group of await getGroups(metadata, ids)) {
      const project = projects.get(group.project_id);
      if (project !== undefined) out.set(group.id, formatShortId(project.slug, group.short_id));
    }
    return out;
  }

  /**
   * What the query's `issue:` and `release.version`-like filters need from the metadata store:
   * the issue ids of its short ids (organization-wide, as Sentry resolves them) and the release
   * versions of the request's projects. A query that does not parse needs nothing (the compiler
   * answers its error).
   */
  async function lookupsFor(
    dataset: Dataset,
    search: string,
    organizationId: number,
    projectIds: number[],
    current: Date,
  ): Promise<DatasetLookups> {
    const needs = datasetLookupNeeds(dataset, search, current);
    if (!needs.ok) return { issueIds: new Map(), releaseVersions: [] };
    const { shortIds, releases } = needs.value;
    return {
      issueIds:
        shortIds.length > 0 ? await getGroupIdsByShortIds(metadata, organizationId, shortIds) : new Map(),
      releaseVersions: releases
        ? (await listProjectReleaseVersions(metadata, organizationId, projectIds)).map((r) => r.version)
        : [],
    };
  }

  app.get('/api/0/organizations/:org/events/', async (request, reply) => {
    // Authentication and authorization come first (401/403/404), as in Sentry.
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const organization = await organizationFor(metadata, principal, (request.params as { org: string }).org);
    const query = request.query as Query;

    const label = typeof query.dataset === 'string' ? query.dataset : undefined;
    const dataset: Dataset | undefined = datasetFor(label);
    if (dataset === undefined) {
      throw new ApiError(400, `dataset must be one of: ${Object.keys(DATASETS).join(', ')}`);
    }
    const perPage = parsePerPage(query.per_page, LARGE_PAGE_DATASETS.has(dataset.label) ? 9999 : 100);
    const current = now();
    const range = parseTimeRange(query, current);
    let projects = await projectsFor(metadata, organization, multiParam(query.project));
    const slugs = multiParam(query.projectSlug);
    if (slugs.length > 0) {
      projects = projects.filter((p) => slugs.includes(p.slug));
      if (projects.length === 0) throw new ApiError(400, 'Invalid project slug');
    }
    const offset = parseCursor(query.cursor).offset;
    const userQuery = typeof query.query === 'string' ? query.query.trim() : '';
    const metricNames = dataset.label === 'tracemetrics' ? multiParam(query.metricName) : [];
    const term = metricNames.length > 0 ? metricNameTerm(metricNames) : '';
    const search = term === '' ? userQuery : userQuery === '' ? term : `${term} (${userQuery})`;
    const sorts = multiParam(query.sort);

    const compiled = compileDatasetQuery(dataset, {
      fields: multiParam(query.field),
      query: search,
      sort: sorts.length > 0 ? sorts : multiParam(query.orderby),
      projects: projects.map((p) => ({ id: p.id, slug: p.slug })),
      environments: multiParam(query.environment),
      start: range.start ?? new Date(current.getTime() - DEFAULT_PERIOD_MS),
      end: range.end ?? current,
      limit: perPage,
      offset,
      now: current,
      lookups: await lookupsFor(
        dataset,
        search,
        organization.id,
        projects.map((p) => p.id),
        current,
      ),
      thresholds: THRESHOLD_READERS.test([...multiParam(query.field), search].join('\n'))
        ? await loadTransactionThresholds(
            metadata,
            projects.map((p) => p.id),
          )
        : NO_THRESHOLDS,
    });
    if (!compiled.ok) throw new ApiError(400, compiled.error.message);

    const meta: Record<string, unknown> = {
      fields: {},
      units: {},
      isMetricsData: false,
      isMetricsExtractedData: false,
      tips: {},
      datasetReason: 'unchanged',
      dataset: dataset.label,
      ...(EAP_DATASETS.has(dataset.label) ? { dataScanned: 'full' } : {}),
    };
    if (projects.length === 0) {
      return { data: [], meta: { ...meta, tips: { query: 'Need at least one valid project to query.' } } };
    }

    const rows = await run(compiled.value);
    const hasMore = rows.length > perPage;
    const page = rows.slice(0, perPage);
    const projectMap = new Map(projects.map((p) => [p.id, p]));
    const context = {
      projectSlugs: new Map(projects.map((p) => [p.id, p.slug])),
      issueShortIds: await issueShortIds(compiled.value, page, projectMap),
    };
    const types: Record<string, FieldType> = {};
    const units: Record<string, string | null> = {};
    const data = page.map((row) => {
      const out: Record<string, unknown> = {};
      for (const column of compiled.value.columns) {
        const decoded = column.decode(row[column.alias], context);
        out[column.field] = decoded.value;
        if (column.dynamicType && decoded.type !== undefined && types[column.field] === undefined) {
          types[column.field] = decoded.type;
        }
      }
      return out;
    });
    for (const column of compiled.value.columns) {
      types[column.field] ??= column.type;
      units[column.field] = column.unit;
    }
    // `noPagination` asks for the rows without cursor headers (Sentry's dashboards and exports).
    if (!query.noPagination) reply.header('Link', linkHeader(requestUrl(request), offset, perPage, hasMore));
    return { data, meta: { ...meta, fields: types, units } };
  });
}
