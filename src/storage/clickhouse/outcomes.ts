/**
 * The `outcomes` table: what happened to every item, summed per hour, organization, project,
 * key, outcome, reason and data category (Snuba's `outcomes_hourly`;
 * reference/relay-protocol.md §7). A SummingMergeTree adds rows with the same key when parts
 * merge, so readers always `sum()`: rows of one hour may still be apart. Outcome and category are
 * stored as Relay's numeric ids.
 */
import { DATA_CATEGORIES, type DataCategory } from '../../protocol/data-category.js';
import { OUTCOME_IDS, type OutcomeType } from '../../protocol/outcome.js';
import type { ClickHouseStore } from './client.js';
import type { ClickHouseMigration } from './migrations.js';
import { queryRows, toNumber, toText } from './query-helpers.js';

/** Name of the outcomes table. */
export const OUTCOMES_TABLE = 'outcomes';

const CREATE_OUTCOMES = `CREATE TABLE IF NOT EXISTS ${OUTCOMES_TABLE}
(
    org_id UInt64,
    project_id UInt64,
    key_id UInt64,
    timestamp DateTime('UTC'),
    outcome UInt8,
    reason LowCardinality(String),
    category Int16,
    quantity UInt64,
    times_seen UInt64
)
ENGINE = SummingMergeTree((quantity, times_seen))
PARTITION BY toMonday(timestamp)
ORDER BY (org_id, project_id, key_id, outcome, reason, category, timestamp)
TTL timestamp + toIntervalDay(90)`;

/** Telemetry migration 12: the hourly `outcomes` table (90 days). */
export const OUTCOMES_MIGRATION: ClickHouseMigration = {
  version: 12,
  name: 'create_outcomes',
  statements: [CREATE_OUTCOMES],
};

/** One hourly sum, as written. `hour` is unix seconds at the start of the hour. */
export interface OutcomeRow {
  orgId: number;
  projectId: number;
  keyId: number;
  hour: number;
  outcome: OutcomeType;
  reason: string | null;
  category: DataCategory;
  quantity: number;
  timesSeen: number;
}

/** The JSONEachRow line of an hourly sum. */
export function encodeOutcomeRow(row: OutcomeRow): string {
  return JSON.stringify({
    org_id: row.orgId,
    project_id: row.projectId,
    key_id: row.keyId,
    timestamp: row.hour,
    outcome: OUTCOME_IDS[row.outcome],
    reason: row.reason ?? '',
    category: DATA_CATEGORIES[row.category],
    quantity: row.quantity,
    times_seen: row.timesSeen,
  });
}

/** A dimension outcomes can be grouped by (Sentry's stats_v2 `groupBy`). */
export type OutcomeDimension = 'outcome' | 'category' | 'reason' | 'project' | 'key_id';

const DIMENSION_COLUMNS: Record<OutcomeDimension, string> = {
  outcome: 'outcome',
  category: 'category',
  reason: 'reason',
  project: 'project_id',
  key_id: 'key_id',
};

/** What to read: one organization, a time range and optional filters, grouped and bucketed. */
export interface OutcomeQuery {
  orgId: number;
  /** Restrict to these projects; absent = all of the organization's. */
  projectIds?: readonly number[];
  /** Range [start, end) in unix seconds. */
  start: number;
  end: number;
  /** Bucket width in seconds (a multiple of 3600 reads the hourly rows exactly). */
  interval: number;
  groupBy: readonly OutcomeDimension[];
  outcomes?: readonly OutcomeType[];
  categories?: readonly DataCategory[];
  reasons?: readonly string[];
  keyIds?: readonly number[];
}

/** One result row: the group's dimension values, its bucket (unix seconds) and both sums. */
export interface OutcomeBucket {
  by: Partial<Record<OutcomeDimension, string | number>>;
  bucket: number;
  quantity: number;
  timesSeen: number;
}

const OUTCOME_NAMES = Object.fromEntries(Object.entries(OUTCOME_IDS).map(([k, v]) => [v, k])) as Record<
  number,
  OutcomeType
>;
const CATEGORY_NAMES = Object.fromEntries(Object.entries(DATA_CATEGORIES).map(([k, v]) => [v, k])) as Record<
  number,
  DataCategory
>;

/**
 * Sums `quantity` and `times_seen` per group and bucket. Values come back as names (outcome and
 * category) or numbers (project and key ids). Rejects with the ClickHouse error.
 */
export async function queryOutcomes(
  store: Pick<ClickHouseStore, 'client'>,
  q: OutcomeQuery,
): Promise<OutcomeBucket[]> {
  const where = ['org_id = {org:UInt64}', 'timestamp >= {start:UInt32}', 'timestamp < {end:UInt32}'];
  const params: Record<string, unknown> = {
    org: q.orgId,
    start: Math.floor(q.start),
    end: Math.ceil(q.end),
    interval: q.interval,
  };
  if (q.projectIds) {
    where.push('project_id IN {projects:Array(UInt64)}');
    params.projects = q.projectIds;
  }
  if (q.outcomes?.length) {
    where.push('outcome IN {outcomes:Array(UInt8)}');
    params.outcomes = q.outcomes.map((o) => OUTCOME_IDS[o]);
  }
  if (q.categories?.length) {
    where.push('category IN {categories:Array(Int16)}');
    params.categories = q.categories.map((c) => DATA_CATEGORIES[c]);
  }
  if (q.reasons?.length) {
    where.push('reason IN {reasons:Array(String)}');
    params.reasons = q.reasons;
  }
  if (q.keyIds?.length) {
    where.push('key_id IN {keys:Array(UInt64)}');
    params.keys = q.keyIds;
  }
  const dims = q.groupBy.map((d) => `${DIMENSION_COLUMNS[d]} AS ${d}`);
  const rows = await queryRows(
    store,
    `SELECT ${[...dims, 'intDiv(toUInt32(timestamp), {interval:UInt32}) * {interval:UInt32} AS bucket'].join(', ')},
            sum(quantity) AS quantity, sum(times_seen) AS times_seen
     FROM ${OUTCOMES_TABLE}
     WHERE ${where.join(' AND ')}
     GROUP BY ${[...q.groupBy, 'bucket'].join(', ')}
     ORDER BY bucket`,
    params,
  );
  return rows.map((row) => {
    const by: OutcomeBucket['by'] = {};
    for (const d of q.groupBy) {
      if (d === 'outcome') by.outcome = OUTCOME_NAMES[toNumber(row.outcome)] ?? String(row.outcome);
      else if (d === 'category') by.category = CATEGORY_NAMES[toNumber(row.category)] ?? 'unknown';
      else if (d === 'reason') by.reason = toText(row.reason);
      else by[d] = toNumber(row[d]);
    }
    return {
      by,
      bucket: toNumber(row.bucket),
      quantity: toNumber(row.quantity),
      timesSeen: toNumber(row.times_seen),
    };
  });
}
