/**
 * The logs pipeline for one `log` container item (reference/relay-protocol.md §14.2; Relay's
 * `relay-server/src/processing/logs/`: `expand` → `validate::size` → `normalize` → `scrub` →
 * `store::convert`):
 *
 * 1. the container: content type `application/vnd.sentry.items.log+json`, JSON with `items`, and
 *    `item_count` equal to the number of entries — otherwise the whole item is `invalid_json`;
 * 2. per entry, its canonical size (body + attributes, `calculate_size`) is measured before any
 *    change; an entry over `maxLogSize` is dropped as `too_large:log`;
 * 3. `timestamp`, `trace_id`, `level` (trace … fatal) and a string `body` are required, else the
 *    entry is dropped as `invalid_log`; a bad `span_id` is removed with an error in `_meta`;
 * 4. typed attributes (values of the wrong or an unknown type are removed and kept in `_meta`),
 *    then the request enrichment (observed time, browser, client address, per the container's
 *    ingest settings);
 * 5. the project's inbound filters (`filter::filter`: release, legacy browsers, web crawlers,
 *    client IP, generic filters on `log.body` and `log.attributes.<key>.value`); a filtered entry
 *    is tallied under the filter's stat key;
 * 6. default scrubbing (body: replace-only rules; string attributes: the general rules);
 * 7. one `logs` row per entry (src/protocol/trace-items.ts), times in unix microseconds.
 *
 * Outcomes are the caller's: `log_item` per entry and `log_byte` by canonical size.
 */
import type { JsonObject } from '../../../protocol/json.js';
import {
  LOG_LEVEL_SEVERITY_NUMBERS,
  LOG_LEVELS,
  type LogColumns,
  type LogLevel,
} from '../../../protocol/trace-items.js';
import type { StepResult } from '../../pipeline/result.js';
import {
  buildTraceItem,
  enrichAttributes,
  filterTraceItem,
  processContainerEntries,
  readTraceItemIds,
  type ContainerHeaders,
  type ContainerMetadata,
  type DroppedEntries,
  type FilteredEntry,
  type ParsedAttributes,
  type TraceItemContext,
} from '../eap/index.js';

/** The content type of a log container item. */
export const LOG_CONTAINER_CONTENT_TYPE = 'application/vnd.sentry.items.log+json';

/** Relay's `max_log_size` default: 2 MiB per log entry (canonical size, bytes). */
export const DEFAULT_MAX_LOG_SIZE = 2 * 1024 * 1024;

/** A row of the `logs` table as processing produces it; times are unix microseconds. */
export type LogRecord = LogColumns<number>;

/** What the logs pipeline needs besides the payload. */
export interface LogItemContext extends TraceItemContext {
  /** Largest canonical size of one entry in bytes; default {@link DEFAULT_MAX_LOG_SIZE}. */
  maxLogSize?: number;
}

/** The outcome of one container: the rows to store, and the entries dropped per reason. */
export interface ProcessedLogs {
  records: LogRecord[];
  /** Invalid entries per Relay discard reason (`invalid_log`, `too_large:log`). */
  dropped: DroppedEntries[];
  /** Entries dropped by an inbound filter, per filter stat key (in `reason`). */
  filtered: DroppedEntries[];
}

const LEVELS: ReadonlySet<string> = new Set(LOG_LEVELS);

/** The entry's OpenTelemetry severity number when it is 1..24, else the level's default. */
function severityNumber(entry: JsonObject, level: LogLevel): number {
  const sent = entry.severity_number;
  return typeof sent === 'number' && Number.isInteger(sent) && sent >= 1 && sent <= 24
    ? sent
    : LOG_LEVEL_SEVERITY_NUMBERS[level];
}

function processEntry(
  entry: JsonObject,
  attributes: ParsedAttributes,
  size: number,
  metadata: ContainerMetadata,
  ctx: LogItemContext,
): LogRecord | FilteredEntry | undefined {
  const ids = readTraceItemIds(entry);
  const { level, body } = entry;
  if (ids === undefined || typeof level !== 'string' || !LEVELS.has(level) || typeof body !== 'string') {
    return undefined;
  }
  enrichAttributes(attributes.values, metadata, ctx);
  const verdict = filterTraceItem('log', attributes.values, { body }, ctx);
  if (verdict.filtered) return { filtered: verdict.statKey };
  const built = buildTraceItem({
    itemType: 'log',
    ids,
    attributes,
    body,
    payloadSize: size,
    metadata,
    ctx,
    enriched: true,
  });
  return {
    ...built.columns,
    level: level as LogLevel,
    severity_number: severityNumber(entry, level as LogLevel),
    body: built.body ?? body,
  };
}

/**
 * Processes one `log` item (`payload` with its item `headers`) into `logs` rows (see the module
 * comment). Returns `drop('invalid', 'invalid_json')` when the container itself is rejected;
 * otherwise the rows and the tallies of invalid and filtered entries. Never throws on bad input.
 */
export function processLogItem(
  payload: Buffer,
  headers: ContainerHeaders,
  ctx: LogItemContext,
): StepResult<ProcessedLogs> {
  return processContainerEntries(payload, headers, {
    contentType: LOG_CONTAINER_CONTENT_TYPE,
    maxSize: ctx.maxLogSize ?? DEFAULT_MAX_LOG_SIZE,
    invalidReason: 'invalid_log',
    tooLargeReason: 'too_large:log',
    sizedText: (entry) => (typeof entry.body === 'string' ? entry.body : ''),
    build: (entry, attributes, size, metadata) => processEntry(entry, attributes, size, metadata, ctx),
  });
}
