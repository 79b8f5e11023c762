/**
 * Small reader helpers shared by the ClickHouse stores (events, check-ins, feedback, ...): running
 * a parameterized query, reading JSONEachRow values, clamping paging numbers, starting a paged
 * list over projects, normalizing UUIDs and bounding a time column. Every user value reaches ClickHouse as a query parameter.
 */
import type { ClickHouseStore } from './client.js';
import { toDateTime64 } from './datetime.js';

/**
 * Runs `query` with `params` (bound as `{name:Type}` placeholders) and returns its rows as
 * JSONEachRow objects. Rejects with the ClickHouse error when the query fails.
 */
export async function queryRows(
  store: Pick<ClickHouseStore, 'client'>,
  query: string,
  params: Record<string, unknown>,
): Promise<Array<Record<string, unknown>>> {
  const result = await store.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return result.json<Record<string, unknown>>();
}

/**
 * A numeric value read back. UInt64 arrives as a JSON number or, with
 * `output_format_json_quote_64bit_integers`, a string. Throws on anything else (a bug: the query
 * selected the wrong column).
 */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value !== '') return Number(value);
  throw new Error(`unexpected ClickHouse numeric value: ${JSON.stringify(value)}`);
}

/** A string value read back; `''` for anything that is not a string. */
export function toText(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** `value` truncated to an integer in [min, max]; `min` when it is not finite. */
export function clampInt(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return min;
  return Math.min(max, Math.max(min, Math.trunc(value)));
}

/** What a paged list over projects gives {@link projectsPage}. */
export interface ProjectsPageOptions {
  projectIds: readonly number[];
  /** Page size, clamped to 0..`maxLimit`. */
  limit: number;
  /** Rows to skip; default 0. */
  cursor?: number;
}

/**
 * The start of a paged list over `options.projectIds`: the query `params` binding
 * `vigil_project_ids`, `vigil_limit` (the limit clamped to 0..`maxLimit`, default 10 000) and
 * `vigil_offset` (the cursor clamped to 0..2^53-1) for a `LIMIT {vigil_limit:UInt64} OFFSET
 * {vigil_offset:UInt64}` tail, and the first `where` clause, `project_id` among them. Callers
 * add their own clauses and parameters to both.
 */
export function projectsPage(
  options: ProjectsPageOptions,
  maxLimit = 10_000,
): { params: Record<string, unknown>; where: string[] } {
  return {
    params: {
      vigil_project_ids: [...options.projectIds],
      vigil_limit: clampInt(options.limit, 0, maxLimit),
      vigil_offset: clampInt(options.cursor ?? 0, 0, Number.MAX_SAFE_INTEGER),
    },
    where: ['project_id IN {vigil_project_ids:Array(UInt64)}'],
  };
}

const HEX_ID = /^[0-9a-f]{32}$/;

/** 32 lowercase hex digits of a UUID given with or without dashes (any case), else undefined. */
export function hexId(id: string): string | undefined {
  const hex = id.replace(/-/g, '').toLowerCase();
  return HEX_ID.test(hex) ? hex : undefined;
}

/**
 * Clauses bounding `column` (a `DateTime64(3, 'UTC')` expression) to [`range.start`,
 * `range.end`), each bound only when given; binds `vigil_start` / `vigil_end` into `params`.
 */
export function timeRangeClauses(
  column: string,
  range: { start?: Date; end?: Date },
  params: Record<string, unknown>,
): string[] {
  const clauses: string[] = [];
  if (range.start !== undefined) {
    clauses.push(`${column} >= {vigil_start:DateTime64(3, 'UTC')}`);
    params.vigil_start = toDateTime64(range.start);
  }
  if (range.end !== undefined) {
    clauses.push(`${column} < {vigil_end:DateTime64(3, 'UTC')}`);
    params.vigil_end = toDateTime64(range.end);
  }
  return clauses;
}

/** Interval starts (unix seconds) from `start` up to `end` (exclusive), `interval` seconds apart. */
export function intervalStarts(start: number, end: number, interval: number): number[] {
  const out: number[] = [];
  for (let t = start; t < end; t += interval) out.push(t);
  return out;
}
