/**
 * Everything the issue stream shows of a page of issues' events, in one scan of their events:
 * per issue the aggregates over the request's window (count, distinct users, first and last
 * seen, whether an event was unhandled), the same under the search's conditions, and the event
 * counts per bucket of a stats series, plain and under the conditions. Each part is a `-If`
 * aggregate over the union of the windows, so the page costs one query whatever it asks for
 * (Sentry runs a query per part: `StreamGroupSerializerSnuba` seen stats, filtered, `tsdb.get_range`).
 */
import type { ClickHouseStore } from './client.js';
import { parseDateTime, toDateTime64 } from './datetime.js';
import type { EventFilter } from './events.js';
import { queryRows, toNumber } from './query-helpers.js';

/** Aggregates of an issue over some of its events. */
export interface PageSeenStats {
  count: number;
  /** Distinct non-empty `user` values (ClickHouse `uniq`). */
  userCount: number;
  firstSeen: Date;
  lastSeen: Date;
  /** Whether one of the events had an unhandled exception (`handled = 0`). */
  unhandled: boolean;
}

/** A bucketed series: `[bucket start, events]`, oldest first, zero-filled. */
export type PageSeries = Array<[Date, number]>;

/** What {@link pageGroupStats} computes. */
export interface PageStatsOptions {
  projectIds: readonly number[];
  groupIds: readonly number[];
  /** Only events of these environments; empty or absent = all. */
  environments?: readonly string[];
  /** The window of the aggregates: `start <= timestamp < end`, each bound optional. */
  window: { start?: Date; end?: Date };
  /** The series: buckets of `rollupSeconds` (aligned to the epoch) from `since` to `until` (exclusive). */
  series?: { since: Date; until: Date; rollupSeconds: number };
  /** The search's event conditions; when given, `filtered` and `filteredSeries` are computed. */
  conditions?: EventFilter;
  /** Only events matching this filter count at all (every part is then "filtered"). */
  where?: EventFilter;
}

/** One issue's part of {@link pageGroupStats}; aggregates are absent when no event counts. */
export interface PageGroupStats {
  base?: PageSeenStats;
  filtered?: PageSeenStats;
  series?: PageSeries;
  filteredSeries?: PageSeries;
}

const MAX_BUCKETS = 10_000;

/**
 * The page's aggregates by group id (every requested issue present; its aggregates absent when
 * none of its events count).
 *
 * @throws RangeError when the series spans more than 10 000 buckets (a bug in the caller).
 */
export async function pageGroupStats(
  store: Pick<ClickHouseStore, 'client'>,
  options: PageStatsOptions,
): Promise<Map<number, PageGroupStats>> {
  const buckets = options.series === undefined ? undefined : bucketStarts(options.series);
  const out = new Map<number, PageGroupStats>();
  for (const id of options.groupIds) out.set(id, {});
  if (options.projectIds.length === 0 || options.groupIds.length === 0) return out;

  const params: Record<string, unknown> = {
    vigil_project_ids: [...options.projectIds],
    vigil_group_ids: [...options.groupIds],
  };
  const where = [
    'project_id IN {vigil_project_ids:Array(UInt64)}',
    'group_id IN {vigil_group_ids:Array(UInt64)}',
  ];
  if (options.environments !== undefined && options.environments.length > 0) {
    where.push('environment IN {vigil_environment:Array(String)}');
    params.vigil_environment = [...options.environments];
  }
  const inWindow = rangeCondition('window', options.window, params);
  const seriesRange =
    options.series === undefined
      ? undefined
      : rangeCondition('series', { start: options.series.since, end: options.series.until }, params);
  // The scan covers the union of the window and the series; unbounded when either side is.
  const scan = unionRange(
    options.window,
    options.series && { start: options.series.since, end: options.series.until },
  );
  if (scan.start !== undefined) {
    where.push("timestamp >= {vigil_scan_start:DateTime64(3, 'UTC')}");
    params.vigil_scan_start = toDateTime64(scan.start);
  }
  if (scan.end !== undefined) {
    where.push("timestamp < {vigil_scan_end:DateTime64(3, 'UTC')}");
    params.vigil_scan_end = toDateTime64(scan.end);
  }
  const conditions = options.conditions;
  if (conditions !== undefined) Object.assign(params, conditions.params);
  if (options.where !== undefined) {
    where.push(`(${options.where.sql})`);
    Object.assign(params, options.where.params);
  }

  const columns = [seenColumns('base', inWindow)];
  if (conditions !== undefined) columns.push(seenColumns('filtered', `${inWindow} AND (${conditions.sql})`));
  if (options.series !== undefined && seriesRange !== undefined) {
    params.vigil_step_ms = options.series.rollupSeconds * 1000;
    const bucket =
      '[intDiv(toUnixTimestamp64Milli(timestamp), {vigil_step_ms:UInt64}) * {vigil_step_ms:UInt64}]';
    columns.push(`sumMapIf(${bucket}, [toUInt64(1)], ${seriesRange}) AS vigil_series`);
    if (conditions !== undefined) {
      columns.push(
        `sumMapIf(${bucket}, [toUInt64(1)], ${seriesRange} AND (${conditions.sql})) AS vigil_filtered_series`,
      );
    }
  }
  const rows = await queryRows(
    store,
    `SELECT group_id, ${columns.join(', ')} FROM events WHERE ${where.join(' AND ')} GROUP BY group_id`,
    params,
  );
  for (const r of rows) {
    const entry: PageGroupStats = {};
    const base = seenStats(r, 'base');
    if (base !== undefined) entry.base = base;
    if (conditions !== undefined) {
      const filtered = seenStats(r, 'filtered');
      if (filtered !== undefined) entry.filtered = filtered;
    }
    if (buckets !== undefined) {
      entry.series = fill(buckets, r.vigil_series);
      if (conditions !== undefined) entry.filteredSeries = fill(buckets, r.vigil_filtered_series);
    }
    out.set(toNumber(r.group_id), entry);
  }
  if (buckets !== undefined) {
    for (const entry of out.values()) {
      entry.series ??= fill(buckets, undefined);
      if (conditions !== undefined) entry.filteredSeries ??= fill(buckets, undefined);
    }
  }
  return out;
}

