/**
 * The `feedback` table: user feedback from `feedback` items (feedback events) and legacy
 * `user_report` items (reference/relay-protocol.md §3.4, §14.5), one row per received item, and
 * its readers. Sentry keeps one user report per event and lets a later report replace an earlier
 * one; here every report about an event has the same `feedback_id` (see the user-report pipeline,
 * src/processing/items/feedback/), and an SDK resending a feedback event repeats its id, so
 * readers fold the rows of one id: the latest row's content, the earliest row's `timestamp`.
 * A plain MergeTree keeps every row (a ReplacingMergeTree would drop the earlier rows, even
 * within one insert, and with them the first date). Every user value reaches ClickHouse as a
 * query parameter.
 */
import type { FeedbackFields } from '../../protocol/feedback-columns.js';
import { isJsonObject, type JsonObject } from '../../protocol/json.js';
import type { ClickHouseStore } from './client.js';
import type { ClickHouseMigration } from './migrations.js';
import { parseDateTime, toDateTime64 } from './datetime.js';
import { hexId, projectsPage, queryRows, timeRangeClauses, toNumber, toText } from './query-helpers.js';
import { EVENTS_TABLE } from './events.js';

/** Name of the feedback table. */
export const FEEDBACK_TABLE = 'feedback';

const CREATE_FEEDBACK = `CREATE TABLE IF NOT EXISTS ${FEEDBACK_TABLE}
(
    project_id UInt64,
    feedback_id UUID,
    item_type LowCardinality(String),
    timestamp DateTime64(3, 'UTC'),
    received DateTime64(3, 'UTC'),
    message String,
    contact_email String,
    name String,
    url String,
    source LowCardinality(String),
    associated_event_id String,
    replay_id String,
    trace_id String,
    release String,
    environment LowCardinality(String),
    platform LowCardinality(String),
    level LowCardinality(String),
    user_id String,
    user_email String,
    user_username String,
    user_ip String,
    user_name String,
    tags Nested(key String, value String),
    data String CODEC(ZSTD(3)),
    retention_days UInt16 DEFAULT 90,
    INDEX bf_associated_event_id associated_event_id TYPE bloom_filter GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toMonday(received)
ORDER BY (project_id, feedback_id)
TTL toDateTime(received) + toIntervalDay(retention_days)`;

/**
 * Telemetry migration 6: the `feedback` table, one row per feedback item, ordered by
 * `(project_id, feedback_id)` for the per-id fold, partitioned by week of arrival, expiring after
 * `retention_days` (default 90).
 */
export const FEEDBACK_MIGRATION: ClickHouseMigration = {
  version: 6,
  name: 'create_feedback',
  statements: [CREATE_FEEDBACK],
};

/**
 * One row of `feedback` as inserted (JSONEachRow): times `YYYY-MM-DD hh:mm:ss.sss` UTC, ids 32
 * hex (`''` when absent), absent strings `''`, `data` the feedback event (stored as its JSON text).
 */
export interface FeedbackRow {
  project_id: number;
  feedback_id: string;
  item_type: string;
  timestamp: string;
  received: string;
  message: string;
  contact_email: string;
  name: string;
  url: string;
  source: string;
  associated_event_id: string;
  replay_id: string;
  trace_id: string;
  release: string;
  environment: string;
  platform: string;
  level: string;
  user_id: string;
  user_email: string;
  user_username: string;
  user_ip: string;
  user_name: string;
  'tags.key': string[];
  'tags.value': string[];
  data: JsonObject;
  retention_days: number;
}

/**
 * What a row is built from: the shared {@link FeedbackFields} plus the item type, times (Unix
 * seconds), tags and event, named as in `ProcessedFeedback` of the feedback pipeline
 * (src/processing/items/feedback/) so one can be passed as is.
 */
export interface FeedbackRowInput extends FeedbackFields {
  itemType: string;
  timestamp: number;
  receivedAt: number;
  tags: ReadonlyArray<readonly [string, string]>;
  event: JsonObject;
}

