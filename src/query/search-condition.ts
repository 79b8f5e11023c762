/**
 * One parameterised SQL condition from a search query with `AND` / `OR` and parentheses: parse,
 * resolve the boolean structure (Sentry's `resolve_boolean_conditions`, boolean.ts), then join the
 * compiled filters. Each search (replays, an issue's events) supplies only how one filter compiles.
 */
import { resolveBooleanConditions, type SearchExpression } from './boolean.js';
import type { SearchConfig, SearchConfigInput } from './config.js';
import type { SearchResult } from './errors.js';
import { parseSearchQuery, type AggregateFilter, type SearchFilter } from './filters.js';
import { SqlParams, sqlAnd, sqlOr, type SqlFragment } from './sql.js';

/** Compiles one filter of the query to SQL text, binding its values in `params`. */
export type FilterCompiler = (
  filter: SearchFilter | AggregateFilter,
  params: SqlParams,
) => SearchResult<string>;

/**
 * The condition `query` means under `config`, with `compileFilter` for each filter, or `null` for
 * an empty query. Parse, boolean and filter errors come back as they are (Sentry's messages and
 * positions). Never throws.
 */
export function compileSearchCondition(
  query: string,
  config: SearchConfigInput | SearchConfig,
  compileFilter: FilterCompiler,
): SearchResult<SqlFragment | null> {
  const terms = parseSearchQuery(query, config);
  if (!terms.ok) return terms;
  const tree = resolveBooleanConditions(terms.value);
  if (!tree.ok) return tree;
  if (tree.value === null) return { ok: true, value: null };
  const params = new SqlParams();
  const sql = compileTree(tree.value, params, compileFilter);
  if (!sql.ok) return sql;
  return { ok: true, value: { sql: sql.value, params: params.paramsFor(sql.value) } };
}

function compileTree(
  expression: SearchExpression,
  params: SqlParams,
  compileFilter: FilterCompiler,
): SearchResult<string> {
  if (expression.type !== 'and' && expression.type !== 'or') return compileFilter(expression, params);
  const parts: string[] = [];
  for (const child of expression.children) {
    const part = compileTree(child, params, compileFilter);
    if (!part.ok) return part;
    parts.push(part.value);
  }
  return { ok: true, value: (expression.type === 'and' ? sqlAnd(parts) : sqlOr(parts)) ?? '1' };
}
