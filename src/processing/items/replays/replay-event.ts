/**
 * The pipeline of one replay event (reference/relay-protocol.md §11.1), the JSON of a
 * `replay_event` item or of the `replay_event` entry of a `replay_video` item:
 *
 * parse → Relay's `replay::validate` (`replay_id` and `segment_id` required, every `error_ids` /
 * `trace_ids` entry a UUID) → Relay's `replay::normalize` (platform default `other`, IP inference,
 * user agent → browser / os / device contexts, `type: "replay_event"`, lists cut to 100 entries)
 * using the event normalization steps replays share with events → Relay's default data scrubbing
 * over the `Replay` schema → the columns Snuba's replays processor stores
 * (`snuba/datasets/processors/replays_processor.py`).
 *
 * Follows `relay-event-normalization/src/replay.rs`, `relay-event-schema/src/protocol/replay.rs`
 * and `relay-server/src/processing/replays/`. Pure: no I/O.
 */
import { replayFilterable, shouldFilterItem, type FilterSettings } from '../../filters/index.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../../protocol/json.js';
import type { NameVersion, ReplaySegmentFields } from '../../../protocol/replay-columns.js';
import { drop, ok, type StepResult } from '../../pipeline/result.js';
import {
  AUTO_IP,
  BAG_SIZE,
  EventMeta,
  VALID_PLATFORMS,
  normalizeContexts,
  normalizeDist,
  normalizeEnvironment,
  normalizeIpAddresses,
  normalizeRelease,
  normalizeRequest,
  normalizeTags,
  normalizedTagPairs,
  normalizeUser,
  normalizeUserAgent,
  parseEventId,
  parseTimestamp,
  trimBagValue,
  type BagSize,
  type ClientHints,
} from '../../normalize/index.js';
import { DEFAULT_DATA_SCRUBBING, scrubReplay, type DataScrubbingSettings } from '../../pii/index.js';
import { parseJsonPayload } from '../feedback/record.js';

/** Relay's discard reasons for replays (`DiscardReason`, reference/relay-protocol.md §7.2). */
export const REPLAY_DROP_REASONS = {
  /** The replay event is not JSON, or fails validation (`InvalidReplayEvent`). */
  invalidEvent: 'invalid_replay',
  /** The replay event is JSON `null` (`InvalidReplayEventNoPayload`). */
  noPayload: 'invalid_replay_no_payload',
  /** The recording cannot be parsed or is too large once inflated (`InvalidReplayRecordingEvent`). */
  invalidRecording: 'invalid_replay_recording',
  /** The replay video item is not a valid MessagePack bundle (`InvalidReplayVideoEvent`). */
  invalidVideo: 'invalid_replay_video',
  /** A `replay_event` without its `replay_recording` (`InvalidReplayMissingRecording`). */
  missingRecording: 'invalid_replay_missing_recording',
  /** More than one event or recording in one envelope (`InvalidItemCount` → `DuplicateItem`). */
  duplicateItem: 'duplicate_item',
  /** The combined replay is larger than `max_replay_message_size` (`TooLarge`). */
  tooLarge: 'too_large:replay_recording',
  /** The envelope names no replay id (`NoEventId` → `Internal`). */
  noReplayId: 'internal',
} as const;

/** Relay caps `urls`, `error_ids` and `trace_ids` at this many entries (`normalize_array_fields`). */
export const MAX_REPLAY_LIST_ENTRIES = 100;

/** Snuba stores `segment_id` as UInt16. */
export const MAX_SEGMENT_ID = 65_535;

/** Relay logs segments past one hour of recording (720 five-second segments) as suspicious. */
export const SUSPICIOUS_SEGMENT_ID = 720;

/** The replay types Snuba accepts (`replay_type` column); anything else is stored as `session`. */
const REPLAY_TYPES: ReadonlySet<string> = new Set(['session', 'buffer', 'error']);

/** What the pipeline needs to know about the request and the project. */
export interface ReplayEventContext {
  projectId: number;
  /** Server receive time, Unix seconds; the timestamp of a replay event that has none. */
  receivedAt: number;
  /** The client IP (§8.4); `{{auto}}` user IPs become it. */
  clientIp?: string;
  /** The HTTP `User-Agent`; used when the replay's request headers carry none. */
  userAgent?: string;
  /** The HTTP client hints. */
  clientHints?: ClientHints;
  /** The project's data scrubbing settings; default Sentry's defaults for a new project. */
  scrubbing?: DataScrubbingSettings;
  /** The project's inbound filters (§10), run on the normalized replay event; default none. */
  filterSettings?: FilterSettings;
}

