/**
 * The replay items of one envelope, processed together as Relay's replays processor does
 * (`relay-server/src/processing/replays/`, reference/relay-protocol.md §11): a `replay_event`
 * and its `replay_recording` form one web replay segment, a lone `replay_recording` is accepted
 * for older SDKs, every `replay_video` is one native replay segment. Recordings are scrubbed
 * with the project's data scrubbing settings (./scrub-recording.ts). Outcomes are in data
 * category `replay`, counted as Relay counts them: one per item (a web replay is 2, a video 1).
 *
 * Combinations Relay rejects: an event without a recording (`invalid_replay_missing_recording`),
 * more than one event or recording (`duplicate_item` for each), an envelope without an
 * `event_id` header (the replay id, `internal`), a combined replay of `max_replay_message_size`
 * or more (`too_large:replay_recording`).
 *
 * One deliberate difference: Relay rejects a web replay as a whole (both items) when its
 * recording is invalid; here only the recording is dropped (`invalid_replay_recording`, quantity
 * 1) and the segment's replay event is kept, so the replay's metadata (urls, errors, user) stays
 * searchable even when one segment's rrweb data is unusable. An invalid replay event still drops
 * both items, as in Relay, since its recording could not be attributed. Pure: no I/O.
 */
import type { OutcomeType } from '../../../protocol/outcome.js';
import { parseEventId } from '../../normalize/index.js';
import { extractClicks, type ReplayClick } from './clicks.js';
import { parseRecording, type ParseRecordingOptions, type ParsedRecording } from './recording.js';
import { scrubRecording } from './scrub-recording.js';
import { DEFAULT_DATA_SCRUBBING } from '../../pii/index.js';
import {
  REPLAY_DROP_REASONS,
  processReplayEvent,
  type ProcessedReplayEvent,
  type ReplayEventContext,
} from './replay-event.js';
import { decodeReplayVideo } from './video.js';

/** `max_replay_message_size`: the largest combined replay (event + recording + video), 15 MiB. */
export const MAX_REPLAY_MESSAGE_SIZE = 15 * 1024 * 1024;

/** Bytes Relay reserves for the message's metadata when checking the combined size. */
const MESSAGE_METADATA_OVERHEAD = 2000;

/** The replay item payloads of one envelope, in envelope order per type. */
export interface ReplayItems {
  events: readonly Uint8Array[];
  recordings: readonly Uint8Array[];
  videos: readonly Uint8Array[];
}

/** What {@link processReplayItems} needs besides the payloads. */
export interface ReplayEnvelopeContext extends ReplayEventContext, ParseRecordingOptions {
  /** The envelope's `event_id` header: the replay id recordings are stored under. */
  envelopeEventId?: string;
  /** Largest combined replay, bytes; default {@link MAX_REPLAY_MESSAGE_SIZE}. */
  maxMessageSize?: number;
  /**
   * Scrub recordings with the project's settings (./scrub-recording.ts), Relay's
   * `session-replay-recording-scrubbing` feature; default true.
   */
  scrubRecordings?: boolean;
}

/** One recording segment to store. */
export interface ProcessedRecording {
  projectId: number;
  /** 32 hex, from the envelope's `event_id`. */
  replayId: string;
  /** From the recording's header line. */
  segmentId: number;
  /** The segment's rrweb events, JSON text. */
  rrweb: string;
  /** The segment's clicks (./clicks.ts). */
  clicks: ReplayClick[];
  /** The video segment of a `replay_video` item. */
  video?: Uint8Array;
  receivedAt: number;
}

/** A quantity of `replay` items dropped for one reason. */
export interface ReplayDrop {
  outcome: Exclude<OutcomeType, 'accepted'>;
  reason: string;
  quantity: number;
}

/** What became of an envelope's replay items. */
export interface ReplayEnvelopeResult {
  /** Replay event rows (one per segment with a valid event). */
  events: ProcessedReplayEvent[];
  /** Recording segments. */
  recordings: ProcessedRecording[];
  /** Accepted quantity in category `replay`. */
  accepted: number;
  dropped: ReplayDrop[];
}

