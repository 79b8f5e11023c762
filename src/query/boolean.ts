/**
 * Boolean structure of a filter list: explicit `AND`s dropped (adjacency already means AND),
 * the list split at the first `OR` and both sides resolved recursively — so AND binds tighter
 * than OR (`a b OR c` = `(a AND b) OR c`) — and parenthesised groups resolved as sub-lists.
 * Follows `resolve_boolean_conditions` of `src/sentry/search/events/builder/base.py`, including
 * its validation messages. Reference: reference/sentry-semantics.md §1.4.
 */
import { searchError, type SearchResult } from './errors.js';
import type { AggregateFilter, SearchFilter, SearchTerm } from './filters.js';

/** A boolean expression over filters; `and`/`or` nodes have at least two children. */
export type SearchExpression =
  | { type: 'and'; children: SearchExpression[] }
  | { type: 'or'; children: SearchExpression[] }
  | SearchFilter
  | AggregateFilter;

/**
 * Resolves a flat term list (from `parseSearchQuery`) into an expression tree; `null` for an
 * empty query. Errors: an operator at either end or two in a row, and an `OR` with aggregate
 * filters on one side and plain filters on the other. Never throws.
 */
export function resolveBooleanConditions(
  terms: readonly SearchTerm[],
): SearchResult<SearchExpression | null> {
  const kept: SearchTerm[] = [];
  let prev: SearchTerm | null = null;
  for (const term of terms) {
    if (term.type === 'operator') {
      if (prev === null) {
        return invalid(`Condition is missing on the left side of '${term.operator}' operator`, term);
      }
      if (prev.type === 'operator') {
        return invalid(
          `Missing condition in between two condition operators: '${prev.operator} ${term.operator}'`,
          term,
        );
      }
    }
    if (!(term.type === 'operator' && term.operator === 'AND')) kept.push(term);
    prev = term;
  }
  if (prev !== null && prev.type === 'operator') {
    return invalid(`Condition is missing on the right side of '${prev.operator}' operator`, prev);
  }

  const orIndex = kept.findIndex((t) => t.type === 'operator' && t.operator === 'OR');
  if (orIndex !== -1) {
    const lhs = resolveBooleanConditions(kept.slice(0, orIndex));
    if (!lhs.ok) return lhs;
    const rhs = resolveBooleanConditions(kept.slice(orIndex + 1));
    if (!rhs.ok) return rhs;
    const sides = [lhs.value, rhs.value].filter((s): s is SearchExpression => s !== null);
    const kinds = new Set(sides.flatMap(leafKinds));
    if (kinds.has('filter') && kinds.has('aggregate')) {
      const op = kept[orIndex];
      return invalid('Having an OR between aggregate filters and normal filters is invalid.', op ?? null);
    }
    return { ok: true, value: combine('or', sides) };
  }

  const parts: SearchExpression[] = [];
  for (const term of kept) {
    if (term.type === 'paren') {
      const inner = resolveBooleanConditions(term.children);
      if (!inner.ok) return inner;
      if (inner.value !== null) parts.push(inner.value);
    } else if (term.type !== 'operator') {
      parts.push(term);
    }
  }
  return { ok: true, value: combine('and', parts) };
}

function invalid(message: string, term: SearchTerm | null): SearchResult<never> {
  return { ok: false, error: searchError('invalid_boolean', message, term?.location ?? null) };
}

/** Joins expressions, flattening nested nodes of the same type. */
function combine(type: 'and' | 'or', parts: SearchExpression[]): SearchExpression | null {
  const children = parts.flatMap((p) => (p.type === type ? p.children : [p]));
  if (children.length === 0) return null;
  if (children.length === 1) return children[0] ?? null;
  return { type, children };
}

function leafKinds(e: SearchExpression): Array<'filter' | 'aggregate'> {
  if (e.type === 'and' || e.type === 'or') return e.children.flatMap(leafKinds);
  return [e.type];
}