export type { NameVersion };

/** One replay segment's event as stored: the columns of Snuba's replays processor. */
export interface ProcessedReplayEvent extends ReplaySegmentFields {
  /** The normalized, scrubbed replay event. */
  event: JsonObject;
}

/**
 * Runs the pipeline over a replay event payload (JSON bytes). Returns `drop('invalid', reason)`
 * with Relay's `invalid_replay` for payloads that are not JSON objects or fail validation, and
 * `invalid_replay_no_payload` for JSON `null`. Never throws.
 */
export function processReplayEvent(
  payload: Uint8Array,
  ctx: ReplayEventContext,
): StepResult<ProcessedReplayEvent> {
  const parsed = parseJsonPayload(Buffer.from(payload).toString('utf8'));
  if (parsed.kind === 'drop') return drop('invalid', REPLAY_DROP_REASONS.invalidEvent);
  if (parsed.value === null) return drop('invalid', REPLAY_DROP_REASONS.noPayload);
  if (!isJsonObject(parsed.value)) return drop('invalid', REPLAY_DROP_REASONS.invalidEvent);
  return processReplayPayload(parsed.value, ctx);
}

/** The pipeline from an already-parsed JSON object (normalized in place). */
export function processReplayPayload(
  replay: JsonObject,
  ctx: ReplayEventContext,
): StepResult<ProcessedReplayEvent> {
  // validate
  const replayId = parseEventId(replay.replay_id);
  const segmentId = replay.segment_id;
  if (replayId === undefined) return drop('invalid', REPLAY_DROP_REASONS.invalidEvent);
  if (typeof segmentId !== 'number' || !Number.isSafeInteger(segmentId) || segmentId < 0)
    return drop('invalid', REPLAY_DROP_REASONS.invalidEvent);
  if (segmentId > MAX_SEGMENT_ID) return drop('invalid', REPLAY_DROP_REASONS.invalidEvent);
  const errorIds = uuidList(replay.error_ids);
  const traceIds = uuidList(replay.trace_ids);
  if (errorIds === undefined || traceIds === undefined)
    return drop('invalid', REPLAY_DROP_REASONS.invalidEvent);

  // normalize
  const meta = new EventMeta(replay);
  replay.replay_id = replayId;
  replay.event_id = parseEventId(replay.event_id) ?? replayId;
  const platform = typeof replay.platform === 'string' ? replay.platform : '';
  replay.platform = VALID_PLATFORMS.has(platform) ? platform : 'other';
  normalizeContexts(replay, meta);
  normalizeRequest(replay, meta);
  const scrubbing = ctx.scrubbing ?? DEFAULT_DATA_SCRUBBING;
  // Relay does not infer a client IP for projects that scrub IP addresses.
  const clientIp = scrubbing.scrubData && scrubbing.scrubIpAddresses ? undefined : ctx.clientIp;
  normalizeIpAddresses(replay, meta, clientIp === AUTO_IP ? undefined : clientIp);
  normalizeUser(replay, meta);
  // Relay derives contexts only when the replay carries request headers (`normalize_user_agent`).
  if (isJsonObject(replay.request) && replay.request.headers !== undefined) {
    normalizeUserAgent(replay, { fallbackUserAgent: ctx.userAgent, fallbackClientHints: ctx.clientHints });
  }
  normalizeRelease(replay, meta);
  normalizeEnvironment(replay, meta);
  normalizeDist(replay, meta);
  normalizeTags(replay, meta);
  replay.type = 'replay_event';
  // Relay cuts the lists to 100 entries, then trims them as data bags (`replay.rs` schema).
  replay.error_ids = trimUuids(errorIds.slice(0, MAX_REPLAY_LIST_ENTRIES), 'error_ids', meta);
  replay.trace_ids = trimUuids(traceIds.slice(0, MAX_REPLAY_LIST_ENTRIES), 'trace_ids', meta);
  const urls = trimBagValue(
    stringList(replay.urls).slice(0, MAX_REPLAY_LIST_ENTRIES),
    ['urls'],
    meta,
    URLS_BAG,
  );
  replay.urls = Array.isArray(urls) ? urls : [];
  const timestamp = parseTimestamp(replay.timestamp) ?? ctx.receivedAt;
  const start = parseTimestamp(replay.replay_start_timestamp);
  replay.timestamp = timestamp;
  if (start === undefined) delete replay.replay_start_timestamp;
  else replay.replay_start_timestamp = start;
  meta.flushErrors();

  if (ctx.filterSettings) {
    const verdict = shouldFilterItem(replayFilterable(replay), ctx.filterSettings, {
      clientIp: ctx.clientIp,
    });
    if (verdict.filtered) return drop('filtered', verdict.statKey);
  }

  // scrub
  const event = scrubReplay(replay, scrubbing);

  // extract
  const contexts = isJsonObject(event.contexts) ? event.contexts : {};
  const user = objectAt(event, 'user');
  const device = objectAt(contexts, 'device');
  const replayContext = objectAt(contexts, 'replay');
  const replayType = text(event.replay_type);
  return ok({
    projectId: ctx.projectId,
    replayId,
    eventId: text(event.event_id),
    segmentId,
    replayType: REPLAY_TYPES.has(replayType) ? replayType : 'session',
    timestamp,
    replayStartTimestamp: start,
    receivedAt: ctx.receivedAt,
    urls: stringList(event.urls),
    errorIds: stringList(event.error_ids),
    traceIds: stringList(event.trace_ids),
    platform: text(event.platform),
    release: text(event.release),
    environment: text(event.environment),
    dist: text(event.dist),
    user: {
      id: text(user.id),
      username: text(user.username),
      email: text(user.email),
      ipAddress: text(user.ip_address),
    },
    sdk: nameVersion(objectAt(event, 'sdk')),
    browser: nameVersion(objectAt(contexts, 'browser')),
    os: nameVersion(objectAt(contexts, 'os')),
    device: {
      name: text(device.name),
      brand: text(device.brand),
      family: text(device.family),
      model: text(device.model),
    },
    tags: normalizedTagPairs(event.tags),
    errorSampleRate: rate(replayContext.error_sample_rate),
    sessionSampleRate: rate(replayContext.session_sample_rate),
    event,
  });
}

