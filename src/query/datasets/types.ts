/**
 * The shape of a Discover-like dataset: where its rows live (one or more ClickHouse sources,
 * e.g. `events` and the segment spans of `spans` for Sentry's `discover`), which public field
 * names it knows (Sentry's field names) with the SQL that reads each one, how each one filters,
 * and the type and unit Sentry reports for it in `meta`. The compiler (./compile.ts) turns a
 * request over a dataset into one parameterised query.
 * Reference: reference/sentry-semantics.md §1 (`src/sentry/search/events/datasets/`,
 * `src/sentry/search/eap/*`).
 */
import type { SearchConfig } from '../config.js';
import type { EventField } from '../event-fields.js';
import type { SqlParams } from '../sql.js';

/**
 * Types of `meta.fields` (Sentry's `RESULT_TYPES` plus the EAP ones): `duration` values are
 * milliseconds, `size` bytes, `percentage` a fraction (0.5 = 50 %), `rate` per second or minute,
 * `date` an ISO-8601 string, `array` a JSON list.
 */
export type FieldType =
  | 'string'
  | 'integer'
  | 'number'
  | 'duration'
  | 'size'
  | 'percentage'
  | 'rate'
  | 'date'
  | 'boolean'
  | 'array';

/** Types whose values are numbers (usable as numeric function arguments). */
export const NUMERIC_TYPES: ReadonlySet<FieldType> = new Set([
  'integer',
  'number',
  'duration',
  'size',
  'percentage',
  'rate',
]);

/** The trace-item attribute map a typed attribute reads (`tags[k,number]` → numbers). */
export type AttributeType = 'string' | 'number' | 'boolean';

/**
 * How a field filters (`key:value` in the query).
 * - `event`: a column of `events` compiled by the issue-search field compiler
 *   (../event-fields.ts: text with wildcards, ids, arrays, `error.handled`, tags and flags
 *   through the `_tags_hash_map` / `_flags_hash_map` bloom indexes).
 * - `text`: a String expression; `lowercase` when the stored values are lower case (values are
 *   lower-cased before comparing), `hexId` for hex ids (dashes dropped, lower-cased).
 * - `number`: a numeric (possibly Nullable) expression in the field's unit (durations in
 *   milliseconds, sizes in bytes), compared with numbers, lists and `has:`.
 * - `boolean`: a 0/1 expression.
 * - `date`: a DateTime64 expression.
 * - `attribute`: a trace-item attribute by name, of any stored type unless `type` says which.
 * - `freeText`: case-insensitive substring search over `exprs` (free text of the query).
 * - `project`: the project slug, compared through the request's projects.
 * - `issue`: `issue:` short ids, compiled as issue ids on `ids` (./lookups.ts).
 * - `releaseLookup`: `release.version` / `.package` / `.build`, compiled as the release versions
 *   they select on `release` (./lookups.ts).
 * - `releaseStage`: `release.stage`, refused after Sentry's checks (./lookups.ts).
 *
 * A field a source does not have (error fields of transactions in Discover) is an expression
 * of the right type that is always empty (`''`, `NULL`, an empty array), so filters on it
 * behave as on an unset value.
 */
export type FieldFilter =
  | { kind: 'event'; field: EventField }
  | { kind: 'text'; expr: string; lowercase?: boolean; hexId?: boolean }
  | { kind: 'number'; expr: string }
  | { kind: 'boolean'; expr: string }
  | { kind: 'date'; expr: string }
  | { kind: 'attribute'; name: string; type?: AttributeType }
  | { kind: 'freeText'; exprs: readonly string[] }
  | { kind: 'project'; expr: string }
  | { kind: 'issue'; ids: FieldFilter }
  | { kind: 'releaseLookup'; release: FieldFilter }
  | { kind: 'releaseStage' };

/**
 * Turns a value read back from ClickHouse (JSONEachRow: 64-bit integers may be strings, dates
 * `YYYY-MM-DD hh:mm:ss[.ffffff]` text) into the JSON Sentry answers, with `ctx` for lookups.
 * Returns the value and, for fields whose type depends on the stored value (untyped
 * attributes), that type.
 */
export type Decoder = (raw: unknown, ctx: DecodeContext) => { value: unknown; type?: FieldType };

/** What decoders may look up. */
export interface DecodeContext {
  /** Project slugs by id (the request's projects). */
  projectSlugs: ReadonlyMap<number, string>;
  /** Issue short ids (`FRONTEND-12`) by issue id, for the `issue` field. */
  issueShortIds: ReadonlyMap<number, string>;
}

/** A field as one source stores it. */
export interface ColumnDef {
  /** The SQL reading the field per row; may bind parameters (attribute keys). */
  select: (params: SqlParams) => string;
  /**
   * The SQL reading the field as a number for numeric functions (`avg`, `p95`, …) when
   * `select` is not numeric (untyped attributes); absent: `select` when the type is numeric.
   */
  numeric?: (params: SqlParams) => string;
  /** How the field filters; null when it cannot be filtered on. */
  filter: FieldFilter | null;
  type: FieldType;
  /** Sentry's unit (`millisecond`, `byte`), null when none. */
  unit: string | null;
  /** Default: by type (see ./decode.ts). */
  decode?: Decoder;
  /** The meta type is the one `decode` reports for the first value (untyped attributes). */
  dynamicType?: boolean;
}

/** Where rows of a dataset come from: one table and how it is scoped. */
export interface Source {
  /** Table name (trusted). */
  table: string;
  /** A condition every row of the source must meet (e.g. `is_segment = 1`), or null. */
  where: string | null;
  /** The DateTime64 column bounded by the request's start/end. */
  timeColumn: string;
  /** The project id column. */
  projectColumn: string;
  /** The environment column (the `environment` parameter). */
  environmentColumn: string;
  /**
   * The field `name` (a Sentry field name, `tags[k]` / `flags[k]`, or any other key the source
   * reads as a tag or attribute), or null when the source cannot read it. Free text filters the
   * field `message`.
   */
  column(name: string): ColumnDef | null;
}

/** A Discover-like dataset (a `dataset` value of the events endpoint). */
export interface Dataset {
  /** What `meta.dataset` says (`discover`, `errors`, `transactions`, `spans`, `logs`, …). */
  label: string;
  /** One source, or several whose rows are concatenated (Discover: errors and transactions). */
  sources: readonly Source[];
  /** The search configuration (typed keys) its queries parse with. */
  searchConfig: SearchConfig;
  /** The default column of `p50()`, `avg()` … (`transaction.duration`, `span.duration`). */
  defaultNumericColumn: string | null;
  /** The status field of `failure_rate()` (`transaction.status`, `span.status`), null: none. */
  statusField: string | null;
  /**
   * Sentry's `auto_fields`: a query without functions also answers `id` and, unless
   * `project.id` is selected, `project.name`.
   */
  autoFields: boolean;
  /** Whether aggregate filters (`count():>5`) apply (the logs dataset ignores them). */
  aggregateConditions: boolean;
  /** Functions the dataset offers (names of ../aggregates.ts definitions). */
  functions: ReadonlySet<string>;
  /**
   * Sorting by a field that is not selected is allowed (EAP datasets); Discover datasets
   * answer "Cannot sort by a field that is not selected."
   */
  sortByUnselected: boolean;
  /** Whether a selected `timestamp` also answers `timestamp_precise` (EAP, nanoseconds). */
  preciseTimestamp: boolean;
  /** Default order when the request has no `sort`: a field name, `-` for descending. */
  defaultSort: string;
}
