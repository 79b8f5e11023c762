/**
 * Tag and feature-flag distributions of one issue, from its events' `tags` / `flags` nested
 * columns (Sentry's tagstore over Snuba, `src/sentry/tagstore/snuba/backend.py`):
 * - the keys with their event counts and each key's most frequent values
 *   (`get_group_tag_keys_and_top_values`: keys by count, values by count, `LIMIT n BY key`);
 * - one key with its distinct-value count, event count and top values
 *   (`get_group_tag_key` → `__get_tag_key_and_top_values`);
 * - a key's values with count, first and last seen, in one of Sentry's orders
 *   (`get_group_tag_value_paginator`, at most the 1000 most recently seen values).
 * Only non-empty values count, as in Snuba (`tags[k] != ''`).
 */
import type { ClickHouseStore } from './client.js';
import { parseDateTime } from './datetime.js';
import { queryRows, timeRangeClauses, toNumber, toText } from './query-helpers.js';

/** Which nested column to read: event tags or feature flags (`useFlagsBackend=1`). */
export type TagStore = 'tags' | 'flags';

/** The issue and the events of it to read. */
export interface GroupTagScope {
  groupId: number;
  projectId: number;
  /** Only events of these environments; empty or absent = all. */
  environments?: readonly string[];
  /** Inclusive lower / exclusive upper bound on `timestamp`; absent = unbounded. */
  start?: Date;
  end?: Date;
  store: TagStore;
}

/** A value of a key with its events. */
export interface TagValueStats {
  value: string;
  /** Events with this value. */
  count: number;
  firstSeen: Date;
  lastSeen: Date;
}

/** A key of an issue with its events and top values. */
export interface GroupTagKeyStats {
  key: string;
  /** Events with the key. */
  count: number;
  /** Distinct values (only {@link groupTagKey} computes it). */
  uniqueValues?: number;
  /** Most frequent values first. */
  topValues: TagValueStats[];
}

/** A user tag value's user, from its newest event (Sentry's `EventUser` of the tag value). */
export interface TagValueUser {
  id: string;
  email: string;
  username: string;
  ipAddress: string;
}

/** A value of {@link groupTagValues}; `user` only for the `user` key. */
export interface GroupTagValueRow extends TagValueStats {
  user?: TagValueUser;
}

/** Orders of {@link groupTagValues}: Sentry's `sort=date|age|count`, anything else = `-first_seen`. */
export type TagValueSort = 'date' | 'age' | 'count' | 'id';

/** Most values {@link groupTagValues} pages through (Sentry's iterator limit). */
export const MAX_TAG_VALUES = 1000;

function scopeWhere(scope: GroupTagScope): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = {
    vigil_group_id: scope.groupId,
    vigil_project_id: scope.projectId,
  };
  const clauses = ['project_id = {vigil_project_id:UInt64}', 'group_id = {vigil_group_id:UInt64}'];
  if (scope.environments !== undefined && scope.environments.length > 0) {
    clauses.push('environment IN {vigil_environments:Array(String)}');
    params.vigil_environments = [...scope.environments];
  }
  clauses.push(...timeRangeClauses('timestamp', scope, params));
  return { sql: clauses.join(' AND '), params };
}

function valueStats(r: Record<string, unknown>): TagValueStats {
  return {
    value: toText(r.vigil_value),
    count: toNumber(r.vigil_count),
    firstSeen: parseDateTime(r.vigil_first),
    lastSeen: parseDateTime(r.vigil_last),
  };
}

/**
 * The keys (all, or only `keys`) by event count, most first (ties by key), each with its
 * `valueLimit` most frequent values (ties by value).
 */
export async function groupTagKeys(
  store: Pick<ClickHouseStore, 'client'>,
  scope: GroupTagScope,
  options: { keys?: readonly string[]; valueLimit: number },
): Promise<GroupTagKeyStats[]> {
  const where = scopeWhere(scope);
  const nested = scope.store;
  const params: Record<string, unknown> = {
    ...where.params,
    vigil_value_limit: Math.max(0, options.valueLimit),
  };
  let keyFilter = "vigil_value != ''";
  if (options.keys !== undefined) {
    if (options.keys.length === 0) return [];
    keyFilter += ' AND vigil_key IN {vigil_keys:Array(String)}';
    params.vigil_keys = [...options.keys];
  }
  const exploded = `FROM events ARRAY JOIN \`${nested}.key\` AS vigil_key, \`${nested}.value\` AS vigil_value
      WHERE ${where.sql} AND ${keyFilter}`;
  const [keyRows, valueRows] = await Promise.all([
    queryRows(
      store,
      `SELECT vigil_key, count() AS vigil_count ${exploded} GROUP BY vigil_key ORDER BY vigil_count DESC, vigil_key`,
      params,
    ),
    queryRows(
      store,
      `SELECT vigil_key, vigil_value, count() AS vigil_count, min(timestamp) AS vigil_first, max(timestamp) AS vigil_last
         ${exploded}
        GROUP BY vigil_key, vigil_value
        ORDER BY vigil_count DESC, vigil_value
        LIMIT {vigil_value_limit:UInt64} BY vigil_key`,
      params,
    ),
  ]);
  const values = new Map<string, TagValueStats[]>();
  for (const r of valueRows) {
    const key = toText(r.vigil_key);
    values.set(key, [...(values.get(key) ?? []), valueStats(r)]);
  }
  return keyRows.map((r) => {
    const key = toText(r.vigil_key);
    return { key, count: toNumber(r.vigil_count), topValues: values.get(key) ?? [] };
  });
}

