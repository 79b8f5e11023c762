/**
 * The per-container loop shared by the trace-item pipelines (logs, trace metrics, v2 spans;
 * reference/relay-protocol.md §14.2, §14.4; Relay's `relay-server/src/processing/{logs,
 * trace_metrics,spans}/`): parse the container, measure each entry's canonical size before any
 * change, drop entries over the size limit or invalid ones with a per-reason tally, tally the
 * entries an inbound filter drops per stat key, and build one row per remaining entry. Pure.
 */
import { isJsonObject, type JsonObject } from '../../../protocol/json.js';
import { drop, ok, type StepResult } from '../../pipeline/result.js';
import { canonicalSize, parseAttributes, type ParsedAttributes } from './attributes.js';
import { parseItemContainer, type ContainerHeaders, type ContainerMetadata } from './container.js';
import { tallyDrop, type DroppedEntries } from './trace-item.js';
import type { FilteredEntry } from './filter.js';

/** How one item type's entries are sized, limited and turned into rows. */
export interface ContainerEntrySpec<Row> {
  /** The container's required content type, e.g. `application/vnd.sentry.items.log+json`. */
  contentType: string;
  /** Largest canonical size of one entry in bytes. */
  maxSize: number;
  /** Discard reason of an invalid entry (also a non-object one, counted as 1 byte), e.g. `invalid_log`. */
  invalidReason: string;
  /** Discard reason of an entry over `maxSize`, e.g. `too_large:log`. */
  tooLargeReason: string;
  /** The entry's sized text next to its attributes (a log's `body`, a metric's `name`; `''` if absent). */
  sizedText: (entry: JsonObject) => string;
  /**
   * The entry's row; `undefined` when it is invalid (dropped as `invalidReason`), a string: the
   * Relay discard reason it is dropped with instead (e.g. `timestamp` for a span), or the stat
   * key of the inbound filter that drops it ({@link FilteredEntry}).
   */
  build: (
    entry: JsonObject,
    attributes: ParsedAttributes,
    size: number,
    metadata: ContainerMetadata,
  ) => Row | string | FilteredEntry | undefined;
}

/**
 * The outcome of one container: the rows to store, the invalid entries per discard reason and
 * the filtered ones per filter stat key (in `reason`), each with their canonical bytes.
 */
export interface ProcessedContainer<Row> {
  records: Row[];
  dropped: DroppedEntries[];
  filtered: DroppedEntries[];
}

/** Whether a `build` result is an entry dropped by an inbound filter. */
export function isFilteredEntry(value: unknown): value is FilteredEntry {
  return typeof value === 'object' && value !== null && 'filtered' in value;
}

/**
 * Processes one container item (`payload` with its item `headers`) per `spec` (see the module
 * comment). Returns `drop('invalid', 'invalid_json')` when the container itself is rejected;
 * otherwise the rows and the tallies of invalid and filtered entries. Never throws on bad input.
 */
export function processContainerEntries<Row>(
  payload: Buffer,
  headers: ContainerHeaders,
  spec: ContainerEntrySpec<Row>,
): StepResult<ProcessedContainer<Row>> {
  const container = parseItemContainer(payload, headers, spec.contentType);
  if (!container.ok) return drop('invalid', 'invalid_json');
  const records: Row[] = [];
  const dropped: DroppedEntries[] = [];
  const filtered: DroppedEntries[] = [];
  for (const entry of container.value.entries) {
    if (!isJsonObject(entry)) {
      tallyDrop(dropped, spec.invalidReason, 1);
      continue;
    }
    const attributes = parseAttributes(entry.attributes);
    const size = canonicalSize(spec.sizedText(entry), attributes);
    if (size > spec.maxSize) {
      tallyDrop(dropped, spec.tooLargeReason, size);
      continue;
    }
    const record = spec.build(entry, attributes, size, container.value.metadata);
    if (record === undefined) tallyDrop(dropped, spec.invalidReason, size);
    else if (typeof record === 'string') tallyDrop(dropped, record, size);
    else if (isFilteredEntry(record)) tallyDrop(filtered, record.filtered, size);
    else records.push(record);
  }
  return ok({ records, dropped, filtered });
}
