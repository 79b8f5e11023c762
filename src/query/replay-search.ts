/**
 * Replay search: Sentry's search syntax over the replays table, compiled to one parameterised
 * HAVING condition over a replay's rows (`GROUP BY project_id, replay_id`). Follows Sentry's
 * aggregate replay search (`src/sentry/replays/usecases/query/configs/aggregate.py`,
 * `conditions/aggregate.py`): a field of the segments or of the clicks matches a replay when
 * some row matches (`sum(cond) > 0`), and a negated filter when no row does (`sum(cond) = 0`);
 * `count_errors`, `count_segments`, `count_urls`, `duration` (seconds; `5s`, `2m`…), `activity`
 * and the dead/rage click counts compare the replay's aggregates. `AND`, `OR` and parentheses
 * combine them. Text matching (wildcards, lists, regexes) is the event search's
 * (./event-fields.ts). Tags, free text and other keys are `unsupported`.
 * Reference: reference/sentry-semantics.md §1.
 */
import { resolveSearchConfig } from './config.js';
import { searchError, type SearchResult } from './errors.js';
import { compileEventCondition, type EventField } from './event-fields.js';
import { OPERATOR_NEGATION, type SearchFilter } from './filters.js';
import { compileSearchCondition } from './search-condition.js';
import type { SqlFragment, SqlParams } from './sql.js';

/** Rows a field lives on: segment rows (`segment_id` set) or click rows (`segment_id` NULL). */
type RowScope = 'segment' | 'click';

const SEGMENT_ROWS = 'segment_id IS NOT NULL';
const CLICK_ROWS = 'segment_id IS NULL';

/** Hex ids of a UUID array column, for text matching. */
const hexIds = (column: string): string => `arrayMap(x -> replaceAll(toString(x), '-', ''), ${column})`;

/** Row fields: search key → how it is stored and on which rows (Sentry's replay search keys). */
const ROW_FIELDS: Readonly<Record<string, { field: EventField; rows: RowScope }>> = {
  ...Object.fromEntries(
    (
      [
        ['browser.name', 'browser_name'],
        ['browser.version', 'browser_version'],
        ['os.name', 'os_name'],
        ['os.version', 'os_version'],
        ['device.name', 'device_name'],
        ['device.brand', 'device_brand'],
        ['device.family', 'device_family'],
        ['device.model', 'device_model'],
        ['device.model_id', 'device_model'],
        ['sdk.name', 'sdk_name'],
        ['sdk.version', 'sdk_version'],
        ['user.id', 'user_id'],
        ['user.username', 'user_name'],
        ['user.email', 'user_email'],
        ['user.ip', 'user_ip'],
        ['release', 'release'],
        ['releases', 'release'],
        ['dist', 'dist'],
        ['environment', 'environment'],
        ['platform', 'platform'],
        ['replay_type', 'replay_type'],
      ] as const
    ).map(([key, column]) => [key, { field: { kind: 'string', column }, rows: 'segment' }]),
  ),
  id: { field: { kind: 'hexId', column: "replaceAll(toString(replay_id), '-', '')" }, rows: 'segment' },
  url: { field: { kind: 'array', column: 'urls' }, rows: 'segment' },
  urls: { field: { kind: 'array', column: 'urls' }, rows: 'segment' },
  error_id: { field: { kind: 'array', column: hexIds('error_ids') }, rows: 'segment' },
  error_ids: { field: { kind: 'array', column: hexIds('error_ids') }, rows: 'segment' },
  trace_id: { field: { kind: 'array', column: hexIds('trace_ids') }, rows: 'segment' },
  trace_ids: { field: { kind: 'array', column: hexIds('trace_ids') }, rows: 'segment' },
  ...Object.fromEntries(
    (
      [
        ['click.tag', 'click_tag'],
        ['click.id', 'click_id'],
        ['click.textContent', 'click_text'],
        ['click.role', 'click_role'],
        ['click.alt', 'click_alt'],
        ['click.testid', 'click_testid'],
        ['click.label', 'click_aria_label'],
        ['click.title', 'click_title'],
        ['click.component_name', 'click_component_name'],
      ] as const
    ).map(([key, column]) => [key, { field: { kind: 'string', column }, rows: 'click' }]),
  ),
  'click.class': { field: { kind: 'array', column: 'click_class' }, rows: 'click' },
};