function seenColumns(prefix: string, condition: string): string {
  return [
    `countIf(${condition}) AS vigil_${prefix}_count`,
    `uniqIf(user, ${condition} AND user != '') AS vigil_${prefix}_users`,
    `minIf(timestamp, ${condition}) AS vigil_${prefix}_first`,
    `maxIf(timestamp, ${condition}) AS vigil_${prefix}_last`,
    `countIf(${condition} AND handled = 0) > 0 AS vigil_${prefix}_unhandled`,
  ].join(', ');
}

function seenStats(r: Record<string, unknown>, prefix: string): PageSeenStats | undefined {
  const count = toNumber(r[`vigil_${prefix}_count`]);
  if (count === 0) return undefined;
  return {
    count,
    userCount: toNumber(r[`vigil_${prefix}_users`]),
    firstSeen: parseDateTime(r[`vigil_${prefix}_first`]),
    lastSeen: parseDateTime(r[`vigil_${prefix}_last`]),
    unhandled: toNumber(r[`vigil_${prefix}_unhandled`]) === 1,
  };
}

/** `start <= timestamp < end` over the given bounds (`1` when unbounded), binding `vigil_<name>_*`. */
function rangeCondition(
  name: string,
  range: { start?: Date; end?: Date },
  params: Record<string, unknown>,
): string {
  const parts: string[] = [];
  if (range.start !== undefined) {
    parts.push(`timestamp >= {vigil_${name}_start:DateTime64(3, 'UTC')}`);
    params[`vigil_${name}_start`] = toDateTime64(range.start);
  }
  if (range.end !== undefined) {
    parts.push(`timestamp < {vigil_${name}_end:DateTime64(3, 'UTC')}`);
    params[`vigil_${name}_end`] = toDateTime64(range.end);
  }
  return parts.length === 0 ? '1' : `(${parts.join(' AND ')})`;
}

function unionRange(
  a: { start?: Date; end?: Date },
  b: { start?: Date; end?: Date } | undefined,
): { start?: Date; end?: Date } {
  if (b === undefined) return a;
  const min = (x?: Date, y?: Date) => (x === undefined || y === undefined ? undefined : x < y ? x : y);
  const max = (x?: Date, y?: Date) => (x === undefined || y === undefined ? undefined : x > y ? x : y);
  return { start: min(a.start, b.start), end: max(a.end, b.end) };
}

/** Bucket starts (ms) from `since` rounded down through the bucket holding `until - 1 ms`. */
function bucketStarts(series: { since: Date; until: Date; rollupSeconds: number }): number[] {
  const step = series.rollupSeconds * 1000;
  if (!Number.isSafeInteger(step) || step <= 0)
    throw new RangeError(`invalid rollup ${series.rollupSeconds}`);
  const first = Math.floor(series.since.getTime() / step) * step;
  const last = Math.floor((series.until.getTime() - 1) / step) * step;
  const count = last < first ? 0 : (last - first) / step + 1;
  if (count > MAX_BUCKETS) throw new RangeError(`${count} buckets requested, at most ${MAX_BUCKETS}`);
  return Array.from({ length: count }, (_, i) => first + i * step);
}

/** The zero-filled series of `buckets` from a `sumMap` result (`[[keys], [counts]]`). */
function fill(buckets: readonly number[], value: unknown): PageSeries {
  const counts = new Map<number, number>();
  if (Array.isArray(value) && Array.isArray(value[0]) && Array.isArray(value[1])) {
    const keys = value[0] as unknown[];
    const values = value[1] as unknown[];
    keys.forEach((k, i) => counts.set(toNumber(k), toNumber(values[i])));
  }
  return buckets.map((b) => [new Date(b), counts.get(b) ?? 0]);
}
