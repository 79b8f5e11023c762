/**
 * Sentry's explore endpoint for logs, trace metrics and spans: `GET /api/0/organizations/{org}/events/`
 * with `dataset=logs` (alias `ourlogs`), `dataset=tracemetrics` or `dataset=spans` (Sentry's
 * `OrganizationEventsEndpoint` over EAP; field aliases from `src/sentry/search/eap/ourlogs/
 * attributes.py` and `src/sentry/search/eap/trace_metrics/attributes.py`; behaviour pinned by
 * `tests/snuba/api/endpoints/test_organization_events_ourlogs.py`).
 *
 * Parameters: `field` (repeatable, required), `query` (Sentry search syntax, see
 * ./explore-query.ts), `statsPeriod` or `start`+`end` (default 14 days), `project` (ids,
 * repeatable, `-1` = all), `projectSlug` (repeatable), `environment` (repeatable), `sort` (or
 * `orderby`, `-` for descending; default `-timestamp`), `per_page` (1..9999, default 100),
 * `cursor` (`0:<offset>:0`, with a `Link` header). Trace metrics also take `metricName`, and aggregate fields (`sum(value)`,
 * `avg(value)`, `count()`, `count(value)`, `min(value)`, `max(value)`) next to `metric.name`,
 * `metric.type`, `metric.unit`, answering one row per metric.
 *
 * Answers `{data: [{<field>: value}], meta: {fields: {<field>: type}, units: {<field>: unit},
 * dataset, dataScanned: "full", isMetricsData: false}}`. Fields: the public aliases below, else an
 * attribute by name ({@link attributeName}) or `tags[name,number|string|boolean]`.
 * `timestamp` is ISO 8601 at whole seconds (`+00:00`) and brings `timestamp_precise`
 * (nanoseconds) along, as Sentry does.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ClickHouseStore } from '../../storage/clickhouse/index.js';
import { queryLogs, type StoredLog } from '../../storage/clickhouse/logs.js';
import {
  aggregateTraceMetrics,
  queryTraceMetrics,
  type AggregateValues,
  type StoredTraceMetric,
  type TraceMetricAggregate,
} from '../../storage/clickhouse/trace-metrics.js';
import {
  attributeOf,
  type StoredAttribute,
  type TraceItemCondition,
  type TraceItemListResult,
} from '../../storage/clickhouse/trace-items.js';
import type { TraceItemColumns } from '../../protocol/trace-items.js';
import { querySpans, type StoredSpan } from '../../storage/clickhouse/spans.js';
import type { MetadataStore } from '../../storage/metadata/index.js';
import { requireScope, type TokenAuth } from './auth.js';
import { organizationFor, projectsFor, type Project } from './context.js';
import { ApiError } from './errors.js';
import { compileExploreQuery, explicitAttribute, type ResolvedKey } from './explore-query.js';
import { linkHeader, parseCursor } from './pagination.js';
import { multiParam, parseTimeRange } from './time-range.js';

/** What the explore routes need. */
export interface LogRoutesDeps {
  metadata: MetadataStore;
  clickhouse: ClickHouseStore;
  auth: TokenAuth;
  /** Base URL for `Link` headers; default from the request's `Host`. */
  publicUrl?: string;
  /** Clock, for tests; default `() => new Date()`. */
  now?: () => Date;
}

/** `dataset` values answered with logs (`ourlogs` is the older name). */
export const LOG_DATASETS = ['logs', 'ourlogs'] as const;
/** `dataset` value answered with trace metrics. */
export const TRACE_METRICS_DATASET = 'tracemetrics';
/** `dataset` value answered with spans. */
export const SPANS_DATASET = 'spans';

type Query = Record<string, unknown>;
type Row = TraceItemColumns<number>;

/** Sentry's `per_page` bound for the explore endpoint. */
const MAX_PER_PAGE = 9999;
const DEFAULT_PER_PAGE = 100;
const DEFAULT_PERIOD_MS = 14 * 86_400_000;

