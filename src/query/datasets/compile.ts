/**
 * The compiler of an events-endpoint request over a dataset: selected fields and functions,
 * the search query (AND / OR / parentheses, row filters → WHERE per source, aggregate filters →
 * HAVING), the time range, projects and environments, the sort and the page — into one
 * parameterised ClickHouse query:
 *
 *   SELECT <outputs> FROM (SELECT <fields> FROM <source> WHERE … [UNION ALL …])
 *   [GROUP BY <selected fields>] [HAVING …] ORDER BY … LIMIT … OFFSET …
 *
 * Follows Sentry's query builder (`src/sentry/search/events/builder/base.py`): functions make
 * the query an aggregate grouped implicitly by every selected field; `auto_fields` adds `id`
 * and `project.name` to plain queries; an aggregate filter needs a selected function; sorting
 * is by selected fields or functions ("Cannot sort by a field that is not selected."); a field
 * cannot be both selected and a function argument. No user value is ever part of the SQL text:
 * values, attribute keys and tag keys are bound parameters, field names only select among
 * trusted catalogue expressions.
 */
import {
  parseField,
  resolveFunction,
  type ArgumentColumn,
  type FunctionContext,
  type ParsedField,
  type ResolvedFunction,
} from '../aggregates.js';
import { resolveBooleanConditions } from '../boolean.js';
import { resolveSearchConfig } from '../config.js';
import { searchError, type SearchError, type SearchResult } from '../errors.js';
import { parseSearchQuery, type AggregateFilter, type SearchTerm } from '../filters.js';
import { dateTimeParam, sqlNot, SqlParams } from '../sql.js';
import { compileRowFilter, compileTree, splitExpression, type FilterContext } from './conditions.js';
import type { ArithmeticNode } from '../arithmetic.js';
import { decoderFor } from './decode.js';
import {
  equationSql,
  equationType,
  isEquation,
  selectEquations,
  sortedEquation,
  type SelectedEquation,
} from './equations.js';
import { lookupNeeds, NO_LOOKUPS, type DatasetLookups, type LookupNeeds } from './lookups.js';
import {
  CUSTOM_THRESHOLD_COLUMNS,
  MAX_QUERYABLE_TRANSACTION_THRESHOLDS,
  NO_THRESHOLDS,
  PROJECT_THRESHOLD_CONFIG,
  thresholdConfigColumn,
  type TransactionThresholds,
} from './thresholds.js';
import { NUMERIC_TYPES, type ColumnDef, type Dataset, type Decoder, type FieldType } from './types.js';

/** Sentry's limit of selected fields (`MAX_FIELDS`). */
export const MAX_FIELDS = 20;

/** A request over a dataset. */
export interface DatasetQueryRequest {
  /** `field` values as given (plain fields and functions), in order. */
  fields: readonly string[];
  /** Sentry search syntax; `''` for none. */
  query: string;
  /** `sort` values (`-` prefix for descending); empty for the dataset's default. */
  sort: readonly string[];
  /** Projects to read (ids); the caller answers an empty list without querying. */
  projects: ReadonlyArray<{ id: number; slug: string }>;
  /** Environments (exact names); empty for all. */
  environments: readonly string[];
  /** Inclusive start of the range. */
  start: Date;
  /** Exclusive end of the range. */
  end: Date;
  /** Rows to return: the query fetches one more to tell whether a next page exists. */
  limit: number;
  /** Rows to skip. */
  offset: number;
  /** "Now" for relative dates in the query. */
  now: Date;
  /** Issue ids and release versions the query's filters need ({@link datasetLookupNeeds}); default none. */
  lookups?: DatasetLookups;
  /**
   * The transaction thresholds configured for the request's projects (`apdex()` and kin
   * without a threshold argument, `project_threshold_config`); default none (Sentry's default).
   */
  thresholds?: TransactionThresholds;
}

/** One answered column: its key in `data` (the field as requested), meta type and unit, decoder. */
export interface OutputColumn {
  field: string;
  /** The column's alias in the SQL result. */
  alias: string;
  type: FieldType;
  unit: string | null;
  decode: Decoder;
  /** True for untyped attributes, whose meta type is the type of the first stored value. */
  dynamicType: boolean;
}

