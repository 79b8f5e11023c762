/**
 * Errors of the search module: one discriminated union, each with Sentry's message text
 * (`InvalidSearchQuery` messages of `src/sentry/api/event_search.py` and
 * `src/sentry/search/events/builder/base.py`) and, where known, the query span it is about.
 * Reference: reference/sentry-semantics.md §1.4.
 */
import type { TokenLocation } from './tokens.js';

/**
 * A search error.
 * - `parse_error`: the grammar cannot consume the query (stray parenthesis, newline outside quotes).
 * - `invalid_filter`: a filter's key or value is wrong for its type (quotes, empty value, number…).
 * - `invalid_boolean`: misplaced `AND`/`OR`, or `OR` mixing aggregate and plain filters.
 * - `unsupported`: valid syntax this search does not support (booleans, aggregates, `is:`, a key).
 */
export interface SearchError {
  type: 'parse_error' | 'invalid_filter' | 'invalid_boolean' | 'unsupported';
  /** The user-facing message (Sentry's wording where Sentry has one). */
  message: string;
  /** The span of the query the error is about; null when it concerns the whole query. */
  position: TokenLocation | null;
}

/** A value or a {@link SearchError}. */
export type SearchResult<T> = { ok: true; value: T } | { ok: false; error: SearchError };

/** Builds a {@link SearchError}. */
export function searchError(
  type: SearchError['type'],
  message: string,
  position: TokenLocation | null = null,
): SearchError {
  return { type, message, position };
}

/**
 * The backend's parse error for a query the grammar stops consuming at `offset`
 * (`parse_search_query`): parsimonious' 1-based column (counted from the last newline before
 * the offset) and the ten characters around that column, exactly as Sentry slices them.
 */
export function parseErrorAt(query: string, offset: number): SearchError {
  const lastNewline = offset > 0 ? query.lastIndexOf('\n', offset - 1) : -1;
  const column = lastNewline === -1 ? offset + 1 : offset - lastNewline;
  const around = query.slice(Math.max(0, column - 5), column) + query.slice(column, column + 5);
  return searchError(
    'parse_error',
    `Parse error at '${around}' (column ${column}). This is commonly caused by unmatched parentheses. Enclose any text in double quotes.`,
    { start: offset, end: Math.min(query.length, offset + 1) },
  );
}
