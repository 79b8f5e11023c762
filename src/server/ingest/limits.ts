/**
 * Size limits of the ingest edge and Relay's per-item-type envelope check
 * (reference/relay-protocol.md §5; `Limits::default()` in `relay-config/src/config.rs` and
 * `check_envelope_size_limits` in `relay-server/src/utils/sizes.rs`).
 */
import type { Envelope, EnvelopeItem } from '../../protocol/envelope.js';

const KIB = 1024;
const MIB = 1024 * 1024;

/** Byte and count limits; every size is in bytes. Defaults: {@link DEFAULT_SIZE_LIMITS}. */
export interface SizeLimits {
  /** `max_event_size`: one event-like item, and the store request body. Default 1 MiB. */
  maxEventSize: number;
  /** `max_attachment_size`: one attachment / unreal report / user report item. Default 200 MiB. */
  maxAttachmentSize: number;
  /** `max_attachments_size`: all attachment-like items of one envelope. Default 200 MiB. */
  maxAttachmentsSize: number;
  /** `max_attachment_count`: attachment-like items per envelope. Default 30. */
  maxAttachmentCount: number;
  /** `max_envelope_size`: the decompressed envelope request body. Default 200 MiB. */
  maxEnvelopeSize: number;
  /** `max_client_reports_size`: one client report and all of them together. Default 100 KiB. */
  maxClientReportsSize: number;
  /** `max_client_reports_count`: client report items per envelope. Default 100. */
  maxClientReportsCount: number;
  /** `max_check_in_size`: the (single) check-in item. Default 100 KiB. */
  maxCheckInSize: number;
  /** `max_sessions_size`: session and sessions items together. Default 10 MiB. */
  maxSessionsSize: number;
  /** `max_session_count`: session and sessions items per envelope. Default 100. */
  maxSessionCount: number;
  /** `max_profile_size`: the (single) profile or profile chunk item. Default 50 MiB. */
  maxProfileSize: number;
  /** `max_log_size`: average size of one log in a log container. Default 2 MiB. */
  maxLogSize: number;
  /** `max_span_size`: one span (average per span in a container). Default 10 MiB. */
  maxSpanSize: number;
  /** `max_standalone_span_count`: legacy (non-container) span items per envelope. Default 25. */
  maxStandaloneSpanCount: number;
  /** `max_trace_metric_size`: average size of one trace metric in its container. Default 1 MiB. */
  maxTraceMetricSize: number;
  /** `max_container_size`: one container item (log, span v2, trace metric). Default 12 MiB. */
  maxContainerSize: number;
  /** `max_statsd_size`: the statsd item. Default 1 MiB. */
  maxStatsdSize: number;
  /** `max_metric_buckets_size`: the metric_buckets item. Default 1 MiB. */
  maxMetricBucketsSize: number;
  /** `max_replay_compressed_size`: one replay recording / video item as received. Default 10 MiB. */
  maxReplayCompressedSize: number;
}

/** Relay's defaults (reference/relay-protocol.md §5.1). */
export const DEFAULT_SIZE_LIMITS: Readonly<SizeLimits> = Object.freeze({
  maxEventSize: MIB,
  maxAttachmentSize: 200 * MIB,
  maxAttachmentsSize: 200 * MIB,
  maxAttachmentCount: 30,
  maxEnvelopeSize: 200 * MIB,
  maxClientReportsSize: 100 * KIB,
  maxClientReportsCount: 100,
  maxCheckInSize: 100 * KIB,
  maxSessionsSize: 10 * MIB,
  maxSessionCount: 100,
  maxProfileSize: 50 * MIB,
  maxLogSize: 2 * MIB,
  maxSpanSize: 10 * MIB,
  maxStandaloneSpanCount: 25,
  maxTraceMetricSize: MIB,
  maxContainerSize: 12 * MIB,
  maxStatsdSize: MIB,
  maxMetricBucketsSize: MIB,
  maxReplayCompressedSize: 10 * MIB,
});

