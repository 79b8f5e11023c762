/**
 * The transaction pipeline for one `transaction` item: parse → normalize (Relay's
 * `normalize_event` for transactions: timestamps and clock drift, §8.3 validation, transaction
 * name normalization for URL sources, measurements, …; src/processing/normalize) → scrub
 * (src/processing/pii) → extract one `spans` row for the transaction itself (the segment span,
 * from `contexts.trace`) and one per child span. Dynamic sampling (src/processing/sampling)
 * decides between normalization and scrubbing, as in Relay (after validation and inbound
 * filters, before scrubbing and span extraction).
 *
 * Follows Relay's span extraction from transactions (`relay-server/src/services/processor/span/
 * processing.rs`, `extract_segment_span`, `relay-spans` v1 → v2): the segment span takes the
 * transaction's name, op, status and trace data, its tags and measurements; every span gets the
 * transaction's release, environment, SDK, platform, user and segment as attributes.
 * reference/relay-protocol.md §3.4, §8.3, §14.3.
 *
 * Outcomes are the caller's: `transaction` and `transaction_indexed` (1), `span` and
 * `span_indexed` (1 + child spans); an invalid transaction is `invalid` with Relay's reason
 * (`invalid_json`, `invalid_transaction`) for all four; a sampled-out one is a `filtered` drop
 * with reason `Sampled:<rule ids>` and {@link TransactionResult.sampledOut} set.
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../../../protocol/json.js';
import type { SentryEvent } from '../../../protocol/event.js';
import { drop, ok, type StepResult } from '../../pipeline/result.js';
import { shouldFilter, type FilterSettings } from '../../filters/index.js';
import { normalizeEvent, parseSpanId, parseTraceId, type ClientHints } from '../../normalize/index.js';
import { DEFAULT_DATA_SCRUBBING, scrubEvent } from '../../pii/index.js';
import { parseEventPayload } from '../errors/process.js';
import {
  sampleTransaction,
  samplingOutcomeReason,
  type SamplingContext,
  type SamplingMatch,
} from '../../sampling/index.js';
import type { AttributeValue } from '../eap/index.js';
import { setJsonAttributes, setStringAttribute } from './attributes.js';
import { legacySpanDraft, measurementAttributes } from './legacy.js';
import {
  buildSpanRecord,
  completeSpanTree,
  spanSize,
  type SpanDraft,
  type SpanItemContext,
  type SpanRecord,
} from './span-record.js';

/** What the transaction pipeline needs besides the payload. */
export interface TransactionItemContext extends SpanItemContext {
  /** The envelope header `event_id`; wins over the payload's. */
  envelopeEventId?: string;
  clientHints?: ClientHints;
  /** The project's inbound filters (§10: health checks, releases, ...), run after normalization. */
  filterSettings?: FilterSettings;
  /** Dynamic sampling inputs of the envelope; without them nothing is sampled. */
  sampling?: SamplingContext;
}

/** The rows of a transaction, or why it was dropped, with its span count for outcomes. */
export interface TransactionResult {
  /** 1 (the transaction's own span) + its child spans, as far as the payload could be read. */
  spanCount: number;
  result: StepResult<SpanRecord[]>;
  /** Set when dynamic sampling dropped the transaction (`result` is then `filtered`, `Sampled:…`). */
  sampledOut?: SamplingMatch;
}

function object(value: JsonValue | undefined): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}

/** The number of child spans in a parsed (not yet normalized) payload. */
function childCount(payload: unknown): number {
  return isJsonObject(payload) && Array.isArray(payload.spans) ? payload.spans.length : 0;
}

/** Attributes every span of the transaction carries (Relay's shared span tags). */
function sharedAttributes(event: SentryEvent): Map<string, AttributeValue> {
  const values = new Map<string, AttributeValue>();
  const e = event as JsonObject;
  setStringAttribute(values, 'sentry.release', e.release);
  setStringAttribute(values, 'sentry.environment', e.environment);
  setStringAttribute(values, 'sentry.dist', e.dist);
  setStringAttribute(values, 'sentry.platform', e.platform);
  setStringAttribute(values, 'sentry.transaction', e.transaction);
  setStringAttribute(values, 'sentry.segment.name', e.transaction);
  const sdk = object(e.sdk);
  setStringAttribute(values, 'sentry.sdk.name', sdk?.name);
  setStringAttribute(values, 'sentry.sdk.version', sdk?.version);
  const user = object(e.user);
  setStringAttribute(values, 'user.id', user?.id);
  setStringAttribute(values, 'user.email', user?.email);
  setStringAttribute(values, 'user.username', user?.username);
  setStringAttribute(values, 'user.ip', user?.ip_address);
  const contexts = object(e.contexts);
  for (const context of ['browser', 'os', 'device', 'runtime'] as const) {
    const c = object(contexts?.[context]);
    setStringAttribute(values, `${context}.name`, c?.name);
    setStringAttribute(values, `${context}.version`, c?.version);
  }
  return values;
}

