/**
 * Reading an item container (`{"items": [...], "version"?, "ingest_settings"?}`), the payload of
 * `log`, `trace_metric` and span v2 items. Follows Relay's `ItemContainer::parse`
 * (`relay-server/src/envelope/container.rs`) and the container metadata of
 * `relay-event-schema/src/protocol/ourlog/container.rs` (reference/relay-protocol.md §3.7):
 *
 * - the item must declare the container's content type and an `item_count` equal to the number of
 *   entries; any failure (wrong content type, not JSON, no `items` array, count mismatch) rejects
 *   the whole container, which Relay reports as `invalid_json`;
 * - each entry's `__header` (Relay-to-Relay bookkeeping such as `byte_size`) is stripped;
 * - `ingest_settings.infer_ip` / `infer_user_agent` read `auto` or `never`; anything else reads
 *   as absent (`none_on_error`), and an unreadable `version` drops the metadata as a whole.
 */
import { isJsonObject, type JsonObject, type JsonValue, parseJsonText } from '../../../protocol/json.js';

/** What an SDK asked the server to infer (`IngestSettings`); absent = not stated. */
export interface IngestSettings {
  infer_ip?: 'auto' | 'never';
  infer_user_agent?: 'auto' | 'never';
}

/** Container-level fields besides `items` (`ContainerMetadata`). */
export interface ContainerMetadata {
  /** The container format version; absent for version-less (v1) containers. */
  version?: number;
  /** Only read for version 2 and later. */
  ingest_settings?: IngestSettings;
}

/** A parsed container: its metadata and its entries (each without `__header`). */
export interface ParsedContainer {
  metadata: ContainerMetadata;
  /** The raw entries, in order; entries that are not objects are kept for the caller to reject. */
  entries: JsonValue[];
}

/** Why a container was rejected as a whole. */
export type ContainerError =
  | { kind: 'content_type'; expected: string; actual: string | undefined }
  | { kind: 'invalid_json'; detail: string }
  | { kind: 'item_count_mismatch'; expected: number | undefined; actual: number };

/** Result of {@link parseItemContainer}. */
export type ContainerResult = { ok: true; value: ParsedContainer } | { ok: false; error: ContainerError };

/** The item headers a container parse looks at. */
export interface ContainerHeaders {
  content_type?: unknown;
  item_count?: unknown;
}

/** The media type of a content type header: lowercase, parameters dropped. */
function mediaType(contentType: unknown): string | undefined {
  if (typeof contentType !== 'string') return undefined;
  return contentType.split(';')[0]?.trim().toLowerCase();
}

const INFER_VALUES: ReadonlySet<string> = new Set(['auto', 'never']);

function inferSetting(value: JsonValue | undefined): 'auto' | 'never' | undefined {
  return typeof value === 'string' && INFER_VALUES.has(value) ? (value as 'auto' | 'never') : undefined;
}

/** `ContainerMetadata` from the root object; an invalid `version` drops all of it. */
function readMetadata(root: JsonObject): ContainerMetadata {
  const version = root.version;
  if (version !== undefined && version !== null) {
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 0 || version > 65_535) {
      return {};
    }
  }
  const metadata: ContainerMetadata = {};
  if (typeof version === 'number') metadata.version = version;
  const settings = root.ingest_settings;
  if (isJsonObject(settings)) {
    const ingest: IngestSettings = {};
    const ip = inferSetting(settings.infer_ip);
    if (ip !== undefined) ingest.infer_ip = ip;
    const ua = inferSetting(settings.infer_user_agent);
    if (ua !== undefined) ingest.infer_user_agent = ua;
    metadata.ingest_settings = ingest;
  }
  return metadata;
}

function withoutHeader(entry: JsonValue): JsonValue {
  if (!isJsonObject(entry) || !Object.hasOwn(entry, '__header')) return entry;
  const { __header: _header, ...rest } = entry;
  return rest;
}

/**
 * Parses the payload of a container item whose content type must be `contentType`
 * (e.g. `application/vnd.sentry.items.log+json`, compared without parameters, case-insensitive).
 * Returns the entries and metadata, or why the container is rejected. Never throws.
 */
export function parseItemContainer(
  payload: Buffer,
  headers: ContainerHeaders,
  contentType: string,
): ContainerResult {
  const actual = mediaType(headers.content_type);
  if (actual !== contentType) {
    return {
      ok: false,
      error: { kind: 'content_type', expected: contentType, actual: actual },
    };
  }
  let root: unknown;
  try {
    root = parseJsonText(payload.toString('utf8'));
  } catch (error) {
    const detail = error instanceof Error ? error.message : 'invalid JSON';
    return { ok: false, error: { kind: 'invalid_json', detail } };
  }
  if (!isJsonObject(root) || !Array.isArray(root.items)) {
    return { ok: false, error: { kind: 'invalid_json', detail: 'missing field `items`' } };
  }
  const entries = root.items;
  const count = headers.item_count;
  if (typeof count !== 'number' || count !== entries.length) {
    return {
      ok: false,
      error: {
        kind: 'item_count_mismatch',
        expected: typeof count === 'number' ? count : undefined,
        actual: entries.length,
      },
    };
  }
  return { ok: true, value: { metadata: readMetadata(root), entries: entries.map(withoutHeader) } };
}

/**
 * How many entries the item header says the container holds (Relay's `Item::quantities` for
 * containers): `item_count` when it is a positive integer, else 1. Used for the outcome of a
 * container rejected as a whole.
 */
export function declaredItemCount(headers: ContainerHeaders): number {
  const count = headers.item_count;
  return typeof count === 'number' && Number.isInteger(count) && count > 0 ? count : 1;
}

/**
 * A container payload for entries converted from another format (OTLP): version 2 without
 * ingest settings, so nothing is inferred from the exporter's request (OTLP exporters are not
 * end-user devices).
 */
export function containerPayload(entries: readonly JsonObject[]): Buffer {
  return Buffer.from(JSON.stringify({ version: 2, items: entries }));
}