/** Builds the row of `input`; retention default 90 days. */
export function feedbackRow(input: FeedbackRowInput, retentionDays = 90): FeedbackRow {
  return {
    project_id: input.projectId,
    feedback_id: input.feedbackId,
    item_type: input.itemType,
    timestamp: toDateTime64(new Date(Math.round(input.timestamp * 1000))),
    received: toDateTime64(new Date(Math.round(input.receivedAt * 1000))),
    message: input.message,
    contact_email: input.contactEmail,
    name: input.name,
    url: input.url,
    source: input.source,
    associated_event_id: input.associatedEventId,
    replay_id: input.replayId,
    trace_id: input.traceId,
    release: input.release,
    environment: input.environment,
    platform: input.platform,
    level: input.level,
    user_id: input.user.id,
    user_email: input.user.email,
    user_username: input.user.username,
    user_ip: input.user.ipAddress,
    user_name: input.user.name,
    'tags.key': input.tags.map(([key]) => key),
    'tags.value': input.tags.map(([, value]) => value),
    data: input.event,
    retention_days: retentionDays,
  };
}

/** JSON line of a row, for `BatchSink<string>` with `jsonLinesWriter(store, FEEDBACK_TABLE)`. */
export function encodeFeedbackRow(row: FeedbackRow): string {
  return JSON.stringify(row);
}

/** A feedback as read back (its rows folded, see the module comment): {@link FeedbackFields} and more. */
export interface StoredFeedback extends FeedbackFields {
  itemType: string;
  /** When the feedback was first given. */
  timestamp: Date;
  /** When its latest row arrived. */
  received: Date;
  tags: Array<[string, string]>;
  /** The feedback event; `{}` if the stored text was not a JSON object. */
  data: JsonObject;
}

/** Options of {@link listFeedback}. */
export interface ListFeedbackOptions {
  /** Projects to read; an empty list matches nothing. */
  projectIds: readonly number[];
  /** Inclusive lower bound on `timestamp`. */
  start?: Date;
  /** Exclusive upper bound on `timestamp`. */
  end?: Date;
  /** Only these environments; absent or empty = all. */
  environments?: readonly string[];
  /** Only feedback about this event (32 hex, dashes and case ignored). */
  associatedEventId?: string;
  /** Only feedback about some event (`associated_event_id` set). */
  linkedOnly?: boolean;
  /** Page size; clamped to 0..10 000. */
  limit: number;
  /** Feedback to skip (an offset cursor); default 0. */
  cursor?: number;
}

/** The latest value of a column among the rows of one feedback. */
const latest = (column: string, alias: string): string => `argMax(${column}, received) AS ${alias}`;

const FOLDED_COLUMNS = [
  'project_id',
  "replaceAll(toString(feedback_id), '-', '') AS vigil_id",
  'min(timestamp) AS vigil_timestamp',
  'max(received) AS vigil_received',
  ...(
    [
      'item_type',
      'message',
      'contact_email',
      'name',
      'url',
      'source',
      'associated_event_id',
      'replay_id',
      'trace_id',
      'release',
      'environment',
      'platform',
      'level',
      'user_id',
      'user_email',
      'user_username',
      'user_ip',
      'user_name',
      'data',
    ] as const
  ).map((c) => latest(c, `vigil_${c}`)),
  latest('`tags.key`', 'vigil_tag_keys'),
  latest('`tags.value`', 'vigil_tag_values'),
].join(',\n       ');

/**
 * A page of feedback of the given projects, newest `timestamp` first (ties by id), like Sentry's
 * feedback lists. Returns `[]` for an empty project list or a malformed `associatedEventId`.
 */
export async function listFeedback(
  store: Pick<ClickHouseStore, 'client'>,
  options: ListFeedbackOptions,
): Promise<StoredFeedback[]> {
  if (options.projectIds.length === 0) return [];
  const { params, where } = projectsPage(options);
  if (options.associatedEventId !== undefined) {
    const hex = hexId(options.associatedEventId);
    if (hex === undefined) return [];
    where.push('associated_event_id = {vigil_associated:String}');
    params.vigil_associated = hex;
  }
  if (options.linkedOnly) where.push("associated_event_id != ''");
  if (options.environments !== undefined && options.environments.length > 0) {
    where.push('environment IN {vigil_environments:Array(String)}');
    params.vigil_environments = [...options.environments];
  }
  const having = timeRangeClauses('vigil_timestamp', options, params);
  const rows = await queryRows(
    store,
    `SELECT ${FOLDED_COLUMNS}
       FROM ${FEEDBACK_TABLE}
      WHERE ${where.join(' AND ')}
      GROUP BY project_id, feedback_id
      ${having.length > 0 ? `HAVING ${having.join(' AND ')}` : ''}
      ORDER BY vigil_timestamp DESC, vigil_id DESC
      LIMIT {vigil_limit:UInt64} OFFSET {vigil_offset:UInt64}`,
    params,
  );
  return rows.map(toStoredFeedback);
}