/** The segment span of a validated transaction (its trace context). */
function segmentDraft(event: SentryEvent, shared: ReadonlyMap<string, AttributeValue>): SpanDraft {
  const e = event as JsonObject;
  const trace = object(object(e.contexts)?.trace) ?? {};
  const values = new Map<string, AttributeValue>();
  setJsonAttributes(values, object(trace.data));
  const tags = e.tags;
  if (Array.isArray(tags)) {
    for (const pair of tags) {
      if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string') {
        values.set(pair[0], { type: 'string', value: pair[1] });
      }
    }
  } else if (isJsonObject(tags)) {
    setJsonAttributes(values, tags);
  }
  measurementAttributes(values, e.measurements);
  setStringAttribute(values, 'sentry.op', trace.op);
  setStringAttribute(values, 'sentry.origin', trace.origin);
  setStringAttribute(values, 'sentry.source', object(e.transaction_info)?.source);
  setStringAttribute(values, 'url.full', object(e.request)?.url);
  for (const [key, value] of shared) if (!values.has(key)) values.set(key, value);
  const name = typeof e.transaction === 'string' ? e.transaction : '';
  const spanId = parseSpanId(trace.span_id) ?? '';
  return {
    traceId: parseTraceId(trace.trace_id) ?? '',
    spanId,
    parentSpanId: parseSpanId(trace.parent_span_id) ?? '',
    segmentId: spanId,
    segmentName: name,
    isSegment: true,
    start: e.start_timestamp as number,
    end: e.timestamp as number,
    op: typeof trace.op === 'string' ? trace.op : '',
    name,
    description: name,
    status: typeof trace.status === 'string' ? trace.status : 'ok',
    kind: '',
    eventId: typeof e.event_id === 'string' ? e.event_id : '',
    attributes: { values, errors: new Map() },
    meta: {},
  };
}

/**
 * Runs the transaction pipeline over one item payload (see the module comment). Never throws
 * on bad input: unparseable JSON is `invalid_json`, a transaction failing §8.3 is
 * `invalid_transaction`.
 */
export function processTransactionItem(payload: Buffer, ctx: TransactionItemContext): TransactionResult {
  const parsed = parseEventPayload(payload);
  if (parsed.kind === 'drop') return { spanCount: 1, result: parsed };
  const spanCount = 1 + childCount(parsed.value);
  const scrubbing = ctx.scrubbing ?? DEFAULT_DATA_SCRUBBING;
  // Relay does not infer a client IP for projects that scrub IP addresses.
  const clientIp = scrubbing.scrubData && scrubbing.scrubIpAddresses ? undefined : ctx.clientIp;
  const normalized = normalizeEvent(parsed.value, {
    receivedAt: ctx.receivedAt,
    sentAt: ctx.sentAt,
    envelopeEventId: ctx.envelopeEventId,
    clientIp,
    userAgent: ctx.userAgent,
    clientHints: ctx.clientHints,
    itemType: 'transaction',
  });
  if (!normalized.ok) return { spanCount, result: drop('invalid', normalized.reason) };
  if (ctx.filterSettings) {
    const verdict = shouldFilter(normalized.event as JsonObject, ctx.filterSettings, {
      clientIp: ctx.clientIp,
    });
    if (verdict.filtered) return { spanCount, result: drop('filtered', verdict.statKey) };
  }
  if (ctx.sampling) {
    const decision = sampleTransaction(normalized.event as JsonObject, ctx.sampling);
    if (decision.kind === 'match' && !decision.match.keep) {
      const reason = samplingOutcomeReason(decision.match.matchedRuleIds);
      return { spanCount, result: drop('filtered', reason), sampledOut: decision.match };
    }
  }
  const event = scrubEvent(normalized.event, scrubbing);

  const shared = sharedAttributes(event);
  const segment = segmentDraft(event, shared);
  const drafts: SpanDraft[] = [segment];
  const spans = (event as JsonObject).spans;
  for (const span of Array.isArray(spans) ? spans : []) {
    if (!isJsonObject(span)) return { spanCount, result: drop('invalid', 'invalid_transaction') };
    const draft = legacySpanDraft(span, shared);
    if ('reason' in draft) return { spanCount, result: drop('invalid', 'invalid_transaction') };
    draft.segmentId = segment.spanId;
    draft.segmentName = segment.name;
    draft.eventId = segment.eventId;
    draft.isSegment = false;
    drafts.push(draft);
  }
  completeSpanTree(drafts);
  const records = drafts.map((draft) => buildSpanRecord(draft, spanSize(draft), {}, ctx));
  return { spanCount, result: ok(records) };
}