/** How a public field reads from a row, how it filters and sorts, and its meta type and unit. */
interface FieldDef<R extends Row> {
  type: string;
  unit?: string;
  read: (row: R, projects: ReadonlyMap<number, Project>) => unknown;
  /** The column it filters on (absent: not filterable as a column). */
  filter?: ResolvedKey;
  /** The column it sorts by. */
  sort?: string;
  /** For an untyped attribute field: the attribute, whose stored type decides the meta type. */
  attribute?: string;
}

/** `2025-04-10T19:21:12+00:00`: whole seconds, as Sentry serializes EAP timestamps. */
function isoSeconds(micros: number): string {
  return `${new Date(Math.floor(micros / 1e6) * 1000).toISOString().slice(0, 19)}+00:00`;
}

const str = (column: string, lowercase = false): ResolvedKey => ({ column, kind: 'string', lowercase });
const num = (column: string): ResolvedKey => ({ column, kind: 'number' });

/** Fields every trace item dataset has (Sentry's `COMMON_COLUMNS` and item ids). */
function commonFields<R extends Row>(): Record<string, FieldDef<R>> {
  const id: FieldDef<R> = { type: 'string', read: (r) => r.item_id, filter: str('item_id', true) };
  const projectSlug: FieldDef<R> = { type: 'string', read: (r, p) => p.get(r.project_id)?.slug ?? null };
  const projectId: FieldDef<R> = { type: 'integer', read: (r) => r.project_id };
  return {
    id,
    'sentry.item_id': id,
    project: projectSlug,
    'project.name': projectSlug,
    'project.id': projectId,
    project_id: projectId,
    trace: { type: 'string', read: (r) => r.trace_id, filter: str('trace_id', true), sort: 'trace_id' },
    span_id: { type: 'string', read: (r) => r.span_id, filter: str('span_id', true) },
    timestamp: { type: 'date', read: (r) => isoSeconds(r.timestamp), sort: 'timestamp' },
    timestamp_precise: { type: 'number', read: (r) => r.timestamp * 1000, sort: 'timestamp' },
    observed_timestamp: {
      type: 'string',
      read: (r) => r.attributes_string['sentry.observed_timestamp_nanos'] ?? `${r.observed_timestamp}000`,
    },
    environment: { type: 'string', read: (r) => r.environment, filter: str('environment') },
    release: { type: 'string', read: (r) => r.release, filter: str('release') },
    'sdk.name': { type: 'string', read: (r) => r.sdk_name, filter: str('sdk_name') },
    'sdk.version': { type: 'string', read: (r) => r.sdk_version, filter: str('sdk_version') },
  };
}

const LOG_FIELDS: Record<string, FieldDef<StoredLog>> = (() => {
  const severity: FieldDef<StoredLog> = {
    type: 'string',
    read: (r) => r.level,
    filter: str('level', true),
    sort: 'level',
  };
  const severityNumber: FieldDef<StoredLog> = {
    type: 'integer',
    read: (r) => r.severity_number,
    filter: num('severity_number'),
    sort: 'severity_number',
  };
  const message: FieldDef<StoredLog> = {
    type: 'string',
    read: (r) => r.body,
    filter: str('body'),
    sort: 'body',
  };
  return {
    ...commonFields<StoredLog>(),
    severity,
    severity_text: severity,
    'log.severity_text': severity,
    level: severity,
    severity_number: severityNumber,
    'log.severity_number': severityNumber,
    message,
    'log.body': message,
    payload_size: {
      type: 'size',
      unit: 'byte',
      read: (r) => r.payload_size_bytes,
      filter: num('payload_size_bytes'),
      sort: 'payload_size_bytes',
    },
  };
})();

const TRACE_METRIC_FIELDS: Record<string, FieldDef<StoredTraceMetric>> = {
  ...commonFields<StoredTraceMetric>(),
  'metric.name': { type: 'string', read: (r) => r.name, filter: str('name'), sort: 'name' },
  'metric.type': { type: 'string', read: (r) => r.type, filter: str('type', true), sort: 'type' },
  'metric.unit': { type: 'string', read: (r) => r.unit, filter: str('unit') },
  value: { type: 'number', read: (r) => r.value, filter: num('value'), sort: 'value' },
  // Free text searches the metric name (there is no body).
  message: { type: 'string', read: (r) => r.name, filter: str('name') },
};

