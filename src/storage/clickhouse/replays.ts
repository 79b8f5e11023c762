/**
 * Session Replay storage (reference/relay-protocol.md §11.4; DESIGN.md "Storage"):
 *
 * - `replays`: Snuba's replays layout (`snuba/datasets/processors/replays_processor.py`,
 *   `snuba/snuba_migrations/replays/`): one row per segment (the replay event's columns) and one
 *   row per click (Sentry's replay actions, `click_*` columns, `segment_id` NULL). Rows are keyed
 *   by `event_hash` (a UUID from the segment id, or from the click) in a ReplacingMergeTree, so a
 *   resent segment collapses; readers also count segments with `uniqExact`.
 * - `replay_recordings`: the rrweb events of each segment (the inflated JSON text, compressed by
 *   ClickHouse with ZSTD) keyed by `(project_id, replay_id, segment_id)`, what Sentry keeps in
 *   object storage; a native replay's video segment is kept beside it (base64, since JSONEachRow
 *   strings carry text).
 *
 * Readers aggregate a replay's rows as Sentry's replay queries do
 * (`src/sentry/replays/query.py`, `QUERY_ALIAS_COLUMN_MAP`): started_at = min start timestamp,
 * finished_at = max timestamp, count_segments, error and trace ids, urls in segment order,
 * activity score, dead/rage click counts. Errors whose `contexts.replay.replay_id` names the replay
 * (the `events.replay_id` column) are linked at read time. Every user value is a query parameter.
 */
import { createHash } from 'node:crypto';
import type { ReplayClick, ReplayClickElement, ReplaySegmentFields } from '../../protocol/replay-columns.js';
import type { ClickHouseStore } from './client.js';
import type { ClickHouseMigration } from './migrations.js';
import { parseDateTime, toDateTime64 } from './datetime.js';
import {
  clampInt,
  hexId,
  projectsPage,
  queryRows,
  timeRangeClauses,
  toNumber,
  toText,
} from './query-helpers.js';
import { EVENTS_TABLE } from './events.js';

/** Name of the segment (and click) table. */
export const REPLAYS_TABLE = 'replays';

/** Name of the recording segment table. */
export const REPLAY_RECORDINGS_TABLE = 'replay_recordings';

const CREATE_REPLAYS = `CREATE TABLE IF NOT EXISTS ${REPLAYS_TABLE}
(
    project_id UInt64,
    replay_id UUID,
    event_hash UUID,
    segment_id Nullable(UInt16),
    event_id String,
    timestamp DateTime64(3, 'UTC'),
    replay_start_timestamp Nullable(DateTime64(3, 'UTC')),
    received DateTime64(3, 'UTC'),
    replay_type LowCardinality(String),
    urls Array(String),
    trace_ids Array(UUID),
    error_ids Array(UUID),
    release String,
    environment LowCardinality(String),
    dist String,
    platform LowCardinality(String),
    user_id String,
    user_name String,
    user_email String,
    user_ip String,
    sdk_name LowCardinality(String),
    sdk_version LowCardinality(String),
    os_name LowCardinality(String),
    os_version String,
    browser_name LowCardinality(String),
    browser_version String,
    device_name String,
    device_brand String,
    device_family String,
    device_model String,
    tags Nested(key String, value String),
    error_sample_rate Float64 DEFAULT -1,
    session_sample_rate Float64 DEFAULT -1,
    click_node_id UInt32 DEFAULT 0,
    click_tag LowCardinality(String),
    click_id String,
    click_class Array(String),
    click_text String,
    click_role LowCardinality(String),
    click_alt String,
    click_testid String,
    click_aria_label String,
    click_title String,
    click_component_name String,
    click_is_dead UInt8 DEFAULT 0,
    click_is_rage UInt8 DEFAULT 0,
    retention_days UInt16 DEFAULT 90,
    INDEX bf_trace_ids trace_ids TYPE bloom_filter GRANULARITY 1,
    INDEX bf_error_ids error_ids TYPE bloom_filter GRANULARITY 1
)
ENGINE = ReplacingMergeTree
PARTITION BY toMonday(timestamp)
ORDER BY (project_id, toStartOfDay(timestamp), cityHash64(replay_id), event_hash)
TTL toDateTime(timestamp) + toIntervalDay(retention_days)`;