/** A compiled request: SQL with `{name:Type}` placeholders, their values, and the columns. */
export interface CompiledDatasetQuery {
  sql: string;
  params: Record<string, unknown>;
  columns: OutputColumn[];
}

const fail = (message: string): { ok: false; error: SearchError } => ({
  ok: false,
  error: searchError('unsupported', message),
});

/** Sentry's alias of a function (`get_function_alias_with_columns`): `p95(transaction.duration)` → `p95_transaction_duration`. */
export function functionAlias(fn: { name: string; args: readonly string[] }): string {
  return `${fn.name}_${fn.args.join('_').replace(/[^\w]/g, '_')}`.replace(/_+$/, '');
}

/** A selected field: a plain field or function, or an equation. */
type Selected = { text: string; field: ParsedField } | SelectedEquation;

const isPlain = (s: Selected): s is { text: string; field: ParsedField } => 'field' in s;
const isEquationEntry = (s: Selected): s is SelectedEquation => !isPlain(s);

interface InnerColumn {
  alias: string;
  defs: ColumnDef[];
  numeric: boolean;
}

/** The search query of a request parsed with the dataset's search configuration. */
function parseDatasetQuery(dataset: Dataset, query: string, now: Date): SearchResult<SearchTerm[]> {
  return parseSearchQuery(query.trim(), resolveSearchConfig({ now }, dataset.searchConfig));
}

/**
 * What the caller must look up in the metadata store before compiling `query` over `dataset`
 * (`issue:` short ids, the releases of `release.version` and kin): see ./lookups.ts. Errors are
 * the query's syntax errors, as {@link compileDatasetQuery} would answer them.
 */
export function datasetLookupNeeds(dataset: Dataset, query: string, now: Date): SearchResult<LookupNeeds> {
  const terms = parseDatasetQuery(dataset, query, now);
  return terms.ok ? { ok: true, value: lookupNeeds(terms.value) } : terms;
}

/**
 * Compiles `request` over `dataset` (see the module comment). Errors carry Sentry's messages
 * (unknown functions and arguments, invalid characters in a field, sorting, query syntax).
 * Never throws.
 */
export function compileDatasetQuery(
  dataset: Dataset,
  request: DatasetQueryRequest,
): SearchResult<CompiledDatasetQuery> {
  return new Compiler(dataset, request).compile();
}

class Compiler {
  private readonly params = new SqlParams();
  private readonly inner = new Map<string, InnerColumn>();
  private readonly functions = new Map<string, ResolvedFunction>();

  constructor(
    private readonly dataset: Dataset,
    private readonly request: DatasetQueryRequest,
  ) {}

