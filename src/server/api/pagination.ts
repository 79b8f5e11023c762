/**
 * Sentry's cursor pagination: `?cursor=<value>:<offset>:<is_prev>` and a `Link` header
 * with `rel="previous"` and `rel="next"` entries carrying `results="true|false"` and the
 * cursor (sentry `src/sentry/api/paginator.py`, `src/sentry/utils/cursors.py`). Vigil's
 * cursors are offsets into a stable sort, value 0.
 */

/** A parsed cursor: the offset of the first row to return. */
export interface Cursor {
  offset: number;
}

/** Parses `0:<offset>:<is_prev>`; anything unparseable starts at 0. */
export function parseCursor(raw: unknown): Cursor {
  if (typeof raw !== 'string') return { offset: 0 };
  const parts = raw.split(':');
  const offset = Number(parts[1]);
  return { offset: Number.isInteger(offset) && offset > 0 ? offset : 0 };
}

/** Clamps `per_page`/`limit` to 1..max (default `dflt`). */
export function parseLimit(raw: unknown, dflt = 25, max = 100): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) return dflt;
  return Math.min(n, max);
}

/**
 * Builds the `Link` header for a page starting at `offset` with `limit` rows, where
 * `hasMore` says whether another page follows. `url` is the request URL (absolute).
 */
export function linkHeader(url: URL, offset: number, limit: number, hasMore: boolean): string {
  const link = (cursorOffset: number, isPrev: 0 | 1, rel: string, results: boolean): string => {
    const u = new URL(url);
    const cursor = `0:${cursorOffset}:${isPrev}`;
    u.searchParams.set('cursor', cursor);
    return `<${u.toString()}>; rel="${rel}"; results="${results}"; cursor="${cursor}"`;
  };
  return [
    link(Math.max(0, offset - limit), 1, 'previous', offset > 0),
    link(offset + limit, 0, 'next', hasMore),
  ].join(', ');
}

/** A page of a list request: rows `offset..offset+limit-1`. */
export interface PageRequest {
  offset: number;
  limit: number;
}

/**
 * The page a list request asks for: `cursor` (offset) and `per_page` (1..100, default 100, as
 * Sentry's `Endpoint.paginate`).
 */
export function pageRequest(query: unknown): PageRequest {
  const q = (query ?? {}) as Record<string, unknown>;
  return { offset: parseCursor(q.cursor).offset, limit: parseLimit(q.per_page, 100, 100) };
}

/**
 * Answers one page: `rows` were fetched with `limit + 1` so the extra row tells whether a next
 * page exists; sets the `Link` header (built on `url`, the request's absolute URL) and returns the
 * page's rows.
 */
export function pageOf<T>(
  reply: { header(name: string, value: string): unknown },
  url: URL,
  page: PageRequest,
  rows: readonly T[],
): T[] {
  reply.header('Link', linkHeader(url, page.offset, page.limit, rows.length > page.limit));
  return rows.slice(0, page.limit);
}
