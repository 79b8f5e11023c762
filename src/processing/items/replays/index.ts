/**
 * Session Replay ingestion (reference/relay-protocol.md §11): `replay_event`, `replay_recording`
 * and `replay_video` items become replay segment rows (Snuba's replays layout), click rows and
 * recording segments. Outcomes are in data category `replay`. Pure: no I/O.
 */
export {
  MAX_REPLAY_LIST_ENTRIES,
  MAX_SEGMENT_ID,
  REPLAY_DROP_REASONS,
  SUSPICIOUS_SEGMENT_ID,
  processReplayEvent,
  processReplayPayload,
  type NameVersion,
  type ProcessedReplayEvent,
  type ReplayEventContext,
} from './replay-event.js';
export {
  MAX_REPLAY_UNCOMPRESSED_SIZE,
  parseRecording,
  type ParseRecordingOptions,
  type ParsedRecording,
} from './recording.js';
export { DEAD_CLICK_TIMEOUT_MS, MAX_CLICKS_PER_SEGMENT, extractClicks, type ReplayClick } from './clicks.js';
export { decodeReplayVideo, type ReplayVideoBundle } from './video.js';
export { scrubRecording } from './scrub-recording.js';
export {
  MAX_REPLAY_MESSAGE_SIZE,
  processReplayItems,
  type ProcessedRecording,
  type ReplayDrop,
  type ReplayEnvelopeContext,
  type ReplayEnvelopeResult,
  type ReplayItems,
} from './process.js';
