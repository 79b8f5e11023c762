/**
 * The pipeline of one `span` item: a span v2 container (`content_type:
 * application/vnd.sentry.items.span.v2+json`, `item_count` checked; the same container
 * processing as logs and trace metrics, src/processing/items/eap/) or a legacy standalone span
 * (one JSON span). reference/relay-protocol.md §3.7, §14.3; Relay's `relay-event-schema/src/
 * protocol/span_v2/`, `relay-server/src/processing/spans/`.
 *
 * Span v2 entries need `span_id` (16 hex), `start_timestamp` and `end_timestamp` (unix seconds,
 * end ≥ start), `trace_id` (32 hex), a string `name` and a string `status` (`ok`, `error`, or
 * another value kept as is); `parent_span_id`, `is_segment`, `kind`, `links` and typed
 * `attributes` are optional.
 * The op, description, segment id and name and exclusive time come from the attributes
 * `sentry.op`, `sentry.description`, `sentry.segment.id`, `sentry.segment.name`,
 * `sentry.exclusive_time`. Invalid entries are dropped with Relay's reasons (`relay-server/src/
 * processing/spans/process.rs`): no valid span id `invalid_span`, missing or reversed timestamps
 * `timestamp`, another required field missing `no_data`, a repeated span id `duplicate` (the
 * earlier span), over the size limit `too_large:span`; a container that cannot be read is
 * `invalid_json` as a whole, and so is a legacy span that is not JSON.
 *
 * Valid spans then go through the project's inbound filters (`relay-server/src/processing/spans/
 * filter.rs`): a v2 span after its request enrichment, over its attributes (release, segment name,
 * user agent; generic filters on `span.name`, `span.status`, `span.kind` and
 * `span.attributes.<key>.value`), a legacy span over its `data` (Relay's `Filterable for Span`).
 * Filtered spans are tallied per filter stat key.
 */
import { isJsonObject, type JsonObject } from '../../../protocol/json.js';
import { parseSpanId, parseTimestamp, parseTraceId } from '../../normalize/index.js';
import { drop, ok, type StepResult } from '../../pipeline/result.js';
import { parseEventPayload } from '../errors/process.js';
import {
  enrichAttributes,
  filterTraceItem,
  processContainerEntries,
  stringAttribute,
  type ContainerHeaders,
  type ContainerMetadata,
  tallyDrop,
  type DroppedEntries,
  type ParsedAttributes,
} from '../eap/index.js';
import { shouldFilterItem, spanFilterable } from '../../filters/index.js';
import { legacySpanDraft, type SpanError } from './legacy.js';
import {
  DEFAULT_MAX_SPAN_SIZE,
  buildSpanRecord,
  completeSpanTree,
  correctSpanTimes,
  spanSize,
  type SpanDraft,
  type SpanItemContext,
  type SpanRecord,
} from './span-record.js';

/** The content type of a span v2 container item. */
export const SPAN_V2_CONTENT_TYPE = 'application/vnd.sentry.items.span.v2+json';

/** The rows of one `span` item and the entries dropped per reason. */
export interface ProcessedSpans {
  records: SpanRecord[];
  /** Invalid entries per Relay discard reason (`invalid_span`, `too_large:span`). */
  dropped: DroppedEntries[];
  /** Spans dropped by an inbound filter, per filter stat key (in `reason`). */
  filtered: DroppedEntries[];
}

/** The media type of an item's `content_type` header, lowercase, without parameters. */
function mediaType(contentType: unknown): string {
  return typeof contentType === 'string' ? contentType.split(';')[0]!.trim().toLowerCase() : '';
}

/** Whether a `span` item's headers declare a span v2 container. */
export function isSpanV2Container(headers: ContainerHeaders): boolean {
  return mediaType(headers.content_type) === SPAN_V2_CONTENT_TYPE;
}

/**
 * A span v2 entry as a draft, or why it is invalid (Relay's order: a span id first, then the
 * timestamps, then the other required fields `trace_id`, `name`, `status`).
 */
export function spanV2Draft(entry: JsonObject, attributes: ParsedAttributes): SpanDraft | SpanError {
  const traceId = parseTraceId(entry.trace_id);
  const spanId = parseSpanId(entry.span_id);
  const start = parseTimestamp(entry.start_timestamp);
  const end = parseTimestamp(entry.end_timestamp);
  const { name, status } = entry;
  if (spanId === undefined) return { reason: 'invalid_span', detail: 'span is missing span_id' };
  if (start === undefined || end === undefined || end < start) {
    return { reason: 'timestamp', detail: 'invalid start or end timestamp' };
  }
  if (traceId === undefined || typeof name !== 'string' || typeof status !== 'string') {
    return { reason: 'no_data', detail: 'span is missing a required field' };
  }
  const meta: JsonObject = {};
  let parentSpanId = '';
  const rawParent = entry.parent_span_id;
  if (rawParent !== undefined && rawParent !== null) {
    const parsed = parseSpanId(rawParent);
    if (parsed === undefined) meta.parent_span_id = { '': { err: ['invalid_data'], val: rawParent } };
    else parentSpanId = parsed;
  }
  const values = attributes.values;
  if (Array.isArray(entry.links) && entry.links.length > 0 && !values.has('sentry.links')) {
    values.set('sentry.links', { type: 'string', value: JSON.stringify(entry.links) });
  }
  const exclusive = values.get('sentry.exclusive_time');
  return {
    traceId,
    spanId,
    parentSpanId,
    segmentId: parseSpanId(stringAttribute(values, 'sentry.segment.id')),
    segmentName: stringAttribute(values, 'sentry.segment.name'),
    isSegment: entry.is_segment === true,
    start,
    end,
    op: stringAttribute(values, 'sentry.op') ?? '',
    name,
    description: stringAttribute(values, 'sentry.description') ?? '',
    status,
    kind: typeof entry.kind === 'string' ? entry.kind : '',
    exclusiveTimeMs:
      exclusive?.type === 'double' || exclusive?.type === 'integer' ? exclusive.value : undefined,
    attributes,
    meta,
  };
}

