/**
 * Filters of a dataset query: the boolean expression of a parsed query (../boolean.ts) split
 * into row conditions (WHERE, per source) and aggregate conditions (HAVING), and each row filter
 * compiled on the field a source stores (./types.ts `FieldFilter`). Every value is a bound
 * parameter. Semantics follow Sentry's query builder (`src/sentry/search/events/builder/base.py`,
 * `default_filter_converter`, `_message_filter_converter`, `_project_slug_filter_converter`):
 * wildcards through the shared text matcher, `has:` as set / not set, `!=` on nullable numbers
 * also matching unset values, the project slug through the selected projects.
 */
import type { SearchExpression } from '../boolean.js';
import { searchError, type SearchError, type SearchResult } from '../errors.js';
import { compileEventCondition } from '../event-fields.js';
import type { AggregateFilter, SearchFilter, SearchValue } from '../filters.js';
import { sqlAnd, sqlNot, sqlOr, type SqlParams } from '../sql.js';
import { orOf, textMatcher, textValues } from '../text-match.js';
import { isWildcard, literalValue } from '../values.js';
import { compileAttributeFilter } from './attributes.js';
import { issueIdFilter, releaseStageFilter, releaseVersionFilter, type DatasetLookups } from './lookups.js';
import type { FieldFilter, Source } from './types.js';

/** What compiling a row filter needs besides the filter. */
export interface FilterContext {
  params: SqlParams;
  /** The request's projects, by slug (for `project:slug`). */
  projectIdsBySlug: ReadonlyMap<string, number>;
  /** The request's environments (`release.stage` needs exactly one). */
  environments: readonly string[];
  /** Issue ids and release versions looked up for the query. */
  lookups: DatasetLookups;
}

type Cond = SearchResult<string>;
const ok = (value: string): Cond => ({ ok: true, value });

function failure(
  message: string,
  filter: { location?: SearchFilter['location'] },
): { ok: false; error: SearchError } {
  return { ok: false, error: searchError('invalid_filter', message, filter.location ?? null) };
}

/** A query's expression split into its row part and its aggregate part (either may be null). */
export interface SplitExpression {
  where: SearchExpression | null;
  having: SearchExpression | null;
}

/**
 * Splits `tree` into row filters and aggregate filters. AND nodes split child by child; an OR
 * node is wholly one or the other (../boolean.ts rejects an OR mixing the two).
 */
export function splitExpression(tree: SearchExpression | null): SplitExpression {
  if (tree === null) return { where: null, having: null };
  if (tree.type === 'filter') return { where: tree, having: null };
  if (tree.type === 'aggregate') return { where: null, having: tree };
  if (tree.type === 'or') {
    return hasAggregate(tree) ? { where: null, having: tree } : { where: tree, having: null };
  }
  const where: SearchExpression[] = [];
  const having: SearchExpression[] = [];
  for (const child of tree.children) {
    const split = splitExpression(child);
    if (split.where !== null) where.push(split.where);
    if (split.having !== null) having.push(split.having);
  }
  const join = (parts: SearchExpression[]): SearchExpression | null =>
    parts.length === 0 ? null : parts.length === 1 ? (parts[0] ?? null) : { type: 'and', children: parts };
  return { where: join(where), having: join(having) };
}

function hasAggregate(e: SearchExpression): boolean {
  if (e.type === 'and' || e.type === 'or') return e.children.some(hasAggregate);
  return e.type === 'aggregate';
}

/**
 * Compiles an expression tree with `leaf` for its leaves, AND / OR as SQL, parenthesised.
 * Returns null for an empty tree; the first failing leaf's error otherwise.
 */
export function compileTree(
  tree: SearchExpression | null,
  leaf: (e: SearchFilter | AggregateFilter) => Cond,
): SearchResult<string | null> {
  if (tree === null) return { ok: true, value: null };
  if (tree.type === 'and' || tree.type === 'or') {
    const parts: string[] = [];
    for (const child of tree.children) {
      const compiled = compileTree(child, leaf);
      if (!compiled.ok) return compiled;
      if (compiled.value !== null) parts.push(compiled.value);
    }
    return { ok: true, value: tree.type === 'and' ? sqlAnd(parts) : sqlOr(parts) };
  }
  return leaf(tree);
}