/**
 * The spans dataset (Sentry's `src/sentry/search/eap/spans/attributes.py`): `id` and `span_id`
 * are the span id, `span.op`, `span.description`, `span.name`, `span.status`, `span.kind`,
 * `span.duration` and `span.self_time` (milliseconds), `parent_span`, `transaction` (the
 * segment's name), `transaction.span_id` (the segment id), `is_transaction`,
 * `transaction.event_id`, `precise.start_ts` / `precise.finish_ts` (unix seconds). Free text
 * searches the span name.
 */
const SPAN_FIELDS: Record<string, FieldDef<StoredSpan>> = (() => {
  const id: FieldDef<StoredSpan> = { type: 'string', read: (r) => r.span_id, filter: str('span_id', true) };
  const op: FieldDef<StoredSpan> = { type: 'string', read: (r) => r.op, filter: str('op'), sort: 'op' };
  const name: FieldDef<StoredSpan> = {
    type: 'string',
    read: (r) => r.name,
    filter: str('name'),
    sort: 'name',
  };
  const status: FieldDef<StoredSpan> = {
    type: 'string',
    read: (r) => r.status,
    filter: str('status', true),
    sort: 'status',
  };
  const duration: FieldDef<StoredSpan> = {
    type: 'duration',
    unit: 'millisecond',
    read: (r) => r.duration_ms,
    filter: num('duration_ms'),
    sort: 'duration_ms',
  };
  const transaction: FieldDef<StoredSpan> = {
    type: 'string',
    read: (r) => r.segment_name,
    filter: str('segment_name'),
    sort: 'segment_name',
  };
  const segmentId: FieldDef<StoredSpan> = {
    type: 'string',
    read: (r) => r.segment_id,
    filter: str('segment_id', true),
  };
  return {
    ...commonFields<StoredSpan>(),
    id,
    span_id: id,
    'span.op': op,
    'span.name': name,
    'span.description': {
      type: 'string',
      read: (r) => (r.description !== '' ? r.description : r.name),
      filter: str('description'),
    },
    'span.status': status,
    'span.kind': { type: 'string', read: (r) => r.kind, filter: str('kind', true) },
    'span.duration': duration,
    'span.self_time': {
      ...duration,
      read: (r) => r.exclusive_time_ms,
      filter: num('exclusive_time_ms'),
      sort: 'exclusive_time_ms',
    },
    parent_span: { type: 'string', read: (r) => r.parent_span_id, filter: str('parent_span_id', true) },
    transaction,
    'segment.name': transaction,
    'transaction.span_id': segmentId,
    'segment.id': segmentId,
    is_transaction: { type: 'boolean', read: (r) => r.is_segment, filter: num('is_segment') },
    'transaction.event_id': { type: 'string', read: (r) => r.event_id, filter: str('event_id', true) },
    'precise.start_ts': { type: 'number', read: (r) => r.timestamp / 1e6, sort: 'timestamp' },
    'precise.finish_ts': { type: 'number', read: (r) => (r.timestamp + r.duration_ms * 1000) / 1e6 },
    message: { type: 'string', read: (r) => r.name, filter: str('name') },
  };
})();

const ATTRIBUTE_TYPES: Record<StoredAttribute['type'], string> = {
  string: 'string',
  integer: 'integer',
  double: 'number',
  boolean: 'boolean',
  array: 'string',
};

/** Public names Sentry resolves to `sentry.`-prefixed attributes (`simple_sentry_field`). */
const SENTRY_ATTRIBUTES: ReadonlySet<string> = new Set([
  'origin',
  'message.template',
  'trace.parent_span_id',
  'replay_id',
]);

/**
 * The stored attribute a public key names: `tags[name,type]` → `name`; Sentry's own fields
 * (`origin`, `message.template`, `message.parameter.<n>`, …) → `sentry.<key>`; else the key.
 */
export function attributeName(key: string): string {
  const name = explicitAttribute(key)?.name ?? key;
  return SENTRY_ATTRIBUTES.has(name) || name.startsWith('message.parameter.') ? `sentry.${name}` : name;
}