  compile(): SearchResult<CompiledDatasetQuery> {
    const fields = this.selectedFields();
    if (!fields.ok) return fields;
    const selected = fields.value;
    const parsed = selected.filter(isPlain);
    const aggregate =
      parsed.some((p) => p.field.kind === 'function') ||
      selected.some((s) => !isPlain(s) && s.equation.functions.length > 0);

    // Output columns.
    const columns: OutputColumn[] = [];
    const outputs: string[] = [];
    const groupBy: string[] = [];
    for (const [i, entry] of selected.entries()) {
      const alias = `vigil_r${i}`;
      const { text } = entry;
      if (!isPlain(entry)) {
        const sql = equationSql(entry.equation.tree, (node) => this.equationOperand(node), this.params);
        if (!sql.ok) return sql;
        outputs.push(`${sql.value} AS ${alias}`);
        const { type, unit } = equationType(text);
        columns.push({ field: text, alias, type, unit, decode: decoderFor(type), dynamicType: false });
        continue;
      }
      const { field } = entry;
      if (field.kind === 'field') {
        const column = this.innerColumn(field.name);
        if (typeof column === 'string') return fail(column);
        const def = column.defs[0];
        if (def === undefined) return fail(`${field.name} is not a valid field`);
        outputs.push(`${column.alias} AS ${alias}`);
        if (aggregate) groupBy.push(column.alias);
        columns.push({
          field: text,
          alias,
          type: def.type,
          unit: def.unit,
          decode: def.decode ?? decoderFor(def.type),
          dynamicType: def.dynamicType === true,
        });
      } else {
        const resolved = this.resolveFunction(field, text);
        if (!resolved.ok) return resolved;
        outputs.push(`${resolved.value.sql} AS ${alias}`);
        columns.push({
          field: text,
          alias,
          type: resolved.value.type,
          unit: unitOf(text, resolved.value),
          decode: decoderFor(resolved.value.type),
          dynamicType: false,
        });
      }
    }
    if (aggregate) {
      const conflict = this.checkInsideAndOutside(parsed);
      if (conflict !== null) return fail(conflict);
    }

    // Filters.
    const terms = parseDatasetQuery(this.dataset, this.request.query, this.request.now);
    if (!terms.ok) return terms;
    const tree = resolveBooleanConditions(terms.value);
    if (!tree.ok) return tree;
    const split = splitExpression(tree.value);
    const having = this.dataset.aggregateConditions
      ? compileTree(split.having, (leaf) =>
          leaf.type === 'aggregate' ? this.aggregateCondition(leaf, aggregate) : fail('unexpected filter'),
        )
      : { ok: true as const, value: null };
    if (!having.ok) return having;

    const order = this.orderBy(selected, columns, aggregate, groupBy);
    if (!order.ok) return order;

    const branches: string[] = [];
    const filterContext: FilterContext = {
      params: this.params,
      projectIdsBySlug: new Map(this.request.projects.map((p) => [p.slug, p.id])),
      environments: this.request.environments,
      lookups: this.request.lookups ?? NO_LOOKUPS,
    };
    for (const [index, source] of this.dataset.sources.entries()) {
      const where = compileTree(split.where, (leaf) =>
        leaf.type === 'filter' ? compileRowFilter(leaf, source, filterContext) : fail('unexpected aggregate'),
      );
      if (!where.ok) return where;
      const clauses = [
        `${source.projectColumn} IN ${this.params.bind(
          'Array(UInt64)',
          this.request.projects.map((p) => p.id),
        )}`,
        `${source.timeColumn} >= ${this.params.bind("DateTime64(3, 'UTC')", dateTimeParam(this.request.start.getTime()))}`,
        `${source.timeColumn} < ${this.params.bind("DateTime64(3, 'UTC')", dateTimeParam(this.request.end.getTime()))}`,
      ];
      if (this.request.environments.length > 0) {
        clauses.push(
          `${source.environmentColumn} IN ${this.params.bind('Array(String)', [...this.request.environments])}`,
        );
      }
      if (source.where !== null) clauses.push(source.where);
      if (where.value !== null) clauses.push(where.value);
      const selects = [...this.inner.values()].map((c) => {
        const def = c.defs[index];
        const expr =
          def === undefined ? 'NULL' : c.numeric ? numericSelect(def, this.params) : def.select(this.params);
        return `${expr} AS ${c.alias}`;
      });
      if (selects.length === 0) selects.push('1 AS vigil_one');
      branches.push(`SELECT ${selects.join(', ')} FROM ${source.table} WHERE ${clauses.join(' AND ')}`);
    }

    const sql = [
      `SELECT ${outputs.join(', ')}`,
      `FROM (${branches.join(' UNION ALL ')})`,
      groupBy.length > 0 ? `GROUP BY ${groupBy.join(', ')}` : '',
      having.value !== null ? `HAVING ${having.value}` : '',
      order.value.length > 0 ? `ORDER BY ${order.value.join(', ')}` : '',
      `LIMIT ${this.params.bind('UInt64', this.request.limit + 1)} OFFSET ${this.params.bind('UInt64', this.request.offset)}`,
    ]
      .filter((part) => part !== '')
      .join(' ');
    return { ok: true, value: { sql, params: this.params.paramsFor(sql), columns } };
  }