/**
 * The feedback `feedbackId` (32 hex, dashes and case ignored) of project `projectId`, or null
 * when absent or when the id is malformed.
 */
export async function getFeedback(
  store: Pick<ClickHouseStore, 'client'>,
  projectId: number,
  feedbackId: string,
): Promise<StoredFeedback | null> {
  const hex = hexId(feedbackId);
  if (hex === undefined) return null;
  const rows = await queryRows(
    store,
    `SELECT ${FOLDED_COLUMNS}
       FROM ${FEEDBACK_TABLE}
      WHERE project_id = {vigil_project_id:UInt64} AND feedback_id = {vigil_id:UUID}
      GROUP BY project_id, feedback_id`,
    { vigil_project_id: projectId, vigil_id: hex },
  );
  return rows[0] === undefined ? null : toStoredFeedback(rows[0]);
}

/** What the legacy user-report API shows of the event a feedback is about. */
export interface AssociatedEvent {
  /** 32 hex. */
  eventId: string;
  /** The issue of the event. */
  groupId: number;
  environment: string;
  user: { id: string; email: string; username: string; ipAddress: string; name: string };
}

/**
 * The stored error events among `eventIds` (32 hex; malformed ids are skipped) of project
 * `projectId`, by event id; one query.
 */
export async function getAssociatedEvents(
  store: Pick<ClickHouseStore, 'client'>,
  projectId: number,
  eventIds: readonly string[],
): Promise<Map<string, AssociatedEvent>> {
  const ids = [...new Set(eventIds.map(hexId).filter((id): id is string => id !== undefined))];
  const found = new Map<string, AssociatedEvent>();
  if (ids.length === 0) return found;
  const rows = await queryRows(
    store,
    `SELECT replaceAll(toString(event_id), '-', '') AS vigil_id, group_id, environment,
            user_id, user_email, user_username, user_ip,
            JSONExtractString(data, 'user', 'name') AS vigil_user_name
       FROM ${EVENTS_TABLE}
      WHERE project_id = {vigil_project_id:UInt64} AND event_id IN {vigil_ids:Array(UUID)}
      LIMIT 1 BY event_id`,
    { vigil_project_id: projectId, vigil_ids: ids },
  );
  for (const row of rows) {
    const eventId = toText(row.vigil_id);
    found.set(eventId, {
      eventId,
      groupId: toNumber(row.group_id),
      environment: toText(row.environment),
      user: {
        id: toText(row.user_id),
        email: toText(row.user_email),
        username: toText(row.user_username),
        ipAddress: toText(row.user_ip),
        name: toText(row.vigil_user_name),
      },
    });
  }
  return found;
}

function toStoredFeedback(row: Record<string, unknown>): StoredFeedback {
  const keys = Array.isArray(row.vigil_tag_keys) ? row.vigil_tag_keys : [];
  const values = Array.isArray(row.vigil_tag_values) ? row.vigil_tag_values : [];
  let data: JsonObject = {};
  try {
    const parsed: unknown = JSON.parse(toText(row.vigil_data));
    if (isJsonObject(parsed)) data = parsed;
  } catch {
    // Not JSON: keep `{}` (rows are written by encodeFeedbackRow, so this is a corrupt row).
  }
  return {
    projectId: toNumber(row.project_id),
    feedbackId: toText(row.vigil_id),
    itemType: toText(row.vigil_item_type),
    timestamp: parseDateTime(row.vigil_timestamp),
    received: parseDateTime(row.vigil_received),
    message: toText(row.vigil_message),
    contactEmail: toText(row.vigil_contact_email),
    name: toText(row.vigil_name),
    url: toText(row.vigil_url),
    source: toText(row.vigil_source),
    associatedEventId: toText(row.vigil_associated_event_id),
    replayId: toText(row.vigil_replay_id),
    traceId: toText(row.vigil_trace_id),
    release: toText(row.vigil_release),
    environment: toText(row.vigil_environment),
    platform: toText(row.vigil_platform),
    level: toText(row.vigil_level),
    user: {
      id: toText(row.vigil_user_id),
      email: toText(row.vigil_user_email),
      username: toText(row.vigil_user_username),
      ipAddress: toText(row.vigil_user_ip),
      name: toText(row.vigil_user_name),
    },
    tags: keys.map((key: unknown, i: number): [string, string] => [toText(key), toText(values[i])]),
    data,
  };
}