/**
 * Compiles one row filter on `source`. Unknown keys are those the source cannot read
 * (`Invalid key for this search: <key>`); keys it reads but cannot filter on are
 * `<key> cannot be used in a query`.
 */
export function compileRowFilter(filter: SearchFilter, source: Source, ctx: FilterContext): Cond {
  const column = source.column(filter.key);
  if (column === null) return failure(`Invalid key for this search: ${filter.key}`, filter);
  if (column.filter === null) return failure(`${filter.key} cannot be used in a query`, filter);
  return compileFieldFilter(filter, column.filter, ctx);
}

/** Compiles `filter` against how a field filters (see `FieldFilter`). */
export function compileFieldFilter(filter: SearchFilter, target: FieldFilter, ctx: FilterContext): Cond {
  const { params } = ctx;
  switch (target.kind) {
    case 'event':
      return compileEventCondition(filter, target.field, params);
    case 'text':
      return compileEventCondition(
        target.lowercase ? lowerCased(filter) : filter,
        target.hexId ? { kind: 'hexId', column: target.expr } : { kind: 'string', column: target.expr },
        params,
      );
    case 'date':
      return compileEventCondition(filter, { kind: 'datetime', expr: target.expr }, params);
    case 'number':
      return numberFilter(filter, target.expr, params);
    case 'boolean':
      return booleanFilter(filter, target.expr);
    case 'attribute':
      return compileAttributeFilter(filter, target.name, target.type, params);
    case 'freeText':
      return freeTextFilter(filter, target.exprs, params);
    case 'project':
      return projectFilter(filter, target.expr, ctx);
    case 'issue': {
      const ids = issueIdFilter(filter, ctx.lookups);
      return ids.ok ? compileFieldFilter(ids.value, target.ids, ctx) : ids;
    }
    case 'releaseLookup': {
      const release = releaseVersionFilter(filter, ctx.lookups);
      if (!release.ok) return release;
      // No release matches: neither does any event (Sentry's `SEMVER_EMPTY_RELEASE`).
      return release.value === null ? ok('0') : compileFieldFilter(release.value, target.release, ctx);
    }
    case 'releaseStage':
      return { ok: false, error: releaseStageFilter(filter, ctx.environments) };
  }
}

/** The filter with its text values lower-cased (for columns stored in lower case). */
function lowerCased(filter: SearchFilter): SearchFilter {
  const v = filter.value;
  if (v.kind === 'text') return { ...filter, value: { kind: 'text', value: v.value.toLowerCase() } };
  if (v.kind === 'textList') {
    return { ...filter, value: { kind: 'textList', values: v.values.map((s) => s.toLowerCase()) } };
  }
  return filter;
}

const polarity = (op: SearchFilter['operator']): 'pos' | 'neg' | null =>
  op === '=' || op === 'IN' ? 'pos' : op === '!=' || op === 'NOT IN' ? 'neg' : null;

/**
 * Numbers: comparisons and lists bind Float64 parameters; `has:` is "not NULL"; `!=` and
 * `NOT IN` also match NULL (an unset value), as Sentry ORs `isNull` into negated conditions on
 * nullable columns.
 */
function numberFilter(filter: SearchFilter, expr: string, params: SqlParams): Cond {
  const { operator: op, value } = filter;
  const pol = polarity(op);
  if (value.kind === 'text' && value.value === '' && pol !== null) {
    return ok(pol === 'pos' ? `isNull(${expr})` : `isNotNull(${expr})`);
  }
  const orNull = (cond: string): string => (pol === 'neg' ? `(isNull(${expr}) OR ${cond})` : cond);
  if (value.kind === 'number') {
    return ok(orNull(`${expr} ${op} ${params.bind('Float64', value.value)}`));
  }
  if (value.kind === 'numberList') {
    const p = params.bind('Array(Float64)', value.values);
    return ok(orNull(`${expr} ${op === 'NOT IN' ? 'NOT IN' : 'IN'} ${p}`));
  }
  return failure(
    `${filter.key}: Invalid number: ${describe(value)}. Expected number then optional k, m, or b suffix (e.g. 500k).`,
    filter,
  );
}