  /**
   * The fields to answer: the requested ones (trimmed, deduplicated; equations parsed and
   * checked), `project_threshold_config` when a function reads it (Sentry's
   * `custom_threshold_columns`), then the automatic ones.
   */
  private selectedFields(): SearchResult<Selected[]> {
    const fields: string[] = [];
    for (const raw of this.request.fields) {
      const text = raw.trim();
      if (text !== '' && !fields.includes(text)) fields.push(text);
    }
    if (fields.length === 0) return fail('No columns selected');
    if (fields.length > MAX_FIELDS) {
      return fail(`You can view up to ${MAX_FIELDS} fields at a time. Please delete some and try again.`);
    }
    const equations = selectEquations(fields);
    if (!equations.ok) return equations;
    const plain = fields.filter((f) => !isEquation(f));
    if (
      this.dataset.functions.has('apdex') &&
      plain.some((f) => CUSTOM_THRESHOLD_COLUMNS.has(f)) &&
      !plain.includes(PROJECT_THRESHOLD_CONFIG)
    ) {
      plain.push(PROJECT_THRESHOLD_CONFIG);
    }
    const aggregate =
      plain.some((f) => parseField(f).kind === 'function') ||
      equations.value.some((e) => e.equation.functions.length > 0);
    if (this.dataset.autoFields && !aggregate) {
      if (!plain.includes('id')) plain.push('id');
      if (!plain.includes('project.id') && !plain.includes('project.name')) plain.push('project.name');
    }
    if (
      this.dataset.preciseTimestamp &&
      plain.includes('timestamp') &&
      !plain.includes('timestamp_precise')
    ) {
      plain.push('timestamp_precise');
    }
    // Requested fields keep their order, equations among them; added fields come last.
    const byText = new Map(equations.value.map((e) => [e.text, e]));
    const selected: Selected[] = fields.map((text) => byText.get(text) ?? { text, field: parseField(text) });
    for (const text of plain.filter((f) => !fields.includes(f)))
      selected.push({ text, field: parseField(text) });
    return { ok: true, value: selected };
  }

  /** The SQL of an equation's field (its numeric inner column) or function (its aggregate). */
  private equationOperand(
    node: Extract<ArithmeticNode, { kind: 'field' | 'function' }>,
  ): SearchResult<string> {
    if (node.kind === 'function') {
      const fn = parseField(node.text);
      if (fn.kind !== 'function') return fail(`${node.text} is not a valid function`);
      const resolved = this.resolveFunction(fn, node.text);
      return resolved.ok ? { ok: true, value: resolved.value.sql } : resolved;
    }
    const column = this.functionContext().column(node.name);
    if (typeof column === 'string') return fail(column);
    if (column.numericExpr === null) return fail(`${node.name} is not a numeric column`);
    return { ok: true, value: column.numericExpr };
  }

  /** Registers field `name` (or its numeric form) as a column of the inner SELECT. */
  private innerColumn(name: string, numeric = false): InnerColumn | string {
    const key = numeric ? `${name}\u0000numeric` : name;
    const existing = this.inner.get(key);
    if (existing !== undefined) return existing;
    const thresholds = this.request.thresholds ?? NO_THRESHOLDS;
    const configured = thresholds.projects.length + thresholds.transactions.length;
    const threshold = name === PROJECT_THRESHOLD_CONFIG && this.dataset.functions.has('apdex');
    if (threshold && configured > MAX_QUERYABLE_TRANSACTION_THRESHOLDS) {
      return `Exceeded ${MAX_QUERYABLE_TRANSACTION_THRESHOLDS} configured transaction thresholds limit, try with fewer Projects.`;
    }
    const defs: ColumnDef[] = [];
    for (const source of this.dataset.sources) {
      const def = threshold ? thresholdConfigColumn(source, thresholds) : source.column(name);
      if (def === null) return `Invalid characters in field ${name}`;
      defs.push(def);
    }
    const column: InnerColumn = { alias: `vigil_c${this.inner.size}`, defs, numeric };
    this.inner.set(key, column);
    return column;
  }