/** The key `key` of the issue with its distinct values and `limit` top values; null when no event has it. */
export async function groupTagKey(
  store: Pick<ClickHouseStore, 'client'>,
  scope: GroupTagScope,
  key: string,
  limit: number,
): Promise<GroupTagKeyStats | null> {
  const where = scopeWhere(scope);
  const value = valueOf(scope.store);
  const params = { ...where.params, vigil_key: key, vigil_limit: Math.max(0, limit) };
  const filter = `FROM events WHERE ${where.sql} AND ${value} != ''`;
  const [totals, top] = await Promise.all([
    queryRows(store, `SELECT count() AS vigil_count, uniq(${value}) AS vigil_uniq ${filter}`, params),
    queryRows(
      store,
      `SELECT ${value} AS vigil_value, count() AS vigil_count, min(timestamp) AS vigil_first, max(timestamp) AS vigil_last
         ${filter}
        GROUP BY vigil_value
        ORDER BY vigil_count DESC, vigil_value
        LIMIT {vigil_limit:UInt64}`,
      params,
    ),
  ]);
  const count = totals[0] === undefined ? 0 : toNumber(totals[0].vigil_count);
  if (count === 0) return null;
  return { key, count, uniqueValues: toNumber(totals[0]?.vigil_uniq), topValues: top.map(valueStats) };
}

const VALUE_ORDER: Record<TagValueSort, string> = {
  date: 'vigil_last',
  age: 'vigil_first',
  count: 'vigil_count',
  id: 'vigil_first',
};

/**
 * A page of the values of `key` of the issue, among its 1000 most recently seen values, sorted
 * by last seen (`date`), first seen (`age`, `id`) or count (`count`), highest first, ties by
 * value (highest first, like Sentry's `SequencePaginator`). For the `user` tag each value also
 * carries its user's id, email, username and IP from the newest event.
 */
export async function groupTagValues(
  store: Pick<ClickHouseStore, 'client'>,
  scope: GroupTagScope,
  key: string,
  page: { sort: TagValueSort; limit: number; offset: number },
): Promise<GroupTagValueRow[]> {
  const where = scopeWhere(scope);
  const value = valueOf(scope.store);
  const isUser = scope.store === 'tags' && key === 'user';
  const userColumns = isUser
    ? `, argMax(user_id, timestamp) AS vigil_user_id, argMax(user_email, timestamp) AS vigil_user_email,
         argMax(user_username, timestamp) AS vigil_user_username, argMax(user_ip, timestamp) AS vigil_user_ip`
    : '';
  const rows = await queryRows(
    store,
    `SELECT * FROM (
       SELECT ${value} AS vigil_value, count() AS vigil_count, min(timestamp) AS vigil_first,
              max(timestamp) AS vigil_last${userColumns}
         FROM events
        WHERE ${where.sql} AND ${value} != ''
        GROUP BY vigil_value
        ORDER BY vigil_last DESC, vigil_value
        LIMIT ${MAX_TAG_VALUES})
      ORDER BY ${VALUE_ORDER[page.sort]} DESC, vigil_value DESC
      LIMIT {vigil_limit:UInt64} OFFSET {vigil_offset:UInt64}`,
    {
      ...where.params,
      vigil_key: key,
      vigil_limit: Math.max(0, Math.trunc(page.limit)),
      vigil_offset: Math.max(0, Math.trunc(page.offset)),
    },
  );
  return rows.map((r) => {
    const row: GroupTagValueRow = valueStats(r);
    if (isUser) {
      row.user = {
        id: toText(r.vigil_user_id),
        email: toText(r.vigil_user_email),
        username: toText(r.vigil_user_username),
        ipAddress: toText(r.vigil_user_ip),
      };
    }
    return row;
  });
}

/** The value of the key bound as `vigil_key` (`''` when the event lacks it). */
function valueOf(nested: TagStore): string {
  return `arrayElement(\`${nested}.value\`, indexOf(\`${nested}.key\`, {vigil_key:String}))`;
}
