/**
 * The `replay_video` item of mobile SDKs (reference/relay-protocol.md §11.3): a MessagePack map
 * with `replay_event` (the replay event's JSON bytes), `replay_recording` (a recording payload,
 * ./recording.ts) and `replay_video` (the video segment's bytes, non-empty). Follows
 * `ReplayVideoEvent` and `expand_video` in `relay-server/src/processing/replays/` (a bundle that
 * does not decode, or has an empty video, is `invalid_replay_video`). Pure.
 */
import { decode } from '@msgpack/msgpack';
import { isJsonObject } from '../../../protocol/json.js';
import { drop, ok, type StepResult } from '../../pipeline/result.js';
import { REPLAY_DROP_REASONS } from './replay-event.js';

/** The three parts of a replay video bundle. */
export interface ReplayVideoBundle {
  replayEvent: Uint8Array;
  replayRecording: Uint8Array;
  replayVideo: Uint8Array;
}

/**
 * Decodes a `replay_video` payload. Each part may be MessagePack `bin`, `str` or an array of
 * bytes (what serde's `Bytes` accepts). Returns `drop('invalid', 'invalid_replay_video')` when
 * the payload is not such a map or the video is empty. Never throws.
 */
export function decodeReplayVideo(payload: Uint8Array): StepResult<ReplayVideoBundle> {
  const invalid = drop<ReplayVideoBundle>('invalid', REPLAY_DROP_REASONS.invalidVideo);
  let value: unknown;
  try {
    value = decode(payload);
  } catch {
    return invalid;
  }
  if (value instanceof Map) value = Object.fromEntries(value);
  if (!isJsonObject(value) && !(typeof value === 'object' && value !== null && !Array.isArray(value)))
    return invalid;
  const map = value as Record<string, unknown>;
  const replayEvent = bytesOf(map.replay_event);
  const replayRecording = bytesOf(map.replay_recording);
  const replayVideo = bytesOf(map.replay_video);
  if (!replayEvent || !replayRecording || !replayVideo || replayVideo.length === 0) return invalid;
  return ok({ replayEvent, replayRecording, replayVideo });
}

function bytesOf(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (
    Array.isArray(value) &&
    value.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b < 256)
  )
    return Uint8Array.from(value as number[]);
  return undefined;
}