const CREATE_REPLAY_RECORDINGS = `CREATE TABLE IF NOT EXISTS ${REPLAY_RECORDINGS_TABLE}
(
    project_id UInt64,
    replay_id UUID,
    segment_id UInt16,
    received DateTime64(3, 'UTC'),
    rrweb String CODEC(ZSTD(3)),
    video String CODEC(ZSTD(3)),
    retention_days UInt16 DEFAULT 90
)
ENGINE = ReplacingMergeTree(received)
PARTITION BY toMonday(received)
ORDER BY (project_id, replay_id, segment_id)
TTL toDateTime(received) + toIntervalDay(retention_days)`;

/** Telemetry migration 10: the `replays` table (segment and click rows). */
export const REPLAYS_MIGRATION: ClickHouseMigration = {
  version: 10,
  name: 'create_replays',
  statements: [CREATE_REPLAYS],
};

/** Telemetry migration 11: the `replay_recordings` table (rrweb segments as ZSTD blobs). */
export const REPLAY_RECORDINGS_MIGRATION: ClickHouseMigration = {
  version: 11,
  name: 'create_replay_recordings',
  statements: [CREATE_REPLAY_RECORDINGS],
};

/**
 * What a segment row is built from; the pipeline's `ProcessedReplayEvent`
 * (src/processing/items/replays/) can be passed as is. Times in Unix seconds, ids 32 hex.
 */
export type ReplaySegmentInput = ReplaySegmentFields;

/** What a click row is built from (the pipeline's `ReplayClick` plus its replay). */
export interface ReplayClickInput {
  projectId: number;
  replayId: string;
  receivedAt: number;
  click: ReplayClick;
}

/** What a recording row is built from (the pipeline's `ProcessedRecording`). */
export interface ReplayRecordingInput {
  projectId: number;
  replayId: string;
  segmentId: number;
  rrweb: string;
  video?: Uint8Array;
  receivedAt: number;
}

const seconds = (s: number): string => toDateTime64(new Date(Math.round(s * 1000)));