/**
 * Completes the batch's tree fields and times and builds its rows. Of spans sharing a span id
 * the last one is kept and the earlier ones are dropped as `duplicate` (Relay's span id
 * collision rule).
 */
function finish(
  drafts: ReadonlyArray<{ draft: SpanDraft; size: number }>,
  metadata: ContainerMetadata,
  ctx: SpanItemContext,
  dropped: DroppedEntries[],
  enriched: boolean,
): SpanRecord[] {
  const unique = new Map<string, { draft: SpanDraft; size: number }>();
  for (const entry of drafts) {
    const previous = unique.get(entry.draft.spanId);
    if (previous !== undefined) {
      tallyDrop(dropped, 'duplicate', previous.size);
      unique.delete(entry.draft.spanId);
    }
    unique.set(entry.draft.spanId, entry);
  }
  const kept = [...unique.values()];
  const spans = kept.map((d) => d.draft);
  correctSpanTimes(spans, ctx);
  completeSpanTree(spans);
  return kept.map(({ draft, size }) => buildSpanRecord(draft, size, metadata, ctx, enriched));
}

function processContainer(
  payload: Buffer,
  headers: ContainerHeaders,
  ctx: SpanItemContext,
): StepResult<ProcessedSpans> {
  let metadata: ContainerMetadata = {};
  const result = processContainerEntries<{ draft: SpanDraft; size: number }>(payload, headers, {
    contentType: SPAN_V2_CONTENT_TYPE,
    maxSize: ctx.maxSpanSize ?? DEFAULT_MAX_SPAN_SIZE,
    invalidReason: 'invalid_span',
    tooLargeReason: 'too_large:span',
    sizedText: (entry) => (typeof entry.name === 'string' ? entry.name : ''),
    build: (entry, attributes, size, containerMetadata) => {
      metadata = containerMetadata;
      const draft = spanV2Draft(entry, attributes);
      if ('reason' in draft) return draft.reason;
      enrichAttributes(attributes.values, containerMetadata, ctx);
      const fields = { name: draft.name, status: draft.status, kind: draft.kind || undefined };
      const verdict = filterTraceItem('span', attributes.values, fields, ctx);
      return verdict.filtered ? { filtered: verdict.statKey } : { draft, size };
    },
  });
  if (result.kind === 'drop') return result;
  const { dropped, filtered } = result.value;
  return ok({ records: finish(result.value.records, metadata, ctx, dropped, true), dropped, filtered });
}

function processLegacy(payload: Buffer, ctx: SpanItemContext): StepResult<ProcessedSpans> {
  const parsed = parseEventPayload(payload);
  if (parsed.kind === 'drop') return parsed;
  if (!isJsonObject(parsed.value)) return drop('invalid', 'invalid_span');
  const draft = legacySpanDraft(parsed.value);
  if ('reason' in draft) return drop('invalid', draft.reason);
  const size = spanSize(draft);
  if (size > (ctx.maxSpanSize ?? DEFAULT_MAX_SPAN_SIZE)) return drop('invalid', 'too_large:span');
  if (ctx.filterSettings !== undefined) {
    const verdict = shouldFilterItem(spanFilterable(parsed.value), ctx.filterSettings, {
      clientIp: ctx.clientIp,
    });
    if (verdict.filtered) {
      return ok({ records: [], dropped: [], filtered: [{ reason: verdict.statKey, count: 1, bytes: size }] });
    }
  }
  return ok({ records: finish([{ draft, size }], {}, ctx, [], false), dropped: [], filtered: [] });
}

/**
 * Processes one `span` item (`payload` with its item `headers`) into `spans` rows (see the
 * module comment). A rejected item returns `drop('invalid', reason)` (its declared entries are
 * the caller's outcome quantity); otherwise the rows and the tallies of invalid and filtered
 * entries. Never throws on bad input.
 */
export function processSpanItem(
  payload: Buffer,
  headers: ContainerHeaders,
  ctx: SpanItemContext,
): StepResult<ProcessedSpans> {
  return isSpanV2Container(headers) ? processContainer(payload, headers, ctx) : processLegacy(payload, ctx);
}