  private functionContext(): FunctionContext {
    const interval = Math.max(1, (this.request.end.getTime() - this.request.start.getTime()) / 1000);
    const context: FunctionContext = {
      column: (name): ArgumentColumn | string => {
        const plain = this.innerColumn(name);
        if (typeof plain === 'string') return plain;
        const def = plain.defs[0];
        if (def === undefined) return `${name} is not a valid column`;
        const isNumeric = NUMERIC_TYPES.has(def.type) || def.numeric !== undefined;
        let numericExpr: string | null = null;
        if (isNumeric) {
          const numericColumn = NUMERIC_TYPES.has(def.type) ? plain : this.innerColumn(name, true);
          if (typeof numericColumn === 'string') return numericColumn;
          numericExpr = numericColumn.alias;
        }
        return { expr: plain.alias, numericExpr, type: def.type, unit: def.unit };
      },
      bind: (type, value) => this.params.bind(type, value),
      intervalSeconds: interval,
      defaultNumericColumn: this.dataset.defaultNumericColumn,
      statusField: this.dataset.statusField,
      projectThreshold: () => {
        const config = this.innerColumn(PROJECT_THRESHOLD_CONFIG);
        if (typeof config === 'string') return config;
        const duration = context.column('transaction.duration');
        if (typeof duration === 'string') return duration;
        const lcp = context.column('measurements.lcp');
        if (typeof lcp === 'string') return lcp;
        // `_project_threshold_multi_if_function`: the LCP for `lcp` thresholds, else the duration.
        return {
          threshold: `tupleElement(${config.alias}, 2)`,
          value: `if(tupleElement(${config.alias}, 1) = 'lcp', ${lcp.numericExpr ?? 'NULL'}, ${duration.numericExpr ?? 'NULL'})`,
        };
      },
    };
    return context;
  }

  private resolveFunction(
    fn: Extract<ParsedField, { kind: 'function' }>,
    text: string,
  ): SearchResult<ResolvedFunction> {
    const alias = functionAlias(fn);
    const known = this.functions.get(alias);
    if (known !== undefined) return { ok: true, value: known };
    const resolved = resolveFunction(fn, text, this.dataset.functions, this.functionContext());
    if (resolved.ok) this.functions.set(alias, resolved.value);
    return resolved;
  }

  /** `validate_aggregate_arguments`: a selected field may not also be a function's column. */
  private checkInsideAndOutside(parsed: Array<{ text: string; field: ParsedField }>): string | null {
    const plain = parsed.flatMap((p) => (p.field.kind === 'field' ? [p.field.name] : []));
    for (const name of plain) {
      const conflicting = parsed.filter((p) => {
        if (p.field.kind !== 'function') return false;
        return this.functions.get(functionAlias(p.field))?.columns.includes(name) ?? false;
      });
      if (conflicting.length > 0) {
        const listed = conflicting
          .slice(0, 2)
          .map((p) => p.text)
          .join(', ');
        const more = conflicting.length > 2 ? ` and ${conflicting.length - 2} more.` : '';
        return `A single field cannot be used both inside and outside a function in the same query. To use ${name} you must first remove the function(s): ${listed}${more}`;
      }
    }
    return null;
  }

  /** An aggregate filter as a HAVING condition over its function (values already in ms, bytes, fractions). */
  private aggregateCondition(filter: AggregateFilter, aggregate: boolean): SearchResult<string> {
    const parsed = parseField(filter.key);
    if (parsed.kind !== 'function') return fail(`${filter.key} is not a valid function`);
    const resolved = this.resolveFunction(parsed, filter.key);
    if (!resolved.ok) return resolved;
    if (!aggregate) {
      return fail(
        `Aggregate ${functionAlias(parsed)} used in a condition but is not a selected column, and could not be automatically added.`,
      );
    }
    const expr = resolved.value.sql;
    const { operator: op, value } = filter;
    if (value.kind === 'text' && value.value === '' && (op === '=' || op === '!=')) {
      return { ok: true, value: op === '=' ? `isNull(${expr})` : `isNotNull(${expr})` };
    }
    if (value.kind === 'date' && op !== 'IN' && op !== 'NOT IN') {
      return {
        ok: true,
        value: `${expr} ${op} ${this.params.bind("DateTime64(3, 'UTC')", dateTimeParam(value.value))}`,
      };
    }
    if (value.kind === 'number' && op !== 'IN' && op !== 'NOT IN') {
      return { ok: true, value: `${expr} ${op} ${this.params.bind('Float64', value.value)}` };
    }
    if (value.kind === 'numberList') {
      const cond = `toFloat64(${expr}) IN ${this.params.bind('Array(Float64)', value.values)}`;
      return { ok: true, value: op === 'NOT IN' ? sqlNot(cond) : cond };
    }
    return fail(`Invalid aggregate query condition: ${filter.key}`);
  }