/** Fills the gaps of a partial override with {@link DEFAULT_SIZE_LIMITS}. */
export function resolveSizeLimits(overrides: Partial<SizeLimits> = {}): SizeLimits {
  const limits: SizeLimits = { ...DEFAULT_SIZE_LIMITS };
  for (const key of Object.keys(limits) as Array<keyof SizeLimits>) {
    const value = overrides[key];
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}

/** One bucket's budget: per-item size, and remaining count and total bytes. */
interface Budget {
  itemSize: number;
  count: number;
  total: number;
}

/** Content types whose payload is a `{"items": [...]}` container (§3.7). */
const CONTAINER_CONTENT_TYPES = new Set([
  'application/vnd.sentry.items.log+json',
  'application/vnd.sentry.items.span.v2+json',
  'application/vnd.sentry.items.trace-metric+json',
]);

/** Attachment types and their `DiscardAttachmentType` names (relay-server/src/services/outcome.rs). */
const ATTACHMENT_DISCARD_NAMES: Record<string, string> = {
  'event.attachment': 'attachment:attachment',
  'event.minidump': 'attachment:minidump',
  'event.applecrashreport': 'attachment:apple_crash_report',
  'event.payload': 'attachment:event_payload',
  'event.breadcrumbs': 'attachment:breadcrumbs',
  'playstation.prosperodump': 'attachment:prosperodump',
  'nswitch.dying_message': 'attachment:nnswitch_dying_message',
  'unreal.context': 'attachment:unreal_context',
  'unreal.logs': 'attachment:unreal_logs',
  'event.view_hierarchy': 'attachment:view_hierarchy',
};

/** True when the item declares a container content type (media type compared without parameters). */
export function isContainerItem(item: EnvelopeItem): boolean {
  const contentType = item.headers.content_type;
  if (typeof contentType !== 'string') return false;
  return CONTAINER_CONTENT_TYPES.has(contentType.split(';')[0]?.trim().toLowerCase() ?? '');
}

/**
 * Relay's `DiscardItemType` name of an item, used in the 413 detail and outcome reasons:
 * the item type, `attachment:<kind>` for attachments, `user_report_v2` for `feedback`.
 */
export function discardItemTypeName(item: EnvelopeItem): string {
  const type = item.headers.type;
  if (type === 'attachment') {
    const attachmentType = item.headers.attachment_type;
    return (
      (typeof attachmentType === 'string' && ATTACHMENT_DISCARD_NAMES[attachmentType]) ||
      'attachment:attachment'
    );
  }
  if (type === 'feedback') return 'user_report_v2';
  if (type === 'profile_chunk_ui') return 'profile_chunk';
  return KNOWN_ITEM_TYPES.has(type) ? type : 'unknown';
}

const KNOWN_ITEM_TYPES = new Set([
  'event',
  'transaction',
  'security',
  'raw_security',
  'form_data',
  'unreal_report',
  'user_report',
  'session',
  'sessions',
  'statsd',
  'metric_buckets',
  'client_report',
  'profile',
  'replay_event',
  'replay_recording',
  'replay_video',
  'check_in',
  'log',
  'trace_metric',
  'span',
  'profile_chunk',
  'integration',
]);

/**
 * Checks every item of `envelope` against its bucket (Relay's `check_envelope_size_limits`):
 * event-like items share one slot of `maxEventSize`; attachment-like items are limited per item,
 * in count and in total; sessions, client reports, replays, profiles, check-ins, statsd, metric
 * buckets, logs, trace metrics and spans have their own budgets. Container items are checked by
 * their average entry size (`length / item_count`) and their total. Unknown item types are not
 * limited here. Returns the `DiscardItemType` name of the first offending item, or `undefined`.
 */
export function checkEnvelopeSizeLimits(envelope: Envelope, limits: SizeLimits): string | undefined {
  const budget = (itemSize: number, count: number, total: number): Budget => ({ itemSize, count, total });
  const event = budget(limits.maxEventSize, 1, limits.maxEventSize);
  const attachment = budget(limits.maxAttachmentSize, limits.maxAttachmentCount, limits.maxAttachmentsSize);
  const replayRecording = budget(limits.maxReplayCompressedSize, 1, limits.maxReplayCompressedSize);
  const replayVideo = budget(limits.maxReplayCompressedSize, 1, limits.maxReplayCompressedSize);
  const session = budget(limits.maxSessionsSize, limits.maxSessionCount, limits.maxSessionsSize);
  const clientReport = budget(
    limits.maxClientReportsSize,
    limits.maxClientReportsCount,
    limits.maxClientReportsSize,
  );
  const profile = budget(limits.maxProfileSize, 1, limits.maxProfileSize);
  const checkIn = budget(limits.maxCheckInSize, 1, limits.maxCheckInSize);
  const statsd = budget(limits.maxStatsdSize, 1, limits.maxStatsdSize);
  const metricBuckets = budget(limits.maxMetricBucketsSize, 1, limits.maxMetricBucketsSize);
  const log = budget(limits.maxLogSize, 1, limits.maxContainerSize);
  const traceMetric = budget(limits.maxTraceMetricSize, 1, limits.maxContainerSize);
  const span = budget(limits.maxSpanSize, 1, limits.maxContainerSize);
  const spanLegacy = budget(limits.maxSpanSize, limits.maxStandaloneSpanCount, limits.maxContainerSize);

  const bucketOf = (item: EnvelopeItem): Budget | undefined => {
    switch (item.headers.type) {
      case 'event':
      case 'transaction':
      case 'security':
      case 'replay_event':
      case 'raw_security':
      case 'feedback':
      case 'form_data':
        return event;
      case 'attachment':
      case 'unreal_report':
      case 'user_report':
        return attachment;
      case 'replay_recording':
        return replayRecording;
      case 'replay_video':
        return replayVideo;
      case 'session':
      case 'sessions':
        return session;
      case 'client_report':
        return clientReport;
      case 'profile':
      case 'profile_chunk':
      case 'profile_chunk_ui':
        return profile;
      case 'check_in':
        return checkIn;
      case 'statsd':
        return statsd;
      case 'metric_buckets':
        return metricBuckets;
      case 'log':
        return log;
      case 'trace_metric':
        return traceMetric;
      case 'span':
        return isContainerItem(item) ? span : spanLegacy;
      default:
        return undefined;
    }
  };

  for (const item of envelope.items) {
    const limit = bucketOf(item);
    if (!limit) continue;
    const length = item.payload.length;
    const entries = isContainerItem(item) ? Math.max(1, asCount(item.headers.item_count)) : 1;
    const size = Math.floor(length / entries);
    if (size > limit.itemSize || limit.count < 1 || limit.total < length) return discardItemTypeName(item);
    limit.count -= 1;
    limit.total -= length;
  }
  return undefined;
}

function asCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 1;
}