/** An attribute field (see {@link attributeName}); `tags[name,type]` only answers that type. */
function attributeField<R extends Row>(field: string): FieldDef<R> {
  const attribute = attributeName(field);
  const wanted = explicitAttribute(field)?.type;
  return {
    type: wanted === 'number' ? 'number' : wanted === 'boolean' ? 'boolean' : 'string',
    attribute: wanted === undefined ? attribute : undefined,
    read: (r) => {
      const value = attributeOf(r, attribute);
      if (value === undefined) return null;
      const numeric = value.type === 'integer' || value.type === 'double';
      if (wanted === 'number' && !numeric) return null;
      if (wanted === 'boolean' && value.type !== 'boolean') return null;
      if (wanted === 'string' && value.type !== 'string') return null;
      return value.value;
    },
  };
}

function fieldDef<R extends Row>(catalogue: Record<string, FieldDef<R>>, field: string): FieldDef<R> {
  return Object.hasOwn(catalogue, field) ? catalogue[field]! : attributeField<R>(field);
}

/** The key resolver of a dataset: catalogue columns, else attributes. */
function resolver<R extends Row>(catalogue: Record<string, FieldDef<R>>) {
  return (key: string): ResolvedKey => {
    if (key === 'project' || key === 'project.id' || key === 'project_id') {
      throw new ApiError(400, 'Filter projects with the project parameter');
    }
    const def = Object.hasOwn(catalogue, key) ? catalogue[key] : undefined;
    if (def?.filter) return def.filter;
    if (def) throw new ApiError(400, `${key} cannot be used in a query`);
    return { attribute: attributeName(key) };
  };
}

/** Keys whose search values are numbers in a catalogue (booleans stored as 0/1 take `true`/`false`). */
function numericKeys<R extends Row>(catalogue: Record<string, FieldDef<R>>): string[] {
  return Object.entries(catalogue)
    .filter(
      ([, def]) =>
        def.type !== 'boolean' &&
        def.filter !== undefined &&
        'kind' in def.filter &&
        def.filter.kind === 'number',
    )
    .map(([key]) => key);
}

/** The parsed common parameters of an explore request. */
interface ExploreRequest {
  fields: string[];
  projects: Project[];
  projectMap: Map<number, Project>;
  start: Date;
  end: Date;
  perPage: number;
  offset: number;
  sort: { field: string; direction: 'asc' | 'desc' };
  query: string;
  environments: string[];
}

function parsePerPage(raw: unknown): number {
  if (raw === undefined || raw === '') return DEFAULT_PER_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PER_PAGE) {
    throw new ApiError(400, `Invalid per_page value. Must be between 1 and ${MAX_PER_PAGE}.`);
  }
  return n;
}

function parseSort(query: Query): { field: string; direction: 'asc' | 'desc' } {
  const raw = multiParam(query.sort)[0] ?? multiParam(query.orderby)[0] ?? '-timestamp';
  return raw.startsWith('-') ? { field: raw.slice(1), direction: 'desc' } : { field: raw, direction: 'asc' };
}

/** Sort column of a public field (Sentry sorts by fields; only stored columns are sortable here). */
function sortColumn<R extends Row>(
  catalogue: Record<string, FieldDef<R>>,
  sort: ExploreRequest['sort'],
): { column: string; direction: 'asc' | 'desc' } {
  const def = Object.hasOwn(catalogue, sort.field) ? catalogue[sort.field] : undefined;
  if (def?.sort === undefined) throw new ApiError(400, `Cannot sort by ${sort.field}`);
  return { column: def.sort, direction: sort.direction };
}

/** Serializes rows to `data` and `meta` for `fields` (plus `timestamp_precise` with `timestamp`). */
function table<R extends Row>(
  catalogue: Record<string, FieldDef<R>>,
  fields: readonly string[],
  rows: readonly R[],
  projects: ReadonlyMap<number, Project>,
): {
  data: Array<Record<string, unknown>>;
  fields: Record<string, string>;
  units: Record<string, string | null>;
} {
  const shown =
    fields.includes('timestamp') && !fields.includes('timestamp_precise')
      ? [...fields, 'timestamp_precise']
      : [...fields];
  const defs = shown.map((f) => [f, fieldDef(catalogue, f)] as const);
  const data = rows.map((row) => Object.fromEntries(defs.map(([f, def]) => [f, def.read(row, projects)])));
  const types: Record<string, string> = {};
  const units: Record<string, string | null> = {};
  for (const [f, def] of defs) {
    let type = def.type;
    if (def.attribute !== undefined) {
      // An untyped attribute takes the type of its first stored value.
      const name = def.attribute;
      const first = rows.map((r) => attributeOf(r, name)).find((v) => v !== undefined);
      if (first) type = ATTRIBUTE_TYPES[first.type];
    }
    types[f] = type;
    units[f] = def.unit ?? null;
  }
  return { data, fields: types, units };
}

