/**
 * The `attachments` table: one row per event attachment (reference/relay-protocol.md §3.5), with
 * Sentry's `EventAttachment` columns (`src/sentry/models/eventattachment.py`) and the bytes in a
 * ZSTD-compressed `String` column (DESIGN.md: blobs live in ClickHouse, no third store), and its
 * readers.
 *
 * Binary bytes cannot travel in JSONEachRow text (a JSON string holds characters, not bytes), so
 * rows are written with the blob as base64 into {@link ATTACHMENTS_INPUT_TABLE}, a `Null` table
 * that keeps nothing, whose materialized view decodes the blob into `attachments`; readers select
 * `base64Encode(blob)`. (An EPHEMERAL column with a decoding DEFAULT would be simpler, but chDB's
 * raw JSONEachRow insert leaves such columns empty.) Every user value reaches ClickHouse as a query
 * parameter.
 */
import type { ClickHouseStore } from './client.js';
import type { ClickHouseMigration } from './migrations.js';
import { parseDateTime, toDateTime64 } from './datetime.js';
import { EVENTS_TABLE } from './events.js';
import { hexId, projectsPage, queryRows, toNumber, toText } from './query-helpers.js';

/** Name of the attachments table. */
export const ATTACHMENTS_TABLE = 'attachments';
/** Where attachment rows are inserted ({@link encodeAttachmentRow}); see the module comment. */
export const ATTACHMENTS_INPUT_TABLE = 'attachments_input';

const CREATE_ATTACHMENTS = `CREATE TABLE IF NOT EXISTS ${ATTACHMENTS_TABLE}
(
    project_id UInt64,
    event_id UUID,
    attachment_id UUID,
    timestamp DateTime64(3, 'UTC'),
    name String,
    content_type String,
    attachment_type LowCardinality(String),
    size UInt64,
    sha1 FixedString(40),
    blob String CODEC(ZSTD(3)),
    retention_days UInt16 DEFAULT 90
)
ENGINE = ReplacingMergeTree
PARTITION BY toMonday(timestamp)
ORDER BY (project_id, event_id, attachment_id)
TTL toDateTime(timestamp) + toIntervalDay(retention_days)`;

const CREATE_ATTACHMENTS_INPUT = `CREATE TABLE IF NOT EXISTS ${ATTACHMENTS_INPUT_TABLE}
(
    project_id UInt64,
    event_id UUID,
    attachment_id UUID,
    timestamp DateTime64(3, 'UTC'),
    name String,
    content_type String,
    attachment_type String,
    size UInt64,
    sha1 FixedString(40),
    blob_base64 String,
    retention_days UInt16 DEFAULT 90
)
ENGINE = Null`;

const CREATE_ATTACHMENTS_DECODER = `CREATE MATERIALIZED VIEW IF NOT EXISTS attachments_decoder TO ${ATTACHMENTS_TABLE}
AS SELECT project_id, event_id, attachment_id, timestamp, name, content_type, attachment_type, size, sha1,
          base64Decode(blob_base64) AS blob, retention_days
     FROM ${ATTACHMENTS_INPUT_TABLE}`;

/**
 * Telemetry migration 8: the `attachments` table (with its input table and decoding view, see the
 * module comment), ordered by `(project_id, event_id,
 * attachment_id)` so the attachments of one event are one range, partitioned by week, expiring
 * after `retention_days` (default 90). A ReplacingMergeTree, so a retried insert of the same
 * attachment id stays one attachment.
 */
export const ATTACHMENTS_MIGRATION: ClickHouseMigration = {
  version: 8,
  name: 'create_attachments',
  statements: [CREATE_ATTACHMENTS, CREATE_ATTACHMENTS_INPUT, CREATE_ATTACHMENTS_DECODER],
};

/** One row as inserted into {@link ATTACHMENTS_INPUT_TABLE} (JSONEachRow): ids 32 hex, time `YYYY-MM-DD hh:mm:ss.sss` UTC, bytes base64. */
export interface AttachmentRow {
  project_id: number;
  event_id: string;
  attachment_id: string;
  timestamp: string;
  name: string;
  content_type: string;
  attachment_type: string;
  size: number;
  sha1: string;
  blob_base64: string;
  retention_days: number;
}

/** What a row is built from (the attachment pipeline's `ProcessedAttachment` fits as is). */
export interface AttachmentRowInput {
  projectId: number;
  eventId: string;
  attachmentId: string;
  /** Unix seconds. */
  timestamp: number;
  name: string;
  contentType: string;
  attachmentType: string;
  size: number;
  sha1: string;
  data: Buffer;
}