/** `urls`: `max_depth = 7, max_bytes = 8192` in Relay's `Replay`. */
const URLS_BAG: BagSize = BAG_SIZE.large;

/** `error_ids` / `trace_ids`: `max_depth = 5, max_bytes = 2048`. */
const IDS_BAG: BagSize = BAG_SIZE.medium;

/**
 * The ids that fit the list's bag, measured as Relay serializes UUIDs (hyphenated, 36
 * characters); an id is kept whole or dropped, never cut.
 */
function trimUuids(ids: string[], key: string, meta: EventMeta): string[] {
  const hyphenated = ids.map((id) =>
    [id.slice(0, 8), id.slice(8, 12), id.slice(12, 16), id.slice(16, 20), id.slice(20)].join('-'),
  );
  const trimmed = trimBagValue([...hyphenated], [key], meta, IDS_BAG);
  const kept = Array.isArray(trimmed) ? trimmed : [];
  let n = 0;
  while (n < kept.length && kept[n] === hyphenated[n]) n++;
  return ids.slice(0, n);
}

/** The UUIDs of a list as 32 hex (nulls skipped); `undefined` when an entry is not a UUID. */
function uuidList(value: JsonValue | undefined): string[] | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return undefined;
  const out: string[] = [];
  for (const entry of value) {
    if (entry === null) continue;
    const id = parseEventId(entry);
    if (id === undefined) return undefined;
    out.push(id);
  }
  return out;
}

/** The string entries of a list (others are dropped, as Relay removes invalid entries). */
function stringList(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function objectAt(parent: JsonObject, key: string): JsonObject {
  const value = parent[key];
  return isJsonObject(value) ? value : {};
}

/** `value` when it is a string, a number as text, else `''`. */
function text(value: JsonValue | undefined): string {
  if (typeof value === 'string') return value;
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}

function nameVersion(object: JsonObject): NameVersion {
  return { name: text(object.name), version: text(object.version) };
}

/** A sample rate in [0, 1], else Snuba's -1. */
function rate(value: JsonValue | undefined): number {
  return typeof value === 'number' && value >= 0 && value <= 1 ? value : -1;
}