  /**
   * ORDER BY: each `sort` names a selected field or function (EAP datasets may also sort plain
   * queries by any field), then a tie-breaker so pages are stable (the id for plain queries, the
   * grouped fields for aggregates).
   */
  private orderBy(
    selected: Selected[],
    columns: OutputColumn[],
    aggregate: boolean,
    groupBy: string[],
  ): SearchResult<string[]> {
    const sorts = this.request.sort.map((s) => s.trim()).filter((s) => s !== '' && s !== '-');
    const explicit = sorts.length > 0;
    if (!explicit && !aggregate) sorts.push(this.dataset.defaultSort);
    const order: string[] = [];
    for (const sort of sorts) {
      const direction = sort.startsWith('-') ? 'DESC' : 'ASC';
      const bare = sort.replace(/^-/, '');
      const equation = sortedEquation(bare, selected.filter(isEquationEntry));
      if (equation !== null && !equation.ok) return equation;
      const wanted = parseField(bare);
      // A function sorts by its text or its alias (`-count()` or `-count`), as in Sentry.
      const alias = wanted.kind === 'field' ? wanted.name : functionAlias(wanted);
      const index = selected.findIndex((p) =>
        !isPlain(p)
          ? p === equation?.value
          : equation !== null
            ? false
            : p.field.kind === 'field'
              ? wanted.kind === 'field' && p.field.name === wanted.name
              : functionAlias(p.field) === alias,
      );
      const column = index === -1 ? undefined : columns[index];
      if (column !== undefined) {
        order.push(`${column.alias} ${direction}`);
        continue;
      }
      if (equation !== null) return fail('Cannot sort by a field that is not selected.');
      if (wanted.kind === 'field' && !aggregate && (this.dataset.sortByUnselected || !explicit)) {
        const column = this.innerColumn(wanted.name);
        if (typeof column === 'string') return fail(column);
        order.push(`${column.alias} ${direction}`);
        continue;
      }
      return fail('Cannot sort by a field that is not selected.');
    }
    const first = order[0]?.endsWith('DESC') ? 'DESC' : 'ASC';
    if (!aggregate) {
      const id = this.innerColumn('id');
      if (typeof id !== 'string') order.push(`${id.alias} ${first}`);
    } else {
      order.push(...groupBy.map((g) => `${g} ${first}`));
    }
    return { ok: true, value: order };
  }
}

/** The numeric SQL of a field for function arguments. */
function numericSelect(def: ColumnDef, params: SqlParams): string {
  return def.numeric !== undefined ? def.numeric(params) : def.select(params);
}

/**
 * The unit Sentry answers for a function (`handle_unit_meta`): milliseconds for durations (or
 * the column's unit), the column's unit for sizes, `1/second` / `1/minute` for `eps()` /
 * `epm()` (and `tps()` / `tpm()`) without an explicit interval, none otherwise.
 */
function unitOf(text: string, fn: ResolvedFunction): string | null {
  switch (fn.type) {
    case 'duration':
      return fn.unit ?? 'millisecond';
    case 'size':
      return fn.unit ?? 'byte';
    case 'rate':
      if (text === 'eps()' || text === 'tps()') return '1/second';
      if (text === 'epm()' || text === 'tpm()') return '1/minute';
      return null;
    default:
      return null;
  }
}
