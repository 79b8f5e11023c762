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