/** Processes the replay items of one envelope. Never throws. */
export function processReplayItems(items: ReplayItems, ctx: ReplayEnvelopeContext): ReplayEnvelopeResult {
  const result: ReplayEnvelopeResult = { events: [], recordings: [], accepted: 0, dropped: [] };
  const { events, recordings, videos } = items;
  const total = events.length + recordings.length + videos.length;
  if (total === 0) return result;
  const dropItems = (reason: string, quantity: number, outcome: ReplayDrop['outcome'] = 'invalid'): void => {
    if (quantity > 0) result.dropped.push({ outcome, reason, quantity });
  };
  const replayId = parseEventId(ctx.envelopeEventId);
  if (replayId === undefined) {
    dropItems(REPLAY_DROP_REASONS.noReplayId, total);
    return result;
  }
  const maxMessageSize = ctx.maxMessageSize ?? MAX_REPLAY_MESSAGE_SIZE;
  const tooLarge = (...parts: Uint8Array[]): boolean =>
    parts.reduce((sum, p) => sum + p.length, MESSAGE_METADATA_OVERHEAD) >= maxMessageSize;

  if (events.length === 1 && recordings.length === 1) {
    const [eventBytes, recordingBytes] = [events[0]!, recordings[0]!];
    if (tooLarge(eventBytes, recordingBytes)) dropItems(REPLAY_DROP_REASONS.tooLarge, 2);
    else {
      const event = processReplayEvent(eventBytes, ctx);
      if (event.kind === 'drop') dropItems(event.reason, 2, event.outcome);
      else {
        result.events.push(event.value);
        result.accepted += 1;
        addRecording(result, recordingBytes, replayId, ctx);
      }
    }
  } else if (events.length === 0 && recordings.length === 1) {
    if (tooLarge(recordings[0]!)) dropItems(REPLAY_DROP_REASONS.tooLarge, 1);
    else addRecording(result, recordings[0]!, replayId, ctx);
  } else if (events.length === 1 && recordings.length === 0) {
    dropItems(REPLAY_DROP_REASONS.missingRecording, 1);
  } else {
    dropItems(REPLAY_DROP_REASONS.duplicateItem, events.length + recordings.length);
  }

  for (const payload of videos) {
    const bundle = decodeReplayVideo(payload);
    if (bundle.kind === 'drop') {
      dropItems(bundle.reason, 1, bundle.outcome);
      continue;
    }
    const { replayEvent, replayRecording, replayVideo } = bundle.value;
    if (tooLarge(replayEvent, replayRecording, replayVideo)) {
      dropItems(REPLAY_DROP_REASONS.tooLarge, 1);
      continue;
    }
    const event = processReplayEvent(replayEvent, ctx);
    if (event.kind === 'drop') {
      dropItems(event.reason, 1, event.outcome);
      continue;
    }
    const recording = parseRecording(replayRecording, ctx);
    if (recording.kind === 'drop') {
      dropItems(recording.reason, 1, recording.outcome);
      continue;
    }
    result.events.push(event.value);
    result.recordings.push(toProcessedRecording(recording.value, replayId, ctx, replayVideo));
    result.accepted += 1;
  }
  return result;
}

function addRecording(
  result: ReplayEnvelopeResult,
  payload: Uint8Array,
  replayId: string,
  ctx: ReplayEnvelopeContext,
): void {
  const recording = parseRecording(payload, ctx);
  if (recording.kind === 'drop') {
    result.dropped.push({ outcome: recording.outcome, reason: recording.reason, quantity: 1 });
    return;
  }
  result.recordings.push(toProcessedRecording(recording.value, replayId, ctx));
  result.accepted += 1;
}

function toProcessedRecording(
  recording: ParsedRecording,
  replayId: string,
  ctx: ReplayEnvelopeContext,
  video?: Uint8Array,
): ProcessedRecording {
  const scrubbed =
    ctx.scrubRecordings !== false &&
    scrubRecording(recording.events, ctx.scrubbing ?? DEFAULT_DATA_SCRUBBING);
  return {
    projectId: ctx.projectId,
    replayId,
    segmentId: recording.segmentId,
    rrweb: scrubbed ? JSON.stringify(recording.events) : recording.rrweb,
    clicks: extractClicks(recording.events),
    ...(video !== undefined ? { video } : {}),
    receivedAt: ctx.receivedAt,
  };
}