const START = `minIf(replay_start_timestamp, ${SEGMENT_ROWS})`;
const FINISH = `maxIf(timestamp, ${SEGMENT_ROWS})`;
const ERRORS = 'length(groupUniqArrayArray(error_ids))';
const URLS = `length(arrayFlatten(arrayMap(t -> t.2, groupUniqArrayIf((segment_id, urls), ${SEGMENT_ROWS}))))`;

/** Aggregate fields: search key → expression over a replay's rows. */
const AGGREGATE_FIELDS: Readonly<Record<string, string>> = {
  count_errors: ERRORS,
  count_segments: 'uniqExact(segment_id)',
  count_urls: URLS,
  count_dead_clicks: `sumIf(click_is_dead, ${CLICK_ROWS})`,
  count_rage_clicks: `sumIf(click_is_rage, ${CLICK_ROWS})`,
  activity: `greatest(1, least(10, intDiv(${ERRORS} * 25 + ${URLS} * 5, 10)))`,
  duration: `dateDiff('second', ${START}, ${FINISH})`,
};

/** The keys replay search understands. */
export const REPLAY_SEARCH_KEYS: readonly string[] = [
  ...Object.keys(ROW_FIELDS),
  ...Object.keys(AGGREGATE_FIELDS),
];

const CONFIG = resolveSearchConfig({
  numericKeys: Object.keys(AGGREGATE_FIELDS).filter((k) => k !== 'duration'),
  durationKeys: ['duration'],
  sizeKeys: [],
  percentageKeys: [],
  dateKeys: [],
  booleanKeys: [],
  allowAggregates: false,
  allowRegex: true,
  disallowFreeText: true,
});

/**
 * Compiles a replay search query into a HAVING condition over one replay's rows of the replays
 * table, or null for an empty query. Errors carry Sentry's messages (`unsupported` for keys
 * replay search does not know). Never throws.
 */
export function compileReplaySearch(query: string): SearchResult<SqlFragment | null> {
  return compileSearchCondition(query, CONFIG, (expression, params) =>
    expression.type === 'aggregate'
      ? unsupported(`Aggregate filters are not supported in replay search: ${expression.key}`, expression)
      : compileFilter(expression, params),
  );
}

function compileFilter(filter: SearchFilter, params: SqlParams): SearchResult<string> {
  const aggregate = Object.hasOwn(AGGREGATE_FIELDS, filter.key) ? AGGREGATE_FIELDS[filter.key] : undefined;
  if (aggregate !== undefined) return compileAggregate(filter, aggregate, params);
  const row = Object.hasOwn(ROW_FIELDS, filter.key) ? ROW_FIELDS[filter.key] : undefined;
  if (row === undefined) return unsupported(`Invalid key for replay search: ${filter.key}`, filter);
  // Sentry's "contains" semantics: compile the positive condition, negate at the replay level.
  const negated = filter.operator === '!=' || filter.operator === 'NOT IN';
  const positive: SearchFilter = negated
    ? { ...filter, operator: OPERATOR_NEGATION[filter.operator] }
    : filter;
  const cond = compileEventCondition(positive, row.field, params);
  if (!cond.ok) return cond;
  const rows = row.rows === 'segment' ? SEGMENT_ROWS : CLICK_ROWS;
  return { ok: true, value: `countIf(${rows} AND ${cond.value}) ${negated ? '=' : '>'} 0` };
}

function compileAggregate(filter: SearchFilter, expr: string, params: SqlParams): SearchResult<string> {
  const { value, operator } = filter;
  const scale = (n: number): number => (value.kind === 'number' && value.unit === 'ms' ? n / 1000 : n);
  if (value.kind === 'number')
    return { ok: true, value: `${expr} ${operator} ${params.bind('Float64', scale(value.value))}` };
  if (value.kind === 'numberList') {
    const list = params.bind('Array(Float64)', value.values.map(scale));
    return { ok: true, value: `${expr} ${operator === 'NOT IN' ? 'NOT IN' : 'IN'} ${list}` };
  }
  return {
    ok: false,
    error: searchError(
      'invalid_filter',
      `Invalid value for ${filter.key}: expected a number`,
      filter.location ?? null,
    ),
  };
}

function unsupported(message: string, filter: { location?: SearchFilter['location'] }): SearchResult<string> {
  return { ok: false, error: searchError('unsupported', message, filter.location ?? null) };
}