const AGGREGATE = /^(sum|avg|count|min|max)\((value)?\)$/;

/** The aggregate a field names (`sum(value)`, `count()`, …), if it is one. */
function aggregateOf(field: string): TraceMetricAggregate | undefined {
  const m = AGGREGATE.exec(field);
  if (!m) return undefined;
  if (m[2] === undefined && m[1] !== 'count') return undefined;
  return m[1] as TraceMetricAggregate;
}

/** Registers `GET /api/0/organizations/{org}/events/` for the logs and trace-metrics datasets. */
export async function logRoutes(app: FastifyInstance, deps: LogRoutesDeps): Promise<void> {
  const { metadata, clickhouse, auth } = deps;
  const now = deps.now ?? (() => new Date());

  function requestUrl(request: FastifyRequest): URL {
    return new URL(request.url, deps.publicUrl ?? `http://${request.headers.host ?? 'localhost'}`);
  }

  async function parseRequest(request: FastifyRequest): Promise<ExploreRequest> {
    const principal = await auth.authenticate(request);
    requireScope(principal, 'event:read', 'event:write', 'event:admin');
    const organization = await organizationFor(metadata, principal, (request.params as { org: string }).org);
    const query = request.query as Query;
    const fields = multiParam(query.field);
    if (fields.length === 0) throw new ApiError(400, 'No columns selected');
    const current = now();
    const range = parseTimeRange(query, current);
    let projects = await projectsFor(metadata, organization, multiParam(query.project));
    const slugs = multiParam(query.projectSlug);
    if (slugs.length > 0) {
      projects = projects.filter((p) => slugs.includes(p.slug));
      if (projects.length === 0) throw new ApiError(400, 'Invalid project slug');
    }
    return {
      fields,
      projects,
      projectMap: new Map(projects.map((p) => [p.id, p])),
      start: range.start ?? new Date(current.getTime() - DEFAULT_PERIOD_MS),
      end: range.end ?? current,
      perPage: parsePerPage(query.per_page),
      offset: parseCursor(query.cursor).offset,
      sort: parseSort(query),
      query: typeof query.query === 'string' ? query.query : '',
      environments: multiParam(query.environment),
    };
  }

  function conditionsOf<R extends Row>(
    catalogue: Record<string, FieldDef<R>>,
    parsed: ExploreRequest,
  ): TraceItemCondition[] {
    const conditions = compileExploreQuery(parsed.query, resolver(catalogue), numericKeys(catalogue));
    if (parsed.environments.length > 0) {
      conditions.push({ target: { column: 'environment' }, op: 'in', values: parsed.environments });
    }
    return conditions;
  }

  async function listAnswer<R extends Row>(
    request: FastifyRequest,
    reply: { header(k: string, v: string): unknown },
    dataset: string,
    catalogue: Record<string, FieldDef<R>>,
    list: (options: Parameters<typeof queryLogs>[1]) => Promise<TraceItemListResult<R>>,
    parsed: ExploreRequest,
    extra: TraceItemCondition[] = [],
  ) {
    const result = await list({
      projectIds: parsed.projects.map((p) => p.id),
      start: parsed.start,
      end: parsed.end,
      conditions: [...conditionsOf(catalogue, parsed), ...extra],
      orderBy: sortColumn(catalogue, parsed.sort),
      limit: parsed.perPage,
      cursor: parsed.offset,
    });
    if (!result.ok) throw new ApiError(400, result.error.detail);
    const { rows, hasMore } = result.value;
    reply.header('Link', linkHeader(requestUrl(request), parsed.offset, parsed.perPage, hasMore));
    const { data, fields, units } = table(catalogue, parsed.fields, rows, parsed.projectMap);
    return { data, meta: { fields, units, dataset, dataScanned: 'full', isMetricsData: false } };
  }

  async function metricAggregates(
    request: FastifyRequest,
    reply: { header(k: string, v: string): unknown },
    parsed: ExploreRequest,
    names: string[],
  ) {
    const groupFields = ['metric.name', 'metric.type', 'metric.unit'];
    for (const f of parsed.fields) {
      if (aggregateOf(f) === undefined && !groupFields.includes(f)) {
        throw new ApiError(400, `${f} must be an aggregate or one of ${groupFields.join(', ')}`);
      }
    }
    const seconds = Math.max(60, Math.ceil((parsed.end.getTime() - parsed.start.getTime()) / 1000));
    const result = await aggregateTraceMetrics(clickhouse, {
      projectIds: parsed.projects.map((p) => p.id),
      start: parsed.start,
      end: parsed.end,
      interval: seconds,
      names,
      conditions: conditionsOf(TRACE_METRIC_FIELDS, parsed),
    });
    if (!result.ok) throw new ApiError(400, result.error.detail);
    const value = (totals: AggregateValues, f: string): unknown => {
      const aggregate = aggregateOf(f);
      return aggregate === undefined ? null : totals[aggregate];
    };
    let data = result.value.groups.map((g) =>
      Object.fromEntries(
        parsed.fields.map((f) => {
          if (f === 'metric.name') return [f, g.name];
          if (f === 'metric.type') return [f, g.type];
          if (f === 'metric.unit') return [f, g.unit];
          return [f, value(g.totals, f)];
        }),
      ),
    );
    const sortField = parsed.sort.field;
    if (parsed.fields.includes(sortField)) {
      const sign = parsed.sort.direction === 'asc' ? 1 : -1;
      data = [...data].sort((a, b) => {
        const [x, y] = [a[sortField], b[sortField]];
        if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
        return sign * String(x ?? '').localeCompare(String(y ?? ''));
      });
    }
    const page = data.slice(parsed.offset, parsed.offset + parsed.perPage);
    reply.header(
      'Link',
      linkHeader(
        requestUrl(request),
        parsed.offset,
        parsed.perPage,
        data.length > parsed.offset + parsed.perPage,
      ),
    );
    const fields = Object.fromEntries(
      parsed.fields.map((f) => [
        f,
        aggregateOf(f) === 'count' ? 'integer' : aggregateOf(f) ? 'number' : 'string',
      ]),
    );
    const units = Object.fromEntries(parsed.fields.map((f) => [f, null]));
    return {
      data: page,
      meta: { fields, units, dataset: TRACE_METRICS_DATASET, dataScanned: 'full', isMetricsData: false },
    };
  }

  app.get('/api/0/organizations/:org/events/', async (request, reply) => {
    const query = request.query as Query;
    const dataset = typeof query.dataset === 'string' ? query.dataset : '';
    const isLogs = (LOG_DATASETS as readonly string[]).includes(dataset);
    // Authentication and authorization come first (401/403/404), as in Sentry.
    const parsed = await parseRequest(request);
    if (!isLogs && dataset !== TRACE_METRICS_DATASET && dataset !== SPANS_DATASET) {
      throw new ApiError(400, `Unsupported dataset: ${dataset === '' ? '(none)' : dataset}`);
    }
    if (isLogs) {
      return listAnswer(request, reply, dataset, LOG_FIELDS, (o) => queryLogs(clickhouse, o), parsed);
    }
    if (dataset === SPANS_DATASET) {
      return listAnswer(request, reply, dataset, SPAN_FIELDS, (o) => querySpans(clickhouse, o), parsed);
    }
    const names = multiParam(query.metricName);
    if (parsed.fields.some((f) => aggregateOf(f) !== undefined)) {
      return metricAggregates(request, reply, parsed, names);
    }
    const extra: TraceItemCondition[] =
      names.length > 0 ? [{ target: { column: 'name' }, op: 'in', values: names }] : [];
    return listAnswer(
      request,
      reply,
      TRACE_METRICS_DATASET,
      TRACE_METRIC_FIELDS,
      (o) => queryTraceMetrics(clickhouse, o),
      parsed,
      extra,
    );
  });
}