/** A UUID from the md5 of `text` (Sentry's `encode_as_uuid`, Snuba's `event_hash`). */
function md5Uuid(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** JSON line of a segment row (`BatchSink<string>` with `jsonLinesWriter(store, REPLAYS_TABLE)`). */
export function encodeReplaySegmentRow(input: ReplaySegmentInput, retentionDays = 90): string {
  return JSON.stringify({
    project_id: input.projectId,
    replay_id: input.replayId,
    event_hash: md5Uuid(String(input.segmentId)),
    segment_id: input.segmentId,
    event_id: input.eventId,
    timestamp: seconds(input.timestamp),
    replay_start_timestamp:
      input.replayStartTimestamp === undefined ? null : seconds(input.replayStartTimestamp),
    received: seconds(input.receivedAt),
    replay_type: input.replayType,
    urls: input.urls,
    trace_ids: input.traceIds,
    error_ids: input.errorIds,
    release: input.release,
    environment: input.environment,
    dist: input.dist,
    platform: input.platform,
    user_id: input.user.id,
    user_name: input.user.username,
    user_email: input.user.email,
    user_ip: input.user.ipAddress,
    sdk_name: input.sdk.name,
    sdk_version: input.sdk.version,
    os_name: input.os.name,
    os_version: input.os.version,
    browser_name: input.browser.name,
    browser_version: input.browser.version,
    device_name: input.device.name,
    device_brand: input.device.brand,
    device_family: input.device.family,
    device_model: input.device.model,
    'tags.key': input.tags.map(([k]) => k),
    'tags.value': input.tags.map(([, v]) => v),
    error_sample_rate: input.errorSampleRate,
    session_sample_rate: input.sessionSampleRate,
    retention_days: retentionDays,
  });
}

/** JSON line of a click row (Sentry's replay actions; `segment_id` NULL). */
export function encodeReplayClickRow(input: ReplayClickInput, retentionDays = 90): string {
  const { click } = input;
  return JSON.stringify({
    project_id: input.projectId,
    replay_id: input.replayId,
    event_hash: md5Uuid(`${input.replayId}${click.timestamp}${click.nodeId}`),
    segment_id: null,
    timestamp: seconds(click.timestamp),
    received: seconds(input.receivedAt),
    click_node_id: click.nodeId,
    click_tag: click.tag,
    click_id: click.id,
    click_class: click.classes,
    click_text: click.text,
    click_role: click.role,
    click_alt: click.alt,
    click_testid: click.testid,
    click_aria_label: click.ariaLabel,
    click_title: click.title,
    click_component_name: click.componentName,
    click_is_dead: click.isDead ? 1 : 0,
    click_is_rage: click.isRage ? 1 : 0,
    retention_days: retentionDays,
  });
}

/** JSON line of a recording row (`jsonLinesWriter(store, REPLAY_RECORDINGS_TABLE)`). */
export function encodeReplayRecordingRow(input: ReplayRecordingInput, retentionDays = 90): string {
  return JSON.stringify({
    project_id: input.projectId,
    replay_id: input.replayId,
    segment_id: input.segmentId,
    received: seconds(input.receivedAt),
    rrweb: input.rrweb,
    video: input.video ? Buffer.from(input.video).toString('base64') : '',
    retention_days: retentionDays,
  });
}

/** One click of a replay as read back. */
export type StoredReplayClick = ReplayClickElement;

/** A replay, its rows aggregated (Sentry's `QUERY_ALIAS_COLUMN_MAP`). */
export interface StoredReplay {
  projectId: number;
  /** 32 hex. */
  replayId: string;
  startedAt: Date | null;
  finishedAt: Date;
  /** Seconds between started and finished. */
  duration: number;
  countSegments: number;
  /** Error ids from the segments' `error_ids` and from error events naming the replay, 32 hex. */
  errorIds: string[];
  countErrors: number;
  traceIds: string[];
  /** In segment order. */
  urls: string[];
  countUrls: number;
  activity: number;
  releases: string[];
  replayType: string;
  platform: string;
  environment: string;
  dist: string;
  user: { id: string; username: string; email: string; ip: string };
  sdk: { name: string; version: string };
  os: { name: string; version: string };
  browser: { name: string; version: string };
  device: { name: string; brand: string; family: string; model: string };
  tags: Array<[string, string]>;
  clicks: StoredReplayClick[];
  countDeadClicks: number;
  countRageClicks: number;
}

/** Sort keys of {@link listReplays} (Sentry's sortable replay fields). */
export const REPLAY_SORTS = [
  'started_at',
  'finished_at',
  'duration',
  'count_errors',
  'count_segments',
  'count_urls',
  'activity',
  'count_dead_clicks',
  'count_rage_clicks',
] as const;

/** One of {@link REPLAY_SORTS}. */
export type ReplaySort = (typeof REPLAY_SORTS)[number];

/** Options of {@link listReplays}. */
export interface ListReplaysOptions {
  /** Projects to read; an empty list matches nothing. */
  projectIds: readonly number[];
  /** Inclusive lower bound on segment timestamps. */
  start?: Date;
  /** Exclusive upper bound on segment timestamps. */
  end?: Date;
  /** Only replays in these environments; absent or empty = all. */
  environments?: readonly string[];
  /** Sort key; default `started_at`. */
  sort?: ReplaySort;
  /** Descending; default true (newest first, Sentry's `-started_at`). */
  descending?: boolean;
  /**
   * A condition on a replay's rows (a compiled replay search, `compileReplaySearch` of
   * src/query/), added to the HAVING clause; its placeholders must not start with `vigil_`.
   */
  search?: { sql: string; params: Record<string, unknown> } | null;
  /** Page size; clamped to 0..1000. */
  limit: number;
  /** Replays to skip (offset cursor); default 0. */
  cursor?: number;
}

/** A value taken from any segment row that has one (Sentry's `take_any_from_aggregation`). */
const anyOf = (column: string, alias: string): string => `anyIf(${column}, ${column} != '') AS ${alias}`;

/**
 * The aggregate columns of a replay from its `replays` rows; `vigil_linked` is the array of
 * linked error ids (joined in by the caller, `[]` when none).
 */
const AGGREGATES = [
  'project_id',
  "replaceAll(toString(replay_id), '-', '') AS vigil_id",
  'minIf(replay_start_timestamp, segment_id IS NOT NULL) AS vigil_started_at',
  'maxIf(timestamp, segment_id IS NOT NULL) AS vigil_finished_at',
  'uniqExact(segment_id) AS vigil_count_segments',
  "arrayMap(x -> replaceAll(toString(x), '-', ''), groupUniqArrayArray(error_ids)) AS vigil_error_ids",
  "arrayMap(x -> replaceAll(toString(x), '-', ''), groupUniqArrayArray(trace_ids)) AS vigil_trace_ids",
  'arrayFlatten(arrayMap(t -> t.2, arraySort(t -> t.1, groupUniqArrayIf((segment_id, urls), segment_id IS NOT NULL)))) AS vigil_urls',
  "groupUniqArrayIf(release, release != '') AS vigil_releases",
  anyOf('replay_type', 'vigil_replay_type'),
  anyOf('platform', 'vigil_platform'),
  anyOf('environment', 'vigil_environment'),
  anyOf('dist', 'vigil_dist'),
  anyOf('user_id', 'vigil_user_id'),
  anyOf('user_name', 'vigil_user_name'),
  anyOf('user_email', 'vigil_user_email'),
  anyOf('user_ip', 'vigil_user_ip'),
  anyOf('sdk_name', 'vigil_sdk_name'),
  anyOf('sdk_version', 'vigil_sdk_version'),
  anyOf('os_name', 'vigil_os_name'),
  anyOf('os_version', 'vigil_os_version'),
  anyOf('browser_name', 'vigil_browser_name'),
  anyOf('browser_version', 'vigil_browser_version'),
  anyOf('device_name', 'vigil_device_name'),
  anyOf('device_brand', 'vigil_device_brand'),
  anyOf('device_family', 'vigil_device_family'),
  anyOf('device_model', 'vigil_device_model'),
  'groupArrayArray(`tags.key`) AS vigil_tag_keys',
  'groupArrayArray(`tags.value`) AS vigil_tag_values',
  'groupArrayIf((click_tag, click_id, click_class, click_text, click_role, click_alt, click_testid, click_aria_label, click_title, click_component_name), segment_id IS NULL) AS vigil_clicks',
  'sumIf(click_is_dead, segment_id IS NULL) AS vigil_count_dead_clicks',
  'sumIf(click_is_rage, segment_id IS NULL) AS vigil_count_rage_clicks',
  'length(vigil_urls) AS vigil_count_urls',
].join(',\n       ');

/** The expressions that sort keys stand for, over the aggregate aliases. */
const SORT_EXPRESSIONS: Record<ReplaySort, string> = {
  started_at: 'vigil_started_at',
  finished_at: 'vigil_finished_at',
  duration: "dateDiff('second', vigil_started_at, vigil_finished_at)",
  count_errors: 'length(vigil_error_ids)',
  count_segments: 'vigil_count_segments',
  count_urls: 'vigil_count_urls',
  activity: 'length(vigil_error_ids) * 25 + vigil_count_urls * 5',
  count_dead_clicks: 'vigil_count_dead_clicks',
  count_rage_clicks: 'vigil_count_rage_clicks',
};

/**
 * A page of replays of the given projects that have their first segment (Sentry shows only
 * replays with a `segment_id = 0` row), sorted by `sort`. Returns `[]` for an empty project list.
 */
export async function listReplays(
  store: Pick<ClickHouseStore, 'client'>,
  options: ListReplaysOptions,
): Promise<StoredReplay[]> {
  if (options.projectIds.length === 0) return [];
  const { params, where } = projectsPage(options, 1000);
  where.push(...timeRangeClauses('timestamp', options, params));
  const having = ['minIf(segment_id, segment_id IS NOT NULL) = 0'];
  if (options.environments !== undefined && options.environments.length > 0) {
    having.push('vigil_environment IN {vigil_environments:Array(String)}');
    params.vigil_environments = [...options.environments];
  }
  if (options.search) {
    having.push(`(${options.search.sql})`);
    Object.assign(params, options.search.params);
  }
  const sort = SORT_EXPRESSIONS[options.sort ?? 'started_at'];
  const direction = options.descending === false ? 'ASC' : 'DESC';
  const rows = await queryRows(
    store,
    `SELECT ${AGGREGATES}
       FROM ${REPLAYS_TABLE}
      WHERE ${where.join(' AND ')}
      GROUP BY project_id, replay_id
     HAVING ${having.join(' AND ')}
      ORDER BY ${sort} ${direction}, vigil_id ${direction}
      LIMIT {vigil_limit:UInt64} OFFSET {vigil_offset:UInt64}`,
    params,
  );
  const linked = await linkedErrorIds(
    store,
    options.projectIds,
    rows.map((r) => toText(r.vigil_id)),
  );
  return rows.map((row) => toStoredReplay(row, linked.get(toText(row.vigil_id)) ?? []));
}

/**
 * The replay `replayId` (32 hex, dashes and case ignored) of one of `projectIds`, or null when
 * it has no first segment or the id is malformed.
 */
export async function getReplay(
  store: Pick<ClickHouseStore, 'client'>,
  projectIds: readonly number[],
  replayId: string,
): Promise<StoredReplay | null> {
  const hex = hexId(replayId);
  if (hex === undefined || projectIds.length === 0) return null;
  const rows = await queryRows(
    store,
    `SELECT ${AGGREGATES}
       FROM ${REPLAYS_TABLE}
      WHERE project_id IN {vigil_project_ids:Array(UInt64)} AND replay_id = {vigil_id:UUID}
      GROUP BY project_id, replay_id
     HAVING minIf(segment_id, segment_id IS NOT NULL) = 0
      LIMIT 1`,
    { vigil_project_ids: [...projectIds], vigil_id: hex },
  );
  if (rows[0] === undefined) return null;
  const linked = await linkedErrorIds(store, projectIds, [hex]);
  return toStoredReplay(rows[0], linked.get(hex) ?? []);
}

/**
 * Ids (32 hex) of the error events of `projectIds` whose `contexts.replay.replay_id` is one of
 * `replayIds`, by replay id; one query over the bloom-filtered `events.replay_id` column.
 */
export async function linkedErrorIds(
  store: Pick<ClickHouseStore, 'client'>,
  projectIds: readonly number[],
  replayIds: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (replayIds.length === 0 || projectIds.length === 0) return out;
  const rows = await queryRows(
    store,
    `SELECT replay_id, groupUniqArray(replaceAll(toString(event_id), '-', '')) AS vigil_ids
       FROM ${EVENTS_TABLE}
      WHERE project_id IN {vigil_project_ids:Array(UInt64)} AND replay_id IN {vigil_replay_ids:Array(String)}
      GROUP BY replay_id`,
    { vigil_project_ids: [...projectIds], vigil_replay_ids: [...replayIds] },
  );
  for (const row of rows) {
    out.set(toText(row.replay_id), Array.isArray(row.vigil_ids) ? row.vigil_ids.map(toText) : []);
  }
  return out;
}

/** One stored recording segment. */
export interface StoredRecordingSegment {
  segmentId: number;
  /** When the (latest copy of the) segment arrived. */
  received: Date;
  /** The segment's rrweb events, JSON text (a JSON array). */
  rrweb: string;
}

/**
 * The recording segments of replay `replayId` in project `projectId`, ascending by segment id
 * (the latest copy of a resent segment), paged by `limit` / `cursor` (offset). Returns `[]` for a
 * malformed id.
 */
export async function listRecordingSegments(
  store: Pick<ClickHouseStore, 'client'>,
  projectId: number,
  replayId: string,
  page: { limit: number; cursor?: number; segmentId?: number } = { limit: 100 },
): Promise<StoredRecordingSegment[]> {
  const hex = hexId(replayId);
  if (hex === undefined) return [];
  const params: Record<string, unknown> = {
    vigil_project_id: projectId,
    vigil_id: hex,
    vigil_limit: clampInt(page.limit, 0, 10_000),
    vigil_offset: clampInt(page.cursor ?? 0, 0, Number.MAX_SAFE_INTEGER),
  };
  const where = ['project_id = {vigil_project_id:UInt64}', 'replay_id = {vigil_id:UUID}'];
  if (page.segmentId !== undefined) {
    where.push('segment_id = {vigil_segment_id:UInt16}');
    params.vigil_segment_id = clampInt(page.segmentId, 0, 65_535);
  }
  const rows = await queryRows(
    store,
    `SELECT segment_id, max(received) AS vigil_received, argMax(rrweb, received) AS vigil_rrweb
       FROM ${REPLAY_RECORDINGS_TABLE}
      WHERE ${where.join(' AND ')}
      GROUP BY segment_id
      ORDER BY segment_id
      LIMIT {vigil_limit:UInt64} OFFSET {vigil_offset:UInt64}`,
    params,
  );
  return rows.map((row) => ({
    segmentId: toNumber(row.segment_id),
    received: parseDateTime(row.vigil_received),
    rrweb: toText(row.vigil_rrweb),
  }));
}

function toStoredReplay(row: Record<string, unknown>, linked: readonly string[]): StoredReplay {
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(toText) : []);
  const errorIds = [...new Set([...strings(row.vigil_error_ids), ...linked])].sort();
  const finishedAt = parseDateTime(row.vigil_finished_at);
  const startedAt =
    row.vigil_started_at === null || row.vigil_started_at === undefined
      ? null
      : parseDateTime(row.vigil_started_at);
  const countUrls = toNumber(row.vigil_count_urls);
  const keys = strings(row.vigil_tag_keys);
  const values = strings(row.vigil_tag_values);
  const clicks = Array.isArray(row.vigil_clicks) ? row.vigil_clicks : [];
  return {
    projectId: toNumber(row.project_id),
    replayId: toText(row.vigil_id),
    startedAt,
    finishedAt,
    duration:
      startedAt === null ? 0 : Math.max(0, Math.floor((finishedAt.getTime() - startedAt.getTime()) / 1000)),
    countSegments: toNumber(row.vigil_count_segments),
    errorIds,
    countErrors: errorIds.length,
    traceIds: strings(row.vigil_trace_ids).sort(),
    urls: strings(row.vigil_urls),
    countUrls,
    // Sentry's activity score: floor(clamp((errors * 25 + urls * 5) / 10, 1, 10)).
    activity: Math.floor(Math.max(1, Math.min(10, Math.trunc((errorIds.length * 25 + countUrls * 5) / 10)))),
    releases: strings(row.vigil_releases).sort(),
    replayType: toText(row.vigil_replay_type) || 'session',
    platform: toText(row.vigil_platform),
    environment: toText(row.vigil_environment),
    dist: toText(row.vigil_dist),
    user: {
      id: toText(row.vigil_user_id),
      username: toText(row.vigil_user_name),
      email: toText(row.vigil_user_email),
      ip: toText(row.vigil_user_ip),
    },
    sdk: { name: toText(row.vigil_sdk_name), version: toText(row.vigil_sdk_version) },
    os: { name: toText(row.vigil_os_name), version: toText(row.vigil_os_version) },
    browser: { name: toText(row.vigil_browser_name), version: toText(row.vigil_browser_version) },
    device: {
      name: toText(row.vigil_device_name),
      brand: toText(row.vigil_device_brand),
      family: toText(row.vigil_device_family),
      model: toText(row.vigil_device_model),
    },
    tags: keys.map((k, i): [string, string] => [k, values[i] ?? '']),
    clicks: clicks.map(toStoredClick),
    countDeadClicks: toNumber(row.vigil_count_dead_clicks),
    countRageClicks: toNumber(row.vigil_count_rage_clicks),
  };
}