/** The JSON line of an attachment's row; retention default 90 days. */
export function encodeAttachmentRow(input: AttachmentRowInput, retentionDays = 90): string {
  const row: AttachmentRow = {
    project_id: input.projectId,
    event_id: input.eventId,
    attachment_id: input.attachmentId,
    timestamp: toDateTime64(new Date(Math.round(input.timestamp * 1000))),
    name: input.name,
    content_type: input.contentType,
    attachment_type: input.attachmentType,
    size: input.size,
    sha1: input.sha1,
    blob_base64: input.data.toString('base64'),
    retention_days: retentionDays,
  };
  return JSON.stringify(row);
}

/** An attachment's metadata as read back. */
export interface StoredAttachment {
  projectId: number;
  /** 32 hex. */
  eventId: string;
  /** 32 hex. */
  attachmentId: string;
  timestamp: Date;
  name: string;
  contentType: string;
  attachmentType: string;
  size: number;
  sha1: string;
}

/** Options of {@link listAttachments}. */
export interface ListAttachmentsOptions {
  projectIds: readonly number[];
  /** Attachments of this event (any UUID form). */
  eventId?: string;
  /** Attachments of the events of this issue (read from `events`). */
  groupId?: number;
  /** Only these attachment types; absent or empty = all. */
  types?: readonly string[];
  /** Page size, clamped to 0..10 000; default 100. */
  limit?: number;
  /** Attachments to skip; default 0. */
  cursor?: number;
}

const COLUMNS = `project_id,
       replaceAll(toString(event_id), '-', '') AS vigil_event_id,
       replaceAll(toString(attachment_id), '-', '') AS vigil_attachment_id,
       timestamp, name, content_type, attachment_type, size, sha1`;

/**
 * Attachments of one event or of one issue's events, oldest first (ties by id), as Sentry lists
 * them. Returns `[]` for an empty project list, a malformed event id or when neither an event nor
 * an issue is given.
 */
export async function listAttachments(
  store: Pick<ClickHouseStore, 'client'>,
  options: ListAttachmentsOptions,
): Promise<StoredAttachment[]> {
  if (options.projectIds.length === 0) return [];
  const { params, where } = projectsPage({ ...options, limit: options.limit ?? 100 });
  if (options.eventId !== undefined) {
    const hex = hexId(options.eventId);
    if (hex === undefined) return [];
    where.push('event_id = {vigil_event_id:UUID}');
    params.vigil_event_id = hex;
  } else if (options.groupId !== undefined) {
    where.push(
      `event_id IN (SELECT event_id FROM ${EVENTS_TABLE}
                     WHERE project_id IN {vigil_project_ids:Array(UInt64)} AND group_id = {vigil_group_id:UInt64})`,
    );
    params.vigil_group_id = options.groupId;
  } else {
    return [];
  }
  if (options.types !== undefined && options.types.length > 0) {
    where.push('attachment_type IN {vigil_types:Array(String)}');
    params.vigil_types = [...options.types];
  }
  const rows = await queryRows(
    store,
    `SELECT ${COLUMNS}
       FROM ${ATTACHMENTS_TABLE} FINAL
      WHERE ${where.join(' AND ')}
      ORDER BY timestamp, vigil_attachment_id
      LIMIT {vigil_limit:UInt64} OFFSET {vigil_offset:UInt64}`,
    params,
  );
  return rows.map(toStoredAttachment);
}

/**
 * One attachment of an event with its bytes, or null when absent or when an id is malformed.
 */
export async function getAttachment(
  store: Pick<ClickHouseStore, 'client'>,
  projectId: number,
  eventId: string,
  attachmentId: string,
): Promise<(StoredAttachment & { data: Buffer }) | null> {
  const event = hexId(eventId);
  const attachment = hexId(attachmentId);
  if (event === undefined || attachment === undefined) return null;
  const rows = await queryRows(
    store,
    `SELECT ${COLUMNS}, base64Encode(blob) AS vigil_blob
       FROM ${ATTACHMENTS_TABLE} FINAL
      WHERE project_id = {vigil_project_id:UInt64}
        AND event_id = {vigil_event_id:UUID}
        AND attachment_id = {vigil_attachment_id:UUID}
      LIMIT 1`,
    { vigil_project_id: projectId, vigil_event_id: event, vigil_attachment_id: attachment },
  );
  const row = rows[0];
  if (row === undefined) return null;
  return { ...toStoredAttachment(row), data: Buffer.from(toText(row.vigil_blob), 'base64') };
}

function toStoredAttachment(row: Record<string, unknown>): StoredAttachment {
  return {
    projectId: toNumber(row.project_id),
    eventId: toText(row.vigil_event_id),
    attachmentId: toText(row.vigil_attachment_id),
    timestamp: parseDateTime(row.timestamp),
    name: toText(row.name),
    contentType: toText(row.content_type),
    attachmentType: toText(row.attachment_type),
    size: toNumber(row.size),
    sha1: toText(row.sha1),
  };
}