const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = { true: true, '1': true, false: false, '0': false };

/** Booleans (`true|false|1|0`, also as text for keys the parser did not type). */
function booleanFilter(filter: SearchFilter, expr: string): Cond {
  const { value } = filter;
  const pol = polarity(filter.operator);
  if (pol === null) return failure(`Invalid operator ${filter.operator} for ${filter.key}`, filter);
  if (value.kind === 'text' && value.value === '') {
    return ok(pol === 'pos' ? `isNull(${expr})` : `isNotNull(${expr})`);
  }
  const wanted =
    value.kind === 'boolean'
      ? value.value
      : value.kind === 'text' && Object.hasOwn(BOOLEAN_TEXT, value.value.toLowerCase())
        ? BOOLEAN_TEXT[value.value.toLowerCase()]
        : undefined;
  if (wanted === undefined) {
    return failure(
      `${filter.key}: Invalid boolean: ${describe(value)}. Expected true, 1, false, or 0.`,
      filter,
    );
  }
  const cond = `${expr} = ${wanted ? 1 : 0}`;
  return ok(pol === 'neg' ? sqlNot(cond) : cond);
}

/**
 * Free text (and the `message` key of the Discover datasets): a case-insensitive substring of
 * any of `exprs` unless the value has its own wildcards (`_message_filter_converter`).
 */
function freeTextFilter(filter: SearchFilter, exprs: readonly string[], params: SqlParams): Cond {
  const pol = polarity(filter.operator);
  if (pol === null) return failure(`Invalid operator ${filter.operator} for ${filter.key}`, filter);
  const { value } = filter;
  if (value.kind === 'text' && value.value === '') {
    const cond = orOf(exprs.map((e) => `${e} != ''`));
    return ok(pol === 'pos' ? sqlNot(cond) : cond);
  }
  if (value.kind === 'regex') {
    const p = params.bind('String', value.value);
    const cond = orOf(exprs.map((e) => `match(${e}, ${p})`));
    return ok(pol === 'neg' ? sqlNot(cond) : cond);
  }
  const raws = textValues(value);
  if (raws === null) return failure(`Invalid value for ${filter.key}`, filter);
  const cond = orOf(
    raws.map((raw) => {
      const match = textMatcher(isWildcard(raw) ? raw : `*${raw}*`, params);
      return orOf(exprs.map(match));
    }),
  );
  return ok(pol === 'neg' ? sqlNot(cond) : cond);
}

/**
 * `project:slug` / `project:[a, b]`: the ids of those of the request's projects; Sentry's
 * error for a slug that is not one of them.
 */
function projectFilter(filter: SearchFilter, expr: string, ctx: FilterContext): Cond {
  const pol = polarity(filter.operator);
  const raws = textValues(filter.value);
  if (pol === null || raws === null || raws.some(isWildcard)) {
    return failure(`Invalid value for ${filter.key}`, filter);
  }
  const slugs = raws.map(literalValue);
  if (slugs.length === 1 && slugs[0] === '') return ok(pol === 'pos' ? '0' : '1');
  const unknown = slugs.filter((s) => !ctx.projectIdsBySlug.has(s));
  if (unknown.length > 0) {
    return failure(
      `Invalid query. Project(s) ${unknown.join(', ')} do not exist or are not actively selected.`,
      filter,
    );
  }
  const ids = slugs.map((s) => ctx.projectIdsBySlug.get(s) ?? 0);
  return ok(`${expr} ${pol === 'pos' ? 'IN' : 'NOT IN'} ${ctx.params.bind('Array(UInt64)', ids)}`);
}

function describe(value: SearchValue): string {
  switch (value.kind) {
    case 'textList':
    case 'numberList':
      return `[${value.values.join(', ')}]`;
    default:
      return String(value.value);
  }
}