function toStoredClick(value: unknown): StoredReplayClick {
  const t = Array.isArray(value) ? value : [];
  return {
    tag: toText(t[0]),
    id: toText(t[1]),
    classes: Array.isArray(t[2]) ? t[2].map(toText) : [],
    text: toText(t[3]),
    role: toText(t[4]),
    alt: toText(t[5]),
    testid: toText(t[6]),
    ariaLabel: toText(t[7]),
    title: toText(t[8]),
    componentName: toText(t[9]),
  };
}

/**
 * The video segment `segmentId` of a native replay (a `replay_video` item) of project
 * `projectId`, or null when the segment is not stored, has no video, or the id is malformed.
 */
export async function getReplayVideo(
  store: Pick<ClickHouseStore, 'client'>,
  projectId: number,
  replayId: string,
  segmentId: number,
): Promise<Buffer | null> {
  const hex = hexId(replayId);
  if (hex === undefined || !Number.isInteger(segmentId) || segmentId < 0 || segmentId > 65_535) return null;
  const rows = await queryRows(
    store,
    `SELECT argMax(video, received) AS vigil_video
       FROM ${REPLAY_RECORDINGS_TABLE}
      WHERE project_id = {vigil_project_id:UInt64} AND replay_id = {vigil_id:UUID}
        AND segment_id = {vigil_segment_id:UInt16}
      GROUP BY segment_id`,
    { vigil_project_id: projectId, vigil_id: hex, vigil_segment_id: segmentId },
  );
  const video = toText(rows[0]?.vigil_video);
  return video === '' ? null : Buffer.from(video, 'base64');
}
